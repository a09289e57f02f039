"""The values of one history series: numbers per epoch, checked against what the series' name allows.

:func:`to_float_series` turns one logged series (list, array, tensor, pandas column) into
float64 with NaN for unmeasured epochs; :func:`check_values` refuses what a series of that
name cannot hold (an infinity before divergence, a value beyond :data:`MAX_MAGNITUDE`, a
metric below its floor); :func:`divergence_epoch` finds where a training loss diverged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError, shown
from gapdoctor.inputs.series_names import loss_from_metrics
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.metrics import METRICS

__all__ = [
    "MAX_MAGNITUDE",
    "NAMES_FIX",
    "check_values",
    "divergence_epoch",
    "evaluations_not_run",
    "finite_series",
    "read_as_logged",
    "to_float_series",
]


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
NAMES_FIX = (
    "name series train_loss, val_loss, val_<metric> or train_<metric> with <metric> one of "
    f"{', '.join(sorted(METRICS))}, or lr / grad_norm; drop other series (or pass metric=NAME with higher_is_better)"
)
"""How to name a history's series, for the errors that refuse a name."""
"""Rounding a logger may add below a metric's floor (float32 sums of exact zeros)."""
MAX_MAGNITUDE = 1e150
"""Largest |value| a series may hold: far beyond any loss or metric a run reports, and small
enough that squares and sums over long curves stay finite in float64 (1e150**2 = 1e300)."""


def to_float_series(where: str, values: Any) -> FloatArray:
    if hasattr(values, "detach") or isinstance(values, np.ndarray):
        from gapdoctor.inputs.arrays import (
            to_numpy,  # bf16 / meta tensors, complex and dates refused with the argument named
        )

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


def check_values(argument: str, name: str, raw_name: str, values: FloatArray, diverged_at: int | None) -> None:
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


def divergence_epoch(train_loss: FloatArray | None) -> int | None:
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


def finite_series(
    series: Mapping[str, FloatArray], *, argument: str = "history", origin: Mapping[str, str] | None = None
) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """The series holding a finite value, and the names of the validation curves logged with none.

    A training loss is kept either way, NaN from its first point too (its divergence, or no batch trained, is
    the optimisation check's evidence); a validation curve that is NaN at every evaluation is the pipeline
    check's. With ``origin`` (the names a user gave in a mapping), any other series with no finite value is
    refused: it was given, and holds nothing; so is a training loss NaN throughout beside a validation curve
    that changed (the model trained: its loss was not logged, not NaN).

    Examples
    --------
    >>> kept, dropped = finite_series({"train_loss": np.array([1.0, 0.5]), "val_loss": np.array([np.nan, np.nan])})
    >>> sorted(kept), dropped
    (['train_loss'], ('val_loss',))
    """
    empty = [n for n, v in series.items() if not np.isfinite(v).any()]
    for name in empty:
        if origin is None or name.startswith("val_"):
            continue
        where = f"{argument}[{origin[name]!r}]"
        if name != "train_loss":
            raise GapdoctorInputError(
                where, "holds no finite value (all NaN)", "drop the series, or check it was logged"
            )
        if not np.isinf(series[name]).any() and _validation_changed(series):
            raise GapdoctorInputError(
                where,
                "holds no finite value (all NaN) while the validation curves changed, so the weights did: the "
                "training loss was not logged",
                "log each epoch's mean training loss, or drop the series",
            )
    dropped = tuple(n for n in empty if n != "train_loss")
    return {n: v for n, v in series.items() if n not in dropped}, dropped


def _validation_changed(series: Mapping[str, FloatArray]) -> bool:
    """Whether a validation curve holds two different finite values (the weights changed between them)."""
    for values in (v for name, v in series.items() if name.startswith("val_")):
        finite = values[np.isfinite(values)]
        if len(finite) > 1 and bool(np.any(finite != finite[0])):
            return True
    return False


def evaluations_not_run(series: Mapping[str, FloatArray]) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """The series with each evaluation that did not run left out (NaN), and the note saying so.

    An evaluation did not run where the validation loss is logged exactly 0 while the training loss is
    positive, and every other validation series is 0 there too: no held-out loss is exactly 0 while the
    training loss is not, so the zeros fill a row for an epoch that was not validated (Ultralytics writes
    them for every epoch but the last when trained with ``val=False``). A validation loss logged 0 at every
    evaluation was never measured at all: left as logged, for ``pipeline_bug.zero_loss``.

    Examples
    --------
    >>> kept, notes = evaluations_not_run(
    ...     {"train_loss": np.array([3.0, 2.0, 1.5]), "val_loss": np.array([0.0, 0.0, 2.6]), "val_map": np.zeros(3)}
    ... )
    >>> kept["val_loss"].tolist(), kept["val_map"].tolist(), len(notes)
    ([nan, nan, 2.6], [nan, nan, 0.0], 1)
    """
    train, val = series.get("train_loss"), series.get("val_loss")
    if train is None or val is None:
        return dict(series), ()
    validation = [n for n in series if n.startswith("val_")]
    with np.errstate(invalid="ignore"):
        unrun = (val == 0) & (train > 0) & np.logical_and.reduce([series[n] == 0 for n in validation])
    if not unrun.any() or not (np.isfinite(val) & (val != 0)).any():  # zeros throughout: pipeline_bug.zero_loss's
        return dict(series), ()
    kept = {n: np.where(unrun, np.nan, v) if n in validation else v for n, v in series.items()}
    note = (
        f"validation logged 0 ({', '.join(sorted(validation))}) at {int(unrun.sum())} of {len(val)} points while the "
        "training loss was positive: read as evaluations that did not run (Ultralytics writes zeros for the epochs "
        "it does not validate, val=False), left out"
    )
    return kept, (note,)


def read_as_logged(series: dict[str, FloatArray]) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """The last readings of a history's series: evaluations that did not run left out
    (:func:`evaluations_not_run`), then a loss-like metric standing in for a loss never logged
    (:func:`~gapdoctor.inputs.series_names.loss_from_metrics`)."""
    series, unrun = evaluations_not_run(series)
    series, loss_notes = loss_from_metrics(series)
    return series, (*unrun, *loss_notes)
