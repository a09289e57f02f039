"""The trials of a hyper-parameter search, validated at the door.

:func:`search_trials` turns what :func:`gapdoctor.diagnose_search` is given into a
:class:`SearchTrials`: a list of dicts, a DataFrame with the same columns (or Optuna's
``study.trials_dataframe()``, whose ``params_*`` columns are read as the params), or an
Optuna ``Study`` (optuna is imported lazily; install the ``optuna`` extra). The search
checks (:mod:`gapdoctor.causes.search_noise.check`) then trust it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError, shown
from gapdoctor.inputs.arguments import MAX_VAL_ROWS, own_metric_names
from gapdoctor.inputs.history import MAX_MAGNITUDE, RunHistory
from gapdoctor.stats.metrics import METRICS

__all__ = ["SearchTrials", "Trial", "search_trials"]


@dataclass(frozen=True)
class Trial:
    """One completed trial of a search.

    Parameters
    ----------
    number : int
        Position in the input (or the Optuna trial number).
    params : mapping
        The hyper-parameters tried.
    value : float
        The value the search ranked the trial by.
    val_size : int or None
        Number of validation rows the value was measured on.
    history : RunHistory or None
        The trial's per-epoch curves, when given.
    """

    number: int
    params: Mapping[str, Any]
    value: float
    val_size: int | None
    history: RunHistory | None

    @property
    def config_key(self) -> str:
        """The configuration as a canonical string (trials with equal params share it)."""
        return json.dumps(dict(self.params), sort_keys=True, default=str)


@dataclass(frozen=True)
class SearchTrials:
    """The validated trials of one search.

    Parameters
    ----------
    trials : tuple of Trial
    metric : str
        The metric the values are meant to be (a key of :data:`gapdoctor.stats.metrics.METRICS`).
    greater_is_better : bool
        Direction the search optimised.
    source : str
        ``"records"``, ``"DataFrame"`` or ``"optuna"``.
    """

    trials: tuple[Trial, ...]
    metric: str
    greater_is_better: bool
    source: str = "records"

    def summary(self) -> dict[str, Any]:
        """JSON-safe description of the search (counts, not values)."""
        return {
            "metric": self.metric,
            "n_trials": len(self.trials),
            "n_configurations": len({t.config_key for t in self.trials}),
            "direction": "maximize" if self.greater_is_better else "minimize",
            "source": self.source,
            "val_sizes": sorted({t.val_size for t in self.trials if t.val_size is not None}),
        }

    def best_curves(self) -> dict[str, list[float | None]]:
        """The curves of the best trial (empty when it has no history)."""
        best = max(self.trials, key=lambda t: t.value if self.greater_is_better else -t.value)
        return {} if best.history is None else best.history.to_dict()


_RECORD_HINT = "pass a list of {'params': {...}, 'value': float, 'val_size': int} dicts, a DataFrame or an optuna Study"


def _is_optuna_study(obj: Any) -> bool:
    return type(obj).__module__.startswith("optuna") and hasattr(obj, "trials") and hasattr(obj, "directions")


def _number(raw: Any) -> float | None:
    """``raw`` as a float when it is a real number (numpy scalars included), else None."""
    if isinstance(raw, (bool, np.bool_)) or not isinstance(raw, (int, float, np.integer, np.floating)):
        return None
    try:
        return float(raw)
    except OverflowError:  # an int beyond float range
        return math.inf


def _val_size(raw: Any, where: str) -> int | None:
    if raw is None or (isinstance(raw, (float, np.floating)) and math.isnan(raw)):
        return None
    number = _number(raw)
    if number is None or not math.isfinite(number) or not number.is_integer() or not 0 < number <= MAX_VAL_ROWS:
        raise GapdoctorInputError(
            where,
            f"must be a positive whole number of validation rows (at most {MAX_VAL_ROWS:.0e}), got {shown(raw)}",
            "count the rows",
        )
    return int(number)


def _trial(number: int, record: Any, default_val_size: int | None, where: str) -> Trial:
    if not isinstance(record, Mapping):
        raise GapdoctorInputError(where, f"expected a dict, got {type(record).__name__}", _RECORD_HINT)
    if "value" not in record:
        raise GapdoctorInputError(where, "has no 'value'", "give the validation metric of each trial as 'value'")
    value = _number(record["value"])
    if value is None or not abs(value) <= MAX_MAGNITUDE:
        raise GapdoctorInputError(
            f"{where}['value']",
            f"must be a finite number of magnitude at most {MAX_MAGNITUDE:g}, got {shown(record['value'])}",
            "drop failed trials",
        )
    params = record.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise GapdoctorInputError(f"{where}['params']", f"expected a dict, got {type(params).__name__}", _RECORD_HINT)
    odd_keys = [k for k in params if not isinstance(k, str)]
    if odd_keys:
        raise GapdoctorInputError(
            f"{where}['params']", f"has a key that is not a string: {shown(odd_keys[0])}", "name each parameter"
        )
    size = _val_size(record.get("val_size", default_val_size), f"{where}['val_size']")
    raw_history = record.get("history")
    history = None
    if raw_history is not None and not (isinstance(raw_history, float) and math.isnan(raw_history)):
        try:
            history = RunHistory.from_any(raw_history, argument=f"{where}['history']")
        except GapdoctorInputError as error:  # a log file's reader names the file: name the trial too
            if error.argument.startswith(where):
                raise
            raise GapdoctorInputError(f"{where}['history']", f"{error.argument}: {error.problem}", error.fix) from None
    return Trial(number=number, params=dict(params), value=value, val_size=size, history=history)


def _trial_number(record: Any, index: int) -> int:
    raw = record.get("number", index) if isinstance(record, Mapping) else index
    number = _number(raw)
    if number is None or not math.isfinite(number) or not number.is_integer():
        raise GapdoctorInputError(
            f"trials[{index}]['number']", f"must be a whole number, got {shown(raw)}", "number trials 0, 1, 2..."
        )
    return int(number)


def _records_from_dataframe(frame: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = frame.to_dict("records")
    out = []
    for row in records:
        record = {k: v for k, v in row.items() if not str(k).startswith("params_")}
        flat = {str(k)[len("params_") :]: v for k, v in row.items() if str(k).startswith("params_")}
        if flat and "params" not in record:
            record["params"] = flat
        if "val_size" not in record and "user_attrs_val_size" in record:
            record["val_size"] = record["user_attrs_val_size"]
        if "state" in record and str(record["state"]) != "COMPLETE":
            continue
        out.append(record)
    return out


def _records_from_study(study: Any, metric: str) -> tuple[list[dict[str, Any]], bool]:
    from optuna.trial import TrialState  # lazy: only when a Study is passed

    if len(study.directions) != 1:
        raise GapdoctorInputError("trials", "is a multi-objective study", "diagnose one objective at a time")
    maximize = study.direction.name == "MAXIMIZE"
    records = []
    for t in study.trials:
        if t.state != TrialState.COMPLETE:
            continue
        history = t.user_attrs.get("history")
        if history is None and len(t.intermediate_values) >= 2:
            steps = sorted(t.intermediate_values)
            history = {f"val_{metric}": [t.intermediate_values[s] for s in steps]}
        records.append(
            {
                "number": t.number,
                "params": t.params,
                "value": t.value,
                "val_size": t.user_attrs.get("val_size"),
                "history": history,
            }
        )
    return records, maximize


def search_trials(
    trials: Any, *, metric: str = "accuracy", val_size: int | None = None, direction: str | None = None
) -> SearchTrials:
    """Validate the trials of a search (see :func:`diagnose_search` for the arguments).

    Returns
    -------
    SearchTrials

    Raises
    ------
    GapdoctorInputError
        For bad input; the message names the argument.

    Examples
    --------
    >>> s = search_trials([{"params": {"C": 1}, "value": 0.9, "val_size": 100},
    ...                    {"params": {"C": 2}, "value": 0.91, "val_size": 100}])
    >>> len(s.trials), s.greater_is_better
    (2, True)
    """
    own_metric_names(metric)  # a known metric name: the values need its bounds
    if not (direction is None or (isinstance(direction, str) and direction in ("maximize", "minimize"))):
        raise GapdoctorInputError(
            "direction", f"must be 'maximize' or 'minimize', got {direction!r}", "or leave it out"
        )
    default_size = None if val_size is None else _val_size(val_size, "val_size")
    greater = METRICS[metric].greater_is_better
    if _is_optuna_study(trials):
        records, greater = _records_from_study(trials, metric)
        source = "optuna"
    elif hasattr(trials, "to_dict") and hasattr(trials, "columns"):
        records, source = _records_from_dataframe(trials), "DataFrame"
    elif isinstance(trials, (list, tuple)):
        records, source = list(trials), "records"
    else:
        raise GapdoctorInputError(
            "trials", f"expected a list of dicts, a DataFrame or a Study, got {type(trials).__name__}", _RECORD_HINT
        )
    if direction is not None:
        greater = direction == "maximize"
    parsed = []
    for i, record in enumerate(records):
        parsed.append(_trial(_trial_number(record, i), record, default_size, f"trials[{i}]"))
    if len(parsed) < 2:
        raise GapdoctorInputError(
            "trials", f"holds {len(parsed)} completed trial(s)", "diagnose a search with at least 2 completed trials"
        )
    return SearchTrials(trials=tuple(parsed), metric=metric, greater_is_better=greater, source=source)
