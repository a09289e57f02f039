"""RunHistory: the per-epoch curves of a run, and the helpers checks use to read them.

Series names are normalised once here (``loss`` -> ``train_loss``, ``eval_acc`` ->
``val_accuracy``, ``learning_rate`` -> ``lr``...) so that every check can ask for
``history.get("val_loss")`` whatever wrote the log.

A ``NaN`` in a series means "not measured at this epoch" (validation every other epoch,
say). One exception: a training loss that turns NaN or infinite and stays so has
*diverged*, which :attr:`RunHistory.diverged_at` records for the optimisation check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.curve_stats import fill_missing, hinge_point, noise_sd, smooth
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.metrics import METRICS

__all__ = [
    "MIN_EPOCHS_FOR_TRENDS",
    "RunHistory",
    "enough_epochs",
    "fill_missing",
    "hinge_point",
    "noise_sd",
    "normalise_series_name",
    "smooth",
]

FloatArray = NDArray[np.float64]

_SPLIT_PREFIXES = {
    "train": "train",
    "training": "train",
    "tr": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "dev": "val",
}
_METRIC_ALIASES = {
    "acc": "accuracy",
    "categorical_accuracy": "accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "binary_accuracy": "accuracy",
    "f1_score": "f1",
    "f1score": "f1",
    "macro_f1": "f1",
    "f1_macro": "f1",
    "auc": "roc_auc",
    "auroc": "roc_auc",
    "roc_auc_score": "roc_auc",
    "ap": "average_precision",
    "logloss": "log_loss",
    "nll": "log_loss",
    "cross_entropy": "log_loss",
    "bal_acc": "balanced_accuracy",
    "balanced_acc": "balanced_accuracy",
    "err": "error",
    "error_rate": "error",
    "top_5_accuracy": "top5_accuracy",
}
_METRIC_ALIASES.update(
    {
        # accuracy as frameworks spell it (top-1, token and seqeval's overall accuracy are accuracies)
        "top1": "accuracy",
        "acc1": "accuracy",
        "top_1_accuracy": "accuracy",
        "top1_accuracy": "accuracy",
        "overall_accuracy": "accuracy",
        "acc5": "top5_accuracy",
        "top5": "top5_accuracy",
        "mean_token_accuracy": "token_accuracy",
        "token_acc": "token_accuracy",
        # F1 / precision / recall variants (seqeval's overall_* are micro over entities)
        "overall_f1": "f1",
        "overall_precision": "precision",
        "overall_recall": "recall",
        "f1_micro": "f1_micro",
        "micro_f1": "f1_micro",
        "f1_weighted": "f1_weighted",
        "weighted_f1": "f1_weighted",
        "precision_macro": "precision",
        "recall_macro": "recall",
        "macro_precision": "precision",
        "macro_recall": "recall",
        "auprc": "average_precision",
        "pr_auc": "average_precision",
        "matthews_correlation": "mcc",
        "matthews_corrcoef": "mcc",
        "word_error_rate": "wer",
        "character_error_rate": "cer",
        "sacrebleu": "bleu",
        "rouge_1": "rouge1",
        "rouge_2": "rouge2",
        "rouge_l": "rougel",
        "rouge_lsum": "rougelsum",
        "ppl": "perplexity",
        "map50": "map_50",
        "map_50_95": "map",
        "mean_average_precision": "map",
        "miou": "iou",
        "mean_iou": "iou",
        "jaccard": "iou",
        "dice_score": "dice",
        "dice_coefficient": "dice",
        "r_squared": "r2",
        "r2_score": "r2",
        "mean_squared_error": "mse",
        "mean_absolute_error": "mae",
        "root_mean_squared_error": "rmse",
        "exact": "exact_match",
        "em": "exact_match",
        "spearman": "spearmanr",
        "pearson": "pearsonr",
    }
)
_AUXILIARY = {
    "lr": "lr",
    "learning_rate": "lr",
    "grad_norm": "grad_norm",
    "gradient_norm": "grad_norm",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "batch_size": "batch_size",
}
_INDEX_NAMES = {"epoch", "epochs", "step", "global_step", "time", "timestamp", "wall_time", "runtime"}
# Four evaluation points are the fewest from which a turn (down, then up) can be read at all;
# fewer and a person cannot tell a trend from noise either.
_MIN_EPOCHS_FOR_TRENDS = 4
# Lower-is-better metrics that are losses in all but name, in order of preference, for runs
# that log no loss (regressions logging mse / mae).
_LOSS_LIKE_METRICS = ("log_loss", "mse", "rmse", "mae")
# A bounded metric whose largest value passes 1 by more than this was logged in percent.
_PERCENT_TOLERANCE = 1e-9
# Logged figures about the run's speed and bookkeeping, not its curves: ignored without a note.
_BOOKKEEPING = re.compile(
    r"runtime|per_second|flos|num_tokens|tokens_seen|samples|steps_per|time|memory|mem_|gpu|throughput|"
    r"^hp_metric$|^epoch|^step|global_step|^_"
)


def normalise_series_name(raw: str, *, metrics: Collection[str] = ()) -> str | None:
    """Map a logged series name to gapdoctor's vocabulary.

    Parameters
    ----------
    raw : str
        A name as a logger wrote it (``"val/acc"``, ``"eval_loss"``, ``"loss"``...).
    metrics : collection of str, default=()
        Extra metric names to accept (a user's own ``metric=``).

    Returns
    -------
    str or None
        ``"train_loss"``, ``"val_<metric>"``, ``"lr"``... ; ``""`` for index columns
        (epoch, step, time) that are not series; None when the name is not understood.

    Examples
    --------
    >>> normalise_series_name("eval/acc")
    'val_accuracy'
    >>> normalise_series_name("loss")
    'train_loss'
    >>> normalise_series_name("learning_rate")
    'lr'
    >>> normalise_series_name("Loss/valid"), normalise_series_name("val_acc_epoch")
    ('val_loss', 'val_accuracy')
    >>> normalise_series_name("eval_wer"), normalise_series_name("test_acc"), normalise_series_name("epoch_loss")
    ('val_wer', 'test_accuracy', 'train_loss')
    >>> normalise_series_name("lr-Adam"), normalise_series_name("train/learning_rate")
    ('lr', 'lr')
    """
    name = re.sub(r"[^0-9a-z]+", "_", raw.strip().lower()).strip("_")
    name = re.sub(r"_(epoch|step)$", "", name)  # Lightning's "val_loss_epoch"
    name = re.sub(r"(^|_)epoch_", r"\1", name)  # Keras' TensorBoard tags: "epoch_loss", "validation/epoch_loss"
    if name in _INDEX_NAMES:
        return ""
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    if re.match(r"(lr|learning_rate)_", name):  # Lightning's LearningRateMonitor: "lr-Adam", "lr-SGD/pg1"
        return "momentum" if name.endswith("momentum") else "lr"
    split = "train"
    head, _, rest = name.partition("_")
    if rest and head == "test":
        inner = normalise_series_name(rest, metrics=metrics)
        return None if not inner or not inner.startswith("train_") else "test_" + inner[len("train_") :]
    body, _, tail = name.rpartition("_")
    if rest and head in _SPLIT_PREFIXES:
        split, name = _SPLIT_PREFIXES[head], rest
    elif body and tail in _SPLIT_PREFIXES:  # TensorBoard's "Loss/train", "Accuracy/val"
        split, name = _SPLIT_PREFIXES[tail], body
    elif body and tail == "test":
        inner = normalise_series_name(body, metrics=metrics)
        return None if not inner or not inner.startswith("train_") else "test_" + inner[len("train_") :]
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    if name == "loss":
        return f"{split}_loss"
    name = _METRIC_ALIASES.get(name, name)
    if name in METRICS or name in metrics:
        return f"{split}_{name}"
    return None


def _to_float_series(name: str, values: Any) -> FloatArray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise GapdoctorInputError(
            f"history[{name!r}]",
            f"expected a sequence of per-epoch numbers, got {type(values).__name__}",
            "pass one value per epoch, e.g. {'val_loss': [0.9, 0.7, 0.6]}",
        )
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None:
            out[i] = math.nan
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            raise GapdoctorInputError(
                f"history[{name!r}]",
                f"epoch {i} holds {v!r}, which is not a number",
                "log plain floats; use None or NaN for epochs without a value",
            ) from None
    return out


@dataclass(frozen=True)
class RunHistory:
    """The validated curves of one run, on its evaluation points.

    Build it with :meth:`from_any` (or :meth:`from_points` for logged positions);
    checks read it through :meth:`get` and say where things happened with
    :meth:`position`.

    Parameters
    ----------
    series : mapping of str to ndarray
        Normalised name -> float array with one value per evaluation point (NaN: not
        measured there). A plain per-epoch list gives one point per epoch.
    ignored : tuple of str
        Names in the input that were not understood and were dropped (only when built
        with ``strict=False``, as log readers do).
    source : str
        Where the history came from (``"mapping"``, a file path...).
    diverged_at : int or None
        The point from which the training loss is NaN/infinite until the end.
    steps, epochs : ndarray or None
        The optimiser step, and the number of epochs completed, at each point (None
        when the log does not say).
    unit : str
        ``"epoch"`` (one evaluation per epoch) or ``"step"``: how positions are told.
    train_loss_se : ndarray or None
        Standard error of each point's training loss (the spread of the values logged
        since the previous point over the square root of their count): batch noise.
    train_loss_counts : ndarray or None
        Number of training-loss values behind each point.
    raw : mapping
        ``name -> (positions, values)`` as logged, for ``train_loss`` and ``lr``.
    notes : tuple of str
        What the reader did that the user should know (runs split, test rows kept apart...).
    test : mapping of str to float
        ``test_*`` values (kept apart from the training curves).
    """

    series: Mapping[str, FloatArray]
    ignored: tuple[str, ...] = ()
    source: str = "mapping"
    diverged_at: int | None = field(default=None)
    steps: FloatArray | None = None
    epochs: FloatArray | None = None
    unit: str = "epoch"
    train_loss_se: FloatArray | None = None
    train_loss_counts: FloatArray | None = None
    raw: Mapping[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    test: Mapping[str, float] = field(default_factory=dict)

    @property
    def n_epochs(self) -> int:
        """Number of evaluation points (one per epoch for per-epoch histories)."""
        return len(next(iter(self.series.values())))

    @property
    def n_points(self) -> int:
        """Number of evaluation points."""
        return self.n_epochs

    def epoch_at(self, index: int) -> int | float:
        """Epochs completed at point ``index`` (an int when whole; point number + 1 when unknown)."""
        if self.epochs is None:
            return int(index) + 1
        value = float(self.epochs[int(index)])
        return round(value) if abs(value - round(value)) < 1e-6 else round(value, 2)

    def position(self, index: int) -> str:
        """Where point ``index`` is, in the unit the run was logged in.

        Examples
        --------
        >>> RunHistory.from_any({"val_loss": [1.0, 0.9]}).position(1)
        'epoch 2'
        """
        if self.unit == "step" and self.steps is not None:
            where = f"step {int(self.steps[int(index)])}"
            return where + (f" (epoch {self.epoch_at(index)})" if self.epochs is not None else "")
        return f"epoch {self.epoch_at(index)}"

    def positions(self, prefix: str, index: int) -> dict[str, float | int]:
        """Figures ``<prefix>_epoch`` (and ``<prefix>_step`` when steps are known) for point ``index``."""
        out: dict[str, float | int] = {f"{prefix}_epoch": self.epoch_at(index)}
        if self.steps is not None:
            out[f"{prefix}_step"] = int(self.steps[int(index)])
        return out

    @property
    def points_name(self) -> str:
        """What a point is, for messages: ``"epoch"`` or ``"evaluation"``."""
        return "epoch" if self.unit == "epoch" else "evaluation"

    def has(self, name: str) -> bool:
        """True when the series exists and has at least one finite value."""
        values = self.series.get(name)
        return values is not None and bool(np.isfinite(values).any())

    def get(self, name: str) -> FloatArray | None:
        """The series called ``name`` (normalised), or None."""
        return self.series.get(name) if self.has(name) else None

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metric names that have a validation series (``val_<metric>``, loss excluded)."""
        return tuple(sorted(n[4:] for n in self.series if n.startswith("val_") and n != "val_loss" and self.has(n)))

    def to_dict(self) -> dict[str, list[float | None]]:
        """JSON-safe copy: name -> list, NaN written as None."""
        return {
            name: [None if not math.isfinite(v) else float(v) for v in values] for name, values in self.series.items()
        }

    @classmethod
    def from_any(
        cls, history: Any, *, argument: str = "history", strict: bool = True, metrics: Collection[str] = ()
    ) -> RunHistory:
        """Validate and normalise a history given in any accepted form.

        Parameters
        ----------
        history : mapping, DataFrame, str or Path
            name -> per-epoch values (one point per epoch); a DataFrame with one row
            per epoch, or with a ``step`` / ``epoch`` column (rows as logged, sparse
            rows allowed); or a path to a log file or directory (see :mod:`gapdoctor.io`).
        argument : str, default="history"
            The argument name used in error messages.
        strict : bool, default=True
            When True, a series name gapdoctor does not understand is an error; when
            False it is dropped and listed in :attr:`ignored`.
        metrics : collection of str, default=()
            Extra metric names to accept as ``val_<name>`` / ``train_<name>`` series.

        Returns
        -------
        RunHistory

        Raises
        ------
        GapdoctorInputError
            Empty history, unknown names (strict), non-numeric values, series of
            unequal length, or a series with no finite value.

        Examples
        --------
        >>> h = RunHistory.from_any({"loss": [1.0, 0.8], "val_acc": [0.5, 0.6]})
        >>> sorted(h.series), h.n_epochs
        (['train_loss', 'val_accuracy'], 2)
        """
        if isinstance(history, RunHistory):
            return history
        if isinstance(history, (str, Path)):
            from gapdoctor.io import read_history

            return read_history(history, metrics=metrics)
        if hasattr(history, "to_dict") and hasattr(history, "columns"):
            positioned = _frame_points(history, argument)
            if positioned is not None:
                return cls.from_points(positioned, argument=argument, strict=strict, metrics=metrics)
            history = {str(c): history[c].to_numpy() for c in history.columns}
        if not isinstance(history, Mapping):
            raise GapdoctorInputError(
                argument,
                f"expected a mapping name -> per-epoch values, a DataFrame or a path, got {type(history).__name__}",
                "pass e.g. {'train_loss': [...], 'val_loss': [...], 'val_accuracy': [...]}",
            )
        series: dict[str, FloatArray] = {}
        ignored: list[str] = []
        origin: dict[str, str] = {}
        for raw_name, values in history.items():
            name = normalise_series_name(str(raw_name), metrics=metrics)
            if name == "":
                continue
            if name is None:
                if strict:
                    raise GapdoctorInputError(
                        argument,
                        f"series {raw_name!r} is not a name gapdoctor understands",
                        "name series train_loss, val_loss, val_<metric> or train_<metric> with <metric> one of "
                        f"{', '.join(sorted(METRICS))}, or lr / grad_norm; drop other series",
                    )
                ignored.append(str(raw_name))
                continue
            if name in series:
                raise GapdoctorInputError(
                    argument,
                    f"series {raw_name!r} and {origin[name]!r} both mean {name!r}",
                    "keep only one of them",
                )
            series[name] = _to_float_series(str(raw_name), values)
            origin[name] = str(raw_name)
        if not series:
            raise GapdoctorInputError(
                argument,
                "holds no series gapdoctor can read" + (f" (ignored: {', '.join(ignored)})" if ignored else ""),
                "log at least train_loss and val_loss or a val_<metric> per epoch",
            )
        lengths = {name: len(v) for name, v in series.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{origin[n]}={k}" for n, k in lengths.items())
            raise GapdoctorInputError(
                argument,
                f"series have unequal lengths ({detail})",
                "give one value per epoch in every series, with None/NaN for epochs where a series was not measured",
            )
        if next(iter(lengths.values())) == 0:
            raise GapdoctorInputError(argument, "every series is empty", "record at least one epoch")
        for name, values in series.items():
            if not np.isfinite(values).any() and not (name == "train_loss" and np.isinf(values).any()):
                raise GapdoctorInputError(
                    f"{argument}[{origin[name]!r}]",
                    "holds no finite value (all NaN)",
                    "drop the series, or check that the logger recorded it",
                )
        diverged_at = _divergence_epoch(series.get("train_loss"))
        test = {n: float(v[np.isfinite(v)][-1]) for n, v in series.items() if n.startswith("test_")}
        series = {n: v for n, v in series.items() if not n.startswith("test_")}
        if not series:
            raise GapdoctorInputError(argument, "holds only test_* series", "log train_loss and val_loss per epoch")
        series, notes = _fractions_from_percentages(series, metrics)
        series, loss_notes = _loss_from_metrics(series)
        return cls(
            series=series,
            ignored=tuple(ignored),
            source="mapping",
            diverged_at=diverged_at,
            notes=(*notes, *loss_notes),
            test=test,
        )

    @classmethod
    def from_points(
        cls,
        points: Iterable[tuple[str, float, float, float]],
        *,
        argument: str = "history",
        strict: bool = False,
        metrics: Collection[str] = (),
        chosen: Collection[str] = (),
    ) -> RunHistory:
        """A history from values logged at positions (the readers' common form).

        Parameters
        ----------
        points : iterable of (name, step, epoch, value)
            Raw series name, optimiser step, epochs completed (NaN: not known) and the
            value (NaN/inf: a non-finite value was logged), in the order logged.
        argument : str, default="history"
            Named in error messages.
        strict : bool, default=False
            Whether an unknown series name is an error (else ignored and listed).
        metrics : collection of str, default=()
            Extra metric names to accept.
        chosen : collection of str, default=()
            Raw names the user mapped explicitly: preferred among names meaning one series.

        Returns
        -------
        RunHistory

        Examples
        --------
        >>> pts = [("loss", s, s / 100, 2.0 - s / 100) for s in range(10, 110, 10)]
        >>> pts += [("eval_loss", 50, 0.5, 1.6), ("eval_loss", 100, 1.0, 1.5)]
        >>> h = RunHistory.from_points(pts)
        >>> h.unit, h.n_points, h.position(0), h.get("train_loss").round(2).tolist()
        ('step', 2, 'step 50 (epoch 0.5)', [1.7, 1.2])
        """
        from gapdoctor.history_axis import STEP_NOISE_SERIES, align_points

        logged_order = [(str(raw), float(step), float(epoch), float(value)) for raw, step, epoch, value in points]
        by_raw: dict[str, list[tuple[str, float, float, float]]] = {}
        for point in logged_order:
            by_raw.setdefault(point[0], []).append(point)
        ignored: list[str] = []
        target: dict[str, str] = {}
        for raw in by_raw:
            name = normalise_series_name(raw, metrics=metrics)
            if name is None:
                if strict:
                    raise GapdoctorInputError(
                        argument, f"series {raw!r} is not a name gapdoctor understands", _NAMES_FIX
                    )
                ignored.append(raw)
            elif name:
                target[raw] = name
        best: dict[str, str] = {}
        for raw, name in target.items():
            if name not in best or _preference(raw, name, by_raw[raw], chosen) > _preference(
                best[name], name, by_raw[best[name]], chosen
            ):
                best[name] = raw
        ignored.extend(raw for raw in target if best[target[raw]] != raw)
        kept = set(best.values())
        # a per-step training loss beside the per-epoch one shows the batch noise (Lightning's *_step)
        for raw, name in target.items():
            if name == "train_loss" and raw not in kept and raw.lower().endswith("step"):
                target[raw] = STEP_NOISE_SERIES
                kept.add(raw)
                ignored.remove(raw)
                break
        aligned = align_points(
            (target[raw], step, epoch, value) for raw, step, epoch, value in logged_order if raw in kept
        )
        if not aligned.series or len(next(iter(aligned.series.values()))) == 0:
            raise GapdoctorInputError(
                argument,
                "holds no series gapdoctor can read" + (f" (ignored: {', '.join(ignored)})" if ignored else ""),
                "log at least train_loss and val_loss or a val_<metric>",
            )
        series, notes = _fractions_from_percentages(aligned.series, metrics)
        series = {n: v for n, v in series.items() if np.isfinite(v).any() or n == "train_loss"}
        series, loss_notes = _loss_from_metrics(series)
        notes = (*notes, *loss_notes)
        return cls(
            series=series,
            ignored=tuple(ignored),
            source="points",
            diverged_at=aligned.diverged_at,
            steps=aligned.steps,
            epochs=aligned.epochs,
            unit=aligned.unit,
            train_loss_se=aligned.train_loss_se,
            train_loss_counts=aligned.counts,
            raw=aligned.raw,
            notes=(*aligned.notes, *notes),
            test=aligned.test,
        )


_NAMES_FIX = (
    "name series train_loss, val_loss, val_<metric> or train_<metric> with <metric> one of "
    f"{', '.join(sorted(METRICS))}, or lr / grad_norm; drop other series (or pass metric=NAME with higher_is_better)"
)


def _preference(
    raw: str, name: str, points: list[tuple[str, float, float, float]], chosen: Collection[str]
) -> tuple[bool, int, int]:
    """Higher wins among raw names meaning one series: mapped, then per-epoch, then most values."""
    lowered = raw.lower()
    level = 2 if lowered.endswith("epoch") else 0 if lowered.endswith("step") else 1
    finite = sum(1 for p in points if math.isfinite(p[3]))
    return raw in chosen, level, finite


def _loss_from_metrics(series: dict[str, FloatArray]) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """No loss logged (a regression run logging mse/mae): the loss-like metric stands in for it, said so."""
    if "train_loss" in series:
        return series, ()
    for metric in _LOSS_LIKE_METRICS:
        train = series.get(f"train_{metric}")
        if train is not None and np.isfinite(train).any():
            out = {**series, "train_loss": train}
            used = [f"train_{metric}"]
            val = series.get(f"val_{metric}")
            if "val_loss" not in series and val is not None:
                out["val_loss"] = val
                used.append(f"val_{metric}")
            return out, (f"no loss was logged: {' and '.join(used)} read as the loss",)
    return series, ()


def _fractions_from_percentages(
    series: Mapping[str, FloatArray], metrics: Collection[str]
) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """Bounded metrics logged in percent (0-100) are read as fractions, and said so."""
    out: dict[str, FloatArray] = {}
    converted: list[str] = []
    for name, values in series.items():
        metric = name.partition("_")[2]
        info = METRICS.get(metric)
        finite = values[np.isfinite(values)]
        if (
            info is not None
            and info.bounded
            and metric not in metrics
            and len(finite)
            and float(finite.max()) > 1.0 + _PERCENT_TOLERANCE
            and float(finite.max()) <= 100.0 + _PERCENT_TOLERANCE
            and float(finite.min()) >= 0.0
        ):
            out[name] = values / 100.0
            converted.append(name)
        else:
            out[name] = values
    notes = (f"read as percentages (0-100), divided by 100: {', '.join(converted)}",) if converted else ()
    return out, notes


def _frame_points(frame: Any, argument: str) -> list[tuple[str, float, float, float]] | None:
    """Rows of a DataFrame with a step or epoch column, as logged points; None without one."""
    columns = {str(c).strip().lower(): c for c in frame.columns}
    step_col = columns.get("step", columns.get("global_step"))
    epoch_col = columns.get("epoch")
    if step_col is None and epoch_col is None:
        return None
    n = len(frame)
    step = _to_float_series(f"{argument}[{step_col!r}]", frame[step_col]) if step_col is not None else None
    epoch = _to_float_series(f"{argument}[{epoch_col!r}]", frame[epoch_col]) if epoch_col is not None else None
    if epoch is not None:
        epoch = epoch_completed(epoch)
    points: list[tuple[str, float, float, float]] = []
    data = {str(c): _to_float_series(str(c), frame[c]) for c in frame.columns if c not in (step_col, epoch_col)}
    for i in range(n):
        s = math.nan if step is None else float(step[i])
        e = math.nan if epoch is None else float(epoch[i])
        points.extend((name, s, e, float(v[i])) for name, v in data.items() if not math.isnan(v[i]))
    return points


def epoch_completed(epochs: FloatArray) -> FloatArray:
    """Epoch column -> epochs completed: 0-based integer counters (Keras, Lightning) get +1.

    Examples
    --------
    >>> epoch_completed(np.array([0.0, 0.0, 1.0])).tolist(), epoch_completed(np.array([0.5, 1.0])).tolist()
    ([1.0, 1.0, 2.0], [0.5, 1.0])
    """
    finite = epochs[np.isfinite(epochs)]
    if len(finite) and float(finite.min()) == 0.0 and bool(np.all(finite == np.round(finite))):
        return epochs + 1.0
    return epochs


def history_notes(history: RunHistory) -> tuple[str, ...]:
    """What the diagnosis should tell about the history: the reader's notes and unknown series."""
    unknown = [n for n in history.ignored if not _BOOKKEEPING.search(n.lower())]
    listed = ", ".join(unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
    extra = (
        (
            f"history: series not understood, not used: {listed} "
            "(pass metric=NAME with higher_is_better, or --metric NAME --higher-is-better, to use one)",
        )
        if unknown
        else ()
    )
    return tuple(f"history: {n}" for n in history.notes) + extra


def _divergence_epoch(train_loss: FloatArray | None) -> int | None:
    """First epoch from which the training loss is non-finite until the end."""
    if train_loss is None:
        return None
    finite = np.isfinite(train_loss)
    if finite.all() or not finite.any():
        return None if finite.all() else 0
    last_finite = int(np.flatnonzero(finite)[-1])
    if last_finite == len(train_loss) - 1:
        return None
    return last_finite + 1


def enough_epochs(history: RunHistory) -> bool:
    """True when the run is long enough to separate a trend from noise."""
    return history.n_epochs >= _MIN_EPOCHS_FOR_TRENDS


MIN_EPOCHS_FOR_TRENDS = _MIN_EPOCHS_FOR_TRENDS
