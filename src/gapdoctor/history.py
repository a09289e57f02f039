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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError, shown
from gapdoctor.metrics import METRICS

__all__ = ["MAX_MAGNITUDE", "RunHistory", "hinge_point", "noise_sd", "normalise_series_name", "smooth"]

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
_MIN_EPOCHS_FOR_TRENDS = 5
_VALUE_FLOORS = {
    # the least value each metric can take by its definition; a value below is not that metric
    "log_loss": 0.0,  # cross-entropy: -log p >= 0
    "perplexity": 1.0,  # exp(cross-entropy) >= 1
    "mse": 0.0,
    "rmse": 0.0,
    "mae": 0.0,
    "accuracy": 0.0,
    "balanced_accuracy": 0.0,
    "f1": 0.0,
    "precision": 0.0,
    "recall": 0.0,
    "roc_auc": 0.0,
    "average_precision": 0.0,
    "error": 0.0,
    "top5_accuracy": 0.0,
}
_FLOOR_TOLERANCE = 1e-6
"""Rounding a logger may add below a metric's floor (float32 sums of exact zeros)."""
MAX_MAGNITUDE = 1e150
"""Largest |value| a series may hold: far beyond any loss or metric a run reports, and small
enough that squares and sums over long curves stay finite in float64 (1e150**2 = 1e300)."""


def normalise_series_name(raw: str) -> str | None:
    """Map a logged series name to gapdoctor's vocabulary.

    Parameters
    ----------
    raw : str
        A name as a logger wrote it (``"val/acc"``, ``"eval_loss"``, ``"loss"``...).

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
    """
    name = re.sub(r"[^0-9a-z]+", "_", raw.strip().lower()).strip("_")
    name = re.sub(r"_(epoch|step)$", "", name)  # Lightning's "val_loss_epoch"
    if name in _INDEX_NAMES:
        return ""
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    split = "train"
    head, _, rest = name.partition("_")
    body, _, tail = name.rpartition("_")
    if rest and head in _SPLIT_PREFIXES:
        split, name = _SPLIT_PREFIXES[head], rest
    elif body and tail in _SPLIT_PREFIXES:  # TensorBoard's "Loss/train", "Accuracy/val"
        split, name = _SPLIT_PREFIXES[tail], body
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    if name == "loss":
        return f"{split}_loss"
    name = _METRIC_ALIASES.get(name, name)
    if name in METRICS:
        return f"{split}_{name}"
    return None


def _to_float_series(where: str, values: Any) -> FloatArray:
    if hasattr(values, "detach") or isinstance(values, np.ndarray):
        from gapdoctor.arrays import to_numpy  # bf16 / meta tensors, complex and dates refused with the argument named

        values = to_numpy(where, values)
        if values.ndim != 1:
            raise GapdoctorInputError(
                where, f"expected one number per epoch, got an array of shape {values.shape}", "pass a 1-D sequence"
            )
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    if isinstance(values, (str, bytes, Mapping, set, frozenset)) or not hasattr(values, "__len__"):
        raise GapdoctorInputError(
            where,
            f"expected a sequence of per-epoch numbers, got {type(values).__name__}",
            "pass one value per epoch, e.g. {'val_loss': [0.9, 0.7, 0.6]}",
        )
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None or type(v).__name__ in ("NAType", "NaTType"):  # pandas' missing values
            out[i] = math.nan
            continue
        try:
            if isinstance(v, (complex, np.complexfloating, np.ndarray, np.datetime64, np.timedelta64)):
                raise TypeError(type(v).__name__)
            out[i] = float(v)
        except (TypeError, ValueError):
            raise GapdoctorInputError(
                where,
                f"epoch {i} holds {shown(v, 60)}, which is not a number",
                "log plain floats; use None or NaN for epochs without a value",
            ) from None
        except OverflowError:
            raise GapdoctorInputError(
                where,
                f"epoch {i} holds a number too large for a 64-bit float ({str(v)[:20]}...)",
                "log the value as a float (a loss that large has diverged: log inf or NaN)",
            ) from None
    return out


def _check_values(argument: str, name: str, raw_name: str, values: FloatArray, diverged_at: int | None) -> None:
    """Values a series of this name cannot hold: infinities before divergence, impossible negatives.

    An infinite value is accepted only once the training loss has diverged (from
    :attr:`RunHistory.diverged_at` on, every series may be non-finite): an infinite
    validation loss beside a finite training loss is a real measurement (a probability of
    0 on a true class), not a missing epoch, so it is refused rather than dropped.
    """
    where = f"{argument}[{raw_name!r}]"
    limit = len(values) if diverged_at is None or name == "train_loss" else diverged_at
    infinite = np.flatnonzero(np.isinf(values[:limit]))
    if len(infinite) and name != "train_loss":
        loss = name.endswith("loss")
        raise GapdoctorInputError(
            where,
            f"is infinite at epoch {int(infinite[0]) + 1}, before any divergence of the training loss"
            + (" (an infinite validation loss means a probability of 0 on a true class)" if loss else ""),
            ("clip predicted probabilities (e.g. to [1e-7, 1 - 1e-7]) when computing it, or " if loss else "")
            + "log NaN for epochs that were not measured",
        )
    finite = values[np.isfinite(values)]
    if len(finite) and np.abs(finite).max() > MAX_MAGNITUDE:
        epoch = int(np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_MAGNITUDE))[0]) + 1
        raise GapdoctorInputError(
            where,
            f"holds {values[epoch - 1]:.3g} at epoch {epoch}, beyond {MAX_MAGNITUDE:g}: no loss or metric of a "
            "working run reaches that",
            "a training loss that large has diverged: log it as inf or NaN; check the other series' units",
        )
    metric = name.partition("_")[2]
    floor = _VALUE_FLOORS.get(metric)
    if floor is not None and len(finite) and finite.min() < floor - _FLOOR_TOLERANCE:
        raise GapdoctorInputError(
            where,
            f"holds {finite.min():.4g}, below {floor:g}, the least a {metric} can be",
            "check the series' name: a loss that can be negative (e.g. a negative log-likelihood of continuous "
            "values) must be logged as train_loss / val_loss, not as log_loss / cross_entropy",
        )


@dataclass(frozen=True)
class RunHistory:
    """The validated per-epoch curves of one run.

    Build it with :meth:`from_any`; checks read it through :meth:`get`.

    Parameters
    ----------
    series : mapping of str to ndarray
        Normalised name -> float array of length ``n_epochs`` (NaN: not measured).
    ignored : tuple of str
        Names in the input that were not understood and were dropped (only when built
        with ``strict=False``, as log readers do).
    source : str
        Where the history came from (``"mapping"``, a file path...).
    """

    series: Mapping[str, FloatArray]
    ignored: tuple[str, ...] = ()
    source: str = "mapping"
    diverged_at: int | None = field(default=None)

    @property
    def n_epochs(self) -> int:
        """Number of epochs recorded."""
        return len(next(iter(self.series.values())))

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
    def from_any(cls, history: Any, *, argument: str = "history", strict: bool = True) -> RunHistory:
        """Validate and normalise a history given in any accepted form.

        Parameters
        ----------
        history : mapping, DataFrame, str or Path
            name -> per-epoch values; a DataFrame with one row per epoch; or a path
            to a log file or directory (see :mod:`gapdoctor.io`).
        argument : str, default="history"
            The argument name used in error messages.
        strict : bool, default=True
            When True, a series name gapdoctor does not understand is an error; when
            False it is dropped and listed in :attr:`ignored`.

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

            return read_history(history)
        if hasattr(history, "to_dict") and hasattr(history, "columns"):
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
            name = normalise_series_name(str(raw_name))
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
            series[name] = _to_float_series(f"{argument}[{str(raw_name)!r}]", values)
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
        for name, values in series.items():
            _check_values(argument, name, origin[name], values, diverged_at)
        return cls(series=series, ignored=tuple(ignored), source="mapping", diverged_at=diverged_at)


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


def fill_missing(values: FloatArray) -> FloatArray:
    """Linearly interpolate NaN/inf epochs (ends held constant)."""
    finite = np.isfinite(values)
    if finite.all():
        return values.astype(np.float64, copy=True)
    idx = np.arange(len(values))
    return np.interp(idx, idx[finite], values[finite]).astype(np.float64)


def smooth(values: FloatArray) -> FloatArray:
    """Robust smoothing of a noisy per-epoch curve.

    A running median of 3 removes isolated spikes, then a centred moving average
    (window about a tenth of the run, at least 3) removes the rest of the noise.
    Missing epochs are interpolated first.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    ndarray of shape (n_epochs,)

    Examples
    --------
    >>> smooth(np.array([1.0, 0.9, 5.0, 0.7, 0.6])).round(2).tolist()
    [1.0, 0.97, 0.87, 0.73, 0.65]
    """
    x = fill_missing(values)
    n = len(x)
    if n < 3:
        return x
    padded = np.concatenate([x[:1], x, x[-1:]])
    med = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    half = max(1, n // 20)
    out = np.empty(n)
    csum = np.concatenate([[0.0], np.cumsum(med)])
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out[i] = (csum[hi] - csum[lo]) / (hi - lo)
    return out


def noise_sd(values: FloatArray) -> float:
    """Robust estimate of the epoch-to-epoch noise of a curve.

    Uses second differences (which cancel a locally linear trend): for independent
    noise of s.d. sigma, the second difference has s.d. ``sqrt(6) * sigma``; the
    median absolute deviation makes it insensitive to a few spikes.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    float
        0.0 when fewer than 4 finite epochs.
    """
    x = values[np.isfinite(values)]
    if len(x) < 4:
        return 0.0
    d2 = np.diff(x, n=2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def hinge_point(values: FloatArray) -> tuple[int, float, float]:
    """Fit a continuous two-piece linear curve and return where the slope changes.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    epoch : int
        The epoch at which the slope changes (the knee).
    slope_before, slope_after : float
        Slopes per epoch of the two pieces.

    Examples
    --------
    >>> curve = np.r_[np.zeros(10), np.arange(1.0, 11.0)]
    >>> hinge_point(curve)[0]
    9
    """
    x = fill_missing(values)
    n = len(x)
    t = np.arange(n, dtype=np.float64)
    best = (0, 0.0, 0.0)
    best_sse = math.inf
    for k in range(1, n - 1):
        design = np.column_stack([np.ones(n), t, np.maximum(0.0, t - k)])
        coef, *_ = np.linalg.lstsq(design, x, rcond=None)
        sse = float(np.sum((design @ coef - x) ** 2))
        if sse < best_sse:
            best_sse, best = sse, (k, float(coef[1]), float(coef[1] + coef[2]))
    return best


def enough_epochs(history: RunHistory) -> bool:
    """True when the run is long enough to separate a trend from noise."""
    return history.n_epochs >= _MIN_EPOCHS_FOR_TRENDS


MIN_EPOCHS_FOR_TRENDS = _MIN_EPOCHS_FOR_TRENDS
