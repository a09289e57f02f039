"""diagnose_search: is a hyper-parameter search ranking its trials by noise?

The trials come as a list of dicts, a DataFrame with the same columns (or Optuna's
``study.trials_dataframe()``, whose ``params_*`` columns are read as the params), or an
Optuna ``Study`` (optuna is imported lazily; install the ``optuna`` extra). The input
is validated here, once, into :class:`~gapdoctor.causes.search_noise.check.SearchTrials`;
the checks in :mod:`gapdoctor.causes.search_noise.check` then read it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from gapdoctor.causes.registry import guarded_run
from gapdoctor.causes.search_noise.check import (
    SearchTrials,
    Trial,
    overfitted_best,
    ranked_by_training_loss,
    ties_within_noise,
)
from gapdoctor.errors import GapdoctorInputError, shown
from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank
from gapdoctor.inputs.evidence import MAX_VAL_ROWS, check_metric
from gapdoctor.inputs.history import MAX_MAGNITUDE, RunHistory
from gapdoctor.stats.metrics import METRICS

__all__ = ["diagnose_search", "search_trials"]

_CHECKS: tuple[tuple[str, Callable[[SearchTrials], list[Finding]]], ...] = (
    ("search_noise.ties", ties_within_noise),
    ("search_noise.training_loss_ranking", ranked_by_training_loss),
    ("search_noise.overfitted_best", overfitted_best),
)
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
    check_metric(metric)
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


def diagnose_search(
    trials: Any, *, metric: str = "accuracy", val_size: int | None = None, direction: str | None = None
) -> Diagnosis:
    """Diagnose a hyper-parameter search: are its trials ranked by noise?

    Parameters
    ----------
    trials : list of dict, DataFrame or optuna.Study
        One entry per completed trial: ``{"params": {...}, "value": float, "val_size": int,
        "history": {...}}`` (history optional, as in :func:`gapdoctor.diagnose`). A
        DataFrame may hold ``params_<name>`` columns (Optuna's ``trials_dataframe()``).
        From a Study, ``val_size`` and ``history`` are read from each trial's
        ``user_attrs``, and the reported intermediate values become ``val_<metric>``.
    metric : str, default="accuracy"
        What the trial values measure (see :data:`gapdoctor.stats.metrics.METRICS`).
    val_size : int, optional
        Validation rows behind every value, for trials that do not give their own.
    direction : {"maximize", "minimize"}, optional
        Direction of the search; by default the metric's (a Study's own direction wins).

    Returns
    -------
    Diagnosis
        Findings of cause ``search_noise``, strongest first.

    Raises
    ------
    GapdoctorInputError
        For bad input; the message names the argument.

    Examples
    --------
    >>> import gapdoctor
    >>> trials = [{"params": {"C": c}, "value": v, "val_size": 80}
    ...           for c, v in [(0.1, 0.91), (1, 0.925), (10, 0.9125), (100, 0.9)]]
    >>> gapdoctor.diagnose_search(trials).top.cause
    'search_noise'
    """
    search = search_trials(trials, metric=metric, val_size=val_size, direction=direction)
    runs: list[CheckRun] = []
    findings: list[Finding] = []
    for name, check in _CHECKS:
        run, produced = guarded_run(name, "search_noise", partial(check, search))
        runs.append(run)
        findings.extend(produced)
    inputs = {
        "metric": metric,
        "n_trials": len(search.trials),
        "n_configurations": len({t.config_key for t in search.trials}),
        "direction": "maximize" if search.greater_is_better else "minimize",
        "source": search.source,
        "val_sizes": sorted({t.val_size for t in search.trials if t.val_size is not None}),
    }
    best = max(search.trials, key=lambda t: t.value if search.greater_is_better else -t.value)
    curves = {} if best.history is None else best.history.to_dict()
    return Diagnosis(findings=rank(findings), checks=runs, inputs=inputs, curves=curves)
