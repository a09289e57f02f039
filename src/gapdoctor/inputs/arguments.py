"""The input arguments of a diagnosis, declared once, and the checks of the scalar ones.

:class:`DiagnoseInputs` is the one list of what :func:`gapdoctor.diagnose` takes
(besides ``experiments``, which is about the confirming experiments, not the inputs):
:func:`~gapdoctor.inputs.evidence.build_evidence` reads it, the bench takes its array
arguments from it (:data:`ARRAY_INPUTS`), and a test holds ``diagnose``'s explicit
signature equal to it. Each field's ``metadata["kind"]`` says what the argument is.

The metric name is validated here, once, at the door (:func:`own_metric_names`, used by
``diagnose``, ``diagnose_search`` and the CLI), and so are the other scalar arguments
(``val_size``, ``model``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np

from gapdoctor.errors import GapdoctorInputError, shown
from gapdoctor.fitting.kinds import is_train_function
from gapdoctor.stats.metrics import METRICS

__all__ = [
    "ARRAY_INPUTS",
    "MAX_VAL_ROWS",
    "DiagnoseInputs",
    "check_metric",
    "check_model",
    "check_val_size",
    "input_names",
    "is_train_function",
    "own_metric_names",
]

Kind = Literal["curves", "array", "option", "model", "recorded"]

MAX_VAL_ROWS = 10**12
"""More validation rows than any real split holds; a larger count is a mistake (and breaks float arithmetic)."""


_CURVES: dict[str, Kind] = {"kind": "curves"}
_ARRAY: dict[str, Kind] = {"kind": "array"}
_OPTION: dict[str, Kind] = {"kind": "option"}
_MODEL: dict[str, Kind] = {"kind": "model"}
_RECORDED: dict[str, Kind] = {"kind": "recorded"}  # made by a training-loop integration


@dataclass(frozen=True)
class DiagnoseInputs:
    """The raw input arguments of one diagnosis, as the user passed them (validated later).

    The fields, their order and their defaults are those of :func:`gapdoctor.diagnose`
    (less ``experiments``); see its docstring for what each one means.
    """

    history: Any = field(default=None, metadata=_CURVES)
    X_train: Any = field(default=None, metadata=_ARRAY)
    y_train: Any = field(default=None, metadata=_ARRAY)
    X_val: Any = field(default=None, metadata=_ARRAY)
    y_val: Any = field(default=None, metadata=_ARRAY)
    train_probs: Any = field(default=None, metadata=_ARRAY)
    val_probs: Any = field(default=None, metadata=_ARRAY)
    metric: str = field(default="accuracy", metadata=_OPTION)
    groups_train: Any = field(default=None, metadata=_ARRAY)
    groups_val: Any = field(default=None, metadata=_ARRAY)
    sources_train: Any = field(default=None, metadata=_ARRAY)
    model: Any = field(default=None, metadata=_MODEL)
    sample_losses: Any = field(default=None, metadata=_ARRAY)
    sample_loss_rows: Any = field(default=None, metadata=_ARRAY)
    train_label_order: Any = field(default=None, metadata=_ARRAY)
    val_size: int | None = field(default=None, metadata=_OPTION)
    higher_is_better: bool | None = field(default=None, metadata=_OPTION)
    training_dynamics: Any = field(default=None, metadata=_RECORDED)

    def arguments(self) -> dict[str, Any]:
        """Every input by name (the values themselves, not copies), for ``diagnose(**inputs.arguments())``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def input_names(kind: Kind | None = None) -> tuple[str, ...]:
    """The names of the input arguments (of one ``kind``), in their declared order.

    Examples
    --------
    >>> input_names("option")
    ('metric', 'val_size', 'higher_is_better')
    """
    return tuple(f.name for f in fields(DiagnoseInputs) if kind is None or f.metadata["kind"] == kind)


ARRAY_INPUTS = input_names("array")
"""The array arguments of :func:`gapdoctor.diagnose` (one value per row, or per epoch and row)."""


def check_metric(metric: Any, argument: str = "metric") -> str:
    """The metric name, or GapdoctorInputError when it is not a known name.

    Examples
    --------
    >>> check_metric(["accuracy"])
    Traceback (most recent call last):
    ...
    gapdoctor.errors.GapdoctorInputError: metric: expected a metric name (str), got list ['accuracy']...
    """
    if not isinstance(metric, str):
        raise GapdoctorInputError(
            argument,
            f"expected a metric name (str), got {type(metric).__name__} {shown(metric, 60)}",
            f"pass one name, e.g. metric='accuracy'; known: {', '.join(sorted(METRICS))}",
        )
    if metric not in METRICS:
        raise GapdoctorInputError(
            argument,
            f"unknown metric {metric!r}",
            f"use one of {', '.join(sorted(METRICS))}, or name your own with higher_is_better=True/False",
        )
    return metric


def own_metric_names(metric: Any, higher_is_better: Any = None) -> tuple[str, ...]:
    """Validate ``metric`` / ``higher_is_better``; the user's own metric name, if any, to accept in the history.

    A known name needs no direction; an unknown one is accepted only with
    ``higher_is_better`` (then it is returned, so the history's ``val_<name>`` series is read).

    Examples
    --------
    >>> own_metric_names("accuracy"), own_metric_names("my_score", True)
    ((), ('my_score',))
    """
    if higher_is_better is not None and not isinstance(higher_is_better, (bool, np.bool_)):
        raise GapdoctorInputError(
            "higher_is_better",
            f"expected True, False or None, got {type(higher_is_better).__name__}",
            "pass higher_is_better=True for a score, False for an error or loss",
        )
    if higher_is_better is None or not isinstance(metric, str) or metric in METRICS or not metric.strip():
        check_metric(metric)  # a known name, or the error naming what is allowed
        return ()
    return (metric,)


def check_val_size(val_size: Any, y_val: np.ndarray[Any, Any] | None) -> int | None:
    """The validation size: ``len(y_val)``, or the ``val_size`` argument checked."""
    if val_size is None:
        return None if y_val is None else len(y_val)
    if isinstance(val_size, bool) or not isinstance(val_size, (int, np.integer)) or not 0 < val_size <= MAX_VAL_ROWS:
        raise GapdoctorInputError(
            "val_size",
            f"must be a positive whole number of rows (at most {MAX_VAL_ROWS:.0e}), got {shown(val_size)}",
            "pass len(validation set)",
        )
    if y_val is not None and int(val_size) != len(y_val):
        raise GapdoctorInputError(
            "val_size", f"is {val_size} but y_val has {len(y_val)} labels", "leave val_size out when passing y_val"
        )
    return int(val_size)


def check_model(model: Any) -> None:
    """An estimator with fit/predict_proba, or a train function ``train(X, y, *, config)``."""
    if is_train_function(model):
        try:
            inspect.signature(model).bind(np.zeros((1, 1)), np.zeros(1, dtype=np.int64), config={})
        except TypeError:
            raise GapdoctorInputError(
                "model",
                f"the train function {getattr(model, '__name__', repr(model))} cannot be called as "
                "train(X, y, *, config)",
                "define it as `def train(X, y, *, config): ... return predict_proba` (see gapdoctor.fitting.trainer)",
            ) from None
        except ValueError:  # no signature to inspect (a builtin): trust it
            pass
        return
    if not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
        raise GapdoctorInputError(
            "model",
            f"{type(model).__name__} has no fit/predict_proba",
            "pass an unfitted scikit-learn-style classifier (e.g. a Pipeline ending in LogisticRegression), "
            "or a train function train(X, y, *, config) -> predict_proba",
        )
