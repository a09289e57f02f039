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
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.history_axis import frame_points
from gapdoctor.inputs.history_shapes import estimator_history, history_mapping
from gapdoctor.inputs.history_values import (
    MAX_MAGNITUDE,
    NAMES_FIX,
    check_values,
    divergence_epoch,
    finite_series,
    read_as_logged,
    to_float_series,
)
from gapdoctor.inputs.loss_terms import summed_loss_terms  # YOLO's box / cls / dfl
from gapdoctor.inputs.named_losses import with_named_losses
from gapdoctor.inputs.output_heads import HeadLosses, head_losses, mapping_head_losses, per_output_names
from gapdoctor.inputs.series_names import (
    PER_BATCH_SUFFIXES,
    fractions_from_percentages,
    normalise_series_name,
    preference,
    validation_from_test_curves,
)
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.curves import fill_missing, hinge_point, noise_sd, smooth

__all__ = [
    "MAX_MAGNITUDE",
    "MIN_EPOCHS_FOR_TRENDS",
    "RunHistory",
    "enough_epochs",
    "fill_missing",
    "hinge_point",
    "noise_sd",
    "normalise_series_name",
    "smooth",
]


# Four evaluation points are the fewest from which a turn (down, then up) can be read at all (a person neither).
MIN_EPOCHS_FOR_TRENDS = 4


@dataclass(frozen=True)
class RunHistory:
    """The validated curves of one run, on its evaluation points.

    Build it with :meth:`from_any` (or :meth:`from_points` for logged positions); checks read it
    through :meth:`get` and say where things happened with :meth:`position`.

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
    train_loss_se, train_loss_counts : ndarray or None
        Standard error of each point's training loss (the spread of the values logged since the previous
        point over the square root of their count: batch noise), and the number of values behind it.
    raw : mapping
        ``name -> (positions, values)`` as logged, for ``train_loss`` and ``lr``.
    notes : tuple of str
        What the reader did that the user should know (runs split, test rows kept apart...).
    test : mapping of str to float
        ``test_*`` values (kept apart from the training curves).
    non_finite : tuple of str
        Series a log holds with no finite value (NaN throughout), dropped from ``series``.
    empty_train_terms : tuple of str
        A detector's training loss terms 0 throughout, their validation twins not (:mod:`.loss_terms`).
    heads : mapping
        A multi-output model's per-output losses as logged, beside the total (:mod:`.output_heads`).
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
    non_finite: tuple[str, ...] = ()
    empty_train_terms: tuple[str, ...] = ()
    heads: HeadLosses = field(default_factory=dict)

    @property
    def n_epochs(self) -> int:
        """Number of evaluation points (one per epoch for per-epoch histories)."""
        return len(next(iter(self.series.values()), ()))

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
        return {name: [float(v) if math.isfinite(v) else None for v in values] for name, values in self.series.items()}

    @classmethod
    def from_any(
        cls, history: Any, *, argument: str = "history", strict: bool = True, metrics: Collection[str] = ()
    ) -> RunHistory:
        """Validate and normalise a history given in any accepted form.

        Parameters
        ----------
        history : mapping, DataFrame, fitted scikit-learn MLP, str or Path
            name -> per-epoch values (one point per epoch; a loop's own shapes, a fitted MLP: :mod:`~.history_shapes`);
            a DataFrame with one row per epoch, or with a ``step`` / ``epoch`` column (rows as logged, sparse
            rows allowed). A log file is read by :func:`gapdoctor.io.read_history` (``diagnose(history=path)`` does).
        argument : str, default="history"
            The argument name used in error messages.
        strict : bool, default=True
            Whether a series name gapdoctor does not understand is an error (else dropped, listed in :attr:`ignored`).
        metrics : collection of str, default=()
            Extra metric names to accept as ``val_<name>`` / ``train_<name>`` series.

        Returns
        -------
        RunHistory

        Raises
        ------
        GapdoctorInputError
            Empty history, unknown names (strict), non-numeric values, series of
            unequal length, or a series with no finite value (but a validation curve: :attr:`non_finite`).

        Examples
        --------
        >>> h = RunHistory.from_any({"loss": [1.0, 0.8], "val_acc": [0.5, 0.6]})
        >>> sorted(h.series), h.n_epochs
        (['train_loss', 'val_accuracy'], 2)
        """
        if isinstance(history, RunHistory):
            return history
        if isinstance(history, (str, Path)):
            raise GapdoctorInputError(
                argument,
                f"is a path ({history}); RunHistory holds curves, it reads no file",
                "pass the path to gapdoctor.diagnose(history=...) or read it with gapdoctor.io.read_history(path)",
            )
        if hasattr(history, "to_dict") and hasattr(history, "columns"):
            positioned = frame_points(history, argument, to_float_series)
            if positioned is not None:
                return cls.from_points(positioned, argument=argument, strict=strict, metrics=metrics)
            history = {str(c): history[c].to_numpy() for c in history.columns}
        history, fitted_notes = estimator_history(history)  # a fitted scikit-learn MLP: its own curves
        if not isinstance(history, Mapping):
            raise GapdoctorInputError(
                argument,
                f"expected a mapping name -> per-epoch values, a DataFrame or a path, got {type(history).__name__}",
                "pass e.g. {'train_loss': [...], 'val_loss': [...], 'val_accuracy': [...]}",
            )
        history, shape_notes = history_mapping(history)  # a loop's own shapes: {"train": {"loss": [...]}}, ...
        series: dict[str, FloatArray] = {}
        ignored: list[str] = []
        origin: dict[str, str] = {}
        for raw_name, values in history.items():
            name = normalise_series_name(str(raw_name), metrics=metrics)
            if name == "":
                continue
            if name is None:
                ignored.append(str(raw_name))
                continue
            if name in series:
                why = f"series {raw_name!r} and {origin[name]!r} both mean {name!r}"
                raise GapdoctorInputError(argument, why, "keep only one of them")
            series[name] = to_float_series(f"{argument}[{str(raw_name)!r}]", values)
            origin[name] = str(raw_name)
        per_output = per_output_names(ignored) if "train_loss" in series else set()  # a multi-output model's own
        refused = [name for name in ignored if name not in per_output]
        if strict and refused:
            raise GapdoctorInputError(argument, f"series {refused[0]!r} is not a name gapdoctor understands", NAMES_FIX)
        if not series:
            why = "holds no series gapdoctor can read" + (f" (ignored: {', '.join(ignored)})" if ignored else "")
            raise GapdoctorInputError(argument, why, "log at least train_loss and val_loss or a val_<metric> per epoch")
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
        series, non_finite = finite_series(series, argument=argument, origin=origin)
        diverged_at = divergence_epoch(series.get("train_loss"))
        for name, values in series.items():
            check_values(argument, name, origin[name], values, diverged_at)
        renamed, test_notes = validation_from_test_curves({n: int(np.isfinite(v).sum()) for n, v in series.items()})
        series = {renamed.get(n, n): v for n, v in series.items()}
        test = {n: float(v[np.isfinite(v)][-1]) for n, v in series.items() if n.startswith("test_")}
        series = {n: v for n, v in series.items() if not n.startswith("test_")}
        if not series:
            raise GapdoctorInputError(argument, "holds only test_* series", "log train_loss and val_loss per epoch")
        series, notes = fractions_from_percentages(series, metrics)
        series, loss_notes = read_as_logged(series)
        return cls(
            series=series,
            ignored=tuple(ignored),
            source="mapping",
            diverged_at=diverged_at,
            notes=(*fitted_notes, *shape_notes, *test_notes, *notes, *loss_notes),
            test=test,
            non_finite=non_finite,
            heads=mapping_head_losses(history, per_output),
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
        from gapdoctor.inputs.history_axis import STEP_NOISE_SERIES, align_points
        from gapdoctor.inputs.param_groups import median_learning_rate  # Ultralytics' lr/pg0, lr/pg1, lr/pg2

        logged_order = [(str(raw), float(step), float(epoch), float(value)) for raw, step, epoch, value in points]
        logged_order, summed, empty_terms = summed_loss_terms(median_learning_rate(logged_order), metrics)
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
                        argument, f"series {raw!r} is not a name gapdoctor understands", NAMES_FIX
                    )
                ignored.append(raw)
            elif name:
                target[raw] = name
        target, ignored, loss_notes_named = with_named_losses(target, ignored, metrics)
        best: dict[str, str] = {}
        for raw, name in target.items():
            if name not in best or preference(raw, name, by_raw[raw], chosen) > preference(
                best[name], name, by_raw[best[name]], chosen
            ):
                best[name] = raw
        ignored.extend(raw for raw in target if best[target[raw]] != raw)
        kept = set(best.values())
        # a per-step training loss beside the per-epoch one shows the batch noise (Lightning's *_step)
        for raw, name in target.items():
            if name == "train_loss" and raw not in kept and raw.lower().endswith(PER_BATCH_SUFFIXES):
                target[raw] = STEP_NOISE_SERIES
                kept.add(raw)
                ignored.remove(raw)
                break
        aligned = align_points(
            (target[raw], step, epoch, value) for raw, step, epoch, value in logged_order if raw in kept
        )
        empty = not aligned.series or len(next(iter(aligned.series.values()))) == 0
        if empty and aligned.test:  # only test rows (trainer.test() alone): read, with nothing to judge
            note = f"only test values were logged ({', '.join(sorted(aligned.test))}): no training curve to judge"
            return cls(series={}, ignored=tuple(ignored), source="points", test=aligned.test, notes=(note,))
        if empty:
            why = "holds no series gapdoctor can read" + (f" (ignored: {', '.join(ignored)})" if ignored else "")
            raise GapdoctorInputError(argument, why, "log at least train_loss and val_loss or a val_<metric>")
        series, notes = fractions_from_percentages(aligned.series, metrics)
        series, non_finite = finite_series(series)
        series, loss_notes = read_as_logged(series)
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
            notes=(*aligned.notes, *notes, *summed, *loss_notes_named, *loss_notes),
            test=aligned.test,
            non_finite=non_finite,
            empty_train_terms=empty_terms,
            heads=head_losses(logged_order, ignored, total="train_loss" in series),
        )


def enough_epochs(history: RunHistory) -> bool:
    """True when the run is long enough to separate a trend from noise."""
    return history.n_epochs >= MIN_EPOCHS_FOR_TRENDS
