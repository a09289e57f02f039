"""Overfitting: re-train with less capacity and see whether validation improves.

- For a scikit-learn estimator: stronger regularisation through ``set_params`` on the
  final estimator — ``C`` divided by 10 and 100, or ``alpha`` / ``l2_regularization``
  / ``reg_lambda`` multiplied by 10 and 100, or ``max_depth`` halved and quartered (8
  and 4 when unlimited), or ``min_samples_leaf`` raised. The strength is chosen by
  cross-validation on the training split among {as given, mild, strong}, so the
  validation split stays untouched by the choice; if "as given" wins, the model is
  unchanged and the experiment refutes.
- For a train function: early stopping at the best epoch the overfitting check
  estimated (:attr:`OverfittingCurves.best_epoch`), passed as ``config["max_epochs"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.causes.payload import payload_of
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding

_SELECTION_FOLDS = 3


def _stronger(name: str, value: Any) -> list[Any]:
    """Two stronger settings (mild, strong) of one regularisation parameter, or []."""
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "C" and numeric and value > 0:
        return [value / 10, value / 100]
    if name in ("alpha", "l2_regularization", "reg_lambda", "weight_decay") and numeric:
        return [value * 10, value * 100] if value > 0 else [1e-2, 1.0]
    if name == "max_depth":
        if value is None:
            return [8, 4]
        if numeric and value > 1:
            return sorted({max(1, int(value) // 2), max(1, int(value) // 4)}, reverse=True)
    if name == "min_samples_leaf" and isinstance(value, int) and not isinstance(value, bool):
        return [max(5, value * 5), max(20, value * 20)]
    return []


def regularisation_candidates(lab: Lab) -> tuple[str, list[Any]]:
    """The ``set_params`` key to strengthen and its (mild, strong) values."""
    params = lab.trainer.params()
    for name in ("C", "alpha", "l2_regularization", "reg_lambda", "weight_decay", "max_depth", "min_samples_leaf"):
        key = lab.trainer.final_param(name)
        if key is not None:
            values = _stronger(name, params[key])
            if values:
                return key, values
    raise SkipExperiment(
        "the estimator exposes no regularisation parameter gapdoctor knows "
        "(C, alpha, l2_regularization, reg_lambda, max_depth, min_samples_leaf)"
    )


def _cv_score(lab: Lab, params: dict[str, Any]) -> float:
    X, y = lab.X_train, lab.y_train
    counts = np.bincount(y)
    folds = max(2, min(_SELECTION_FOLDS, int(counts[counts > 0].min())))
    oof = np.zeros((len(y), lab.trainer.n_classes))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=lab.settings.seed)
    for fit_rows, held in splitter.split(X, y):
        oof[held] = lab.fit_predict(
            X[fit_rows], y[fit_rows], X[held], {"intervention": "overfitting", "params": params}
        )
    return lab.score(y, oof)


def _regularise(lab: Lab) -> Plan:
    key, values = regularisation_candidates(lab)
    current = lab.trainer.params()[key]
    description = f"stronger regularisation: {key} {current!r} -> {values[0]!r} or {values[1]!r}, chosen by CV on train"

    def run() -> PairedOutcome:
        sign = 1.0 if lab.greater_is_better else -1.0
        choices: list[dict[str, Any]] = [{}, {key: values[0]}, {key: values[1]}]
        cv = [sign * _cv_score(lab, params) for params in choices]
        best = int(np.argmax(cv))
        chosen: dict[str, Any] = choices[best]
        after = (
            lab.baseline()
            if not chosen
            else lab.fit_predict(lab.X_train, lab.y_train, lab.X_val, {"intervention": "overfitting", "params": chosen})
        )
        details: dict[str, str | float] = {
            "parameter": key,
            "given": repr(current),
            "chosen": repr(chosen.get(key, current)),
        }
        for params, value in zip(choices, cv, strict=True):
            details[f"cv_{repr(params[key]) if params else 'given'}"] = round(sign * value, 4)
        return PairedOutcome(lab.baseline(), after, lab.y_val, lab.y_val, details)

    return Plan(description, 3 * _SELECTION_FOLDS + 1, run, {"parameter": key, "values": [repr(v) for v in values]})


def _early_stop(lab: Lab, finding: Finding) -> Plan:
    result = payload_of(finding)
    if not isinstance(result, OverfittingCurves) or not isinstance(result.best_epoch, int) or result.best_epoch < 1:
        raise SkipExperiment("the finding gives no best epoch (evidence['best_epoch']) to stop at")
    best = result.best_epoch
    if best >= result.epochs:
        raise SkipExperiment(f"the best epoch ({best}) is the last one: early stopping changes nothing")
    description = f"early stopping at epoch {int(best)} (config['max_epochs'])"
    run: Callable[[], PairedOutcome] = lambda: PairedOutcome(  # noqa: E731
        lab.baseline(),
        lab.fit_predict(lab.X_train, lab.y_train, lab.X_val, {"intervention": "overfitting", "max_epochs": int(best)}),
        lab.y_val,
        lab.y_val,
        {"max_epochs": int(best)},
    )
    return Plan(description, 1, run, {"max_epochs": int(best)})


@intervention("overfitting")
def reduce_capacity(finding: Finding, lab: Lab) -> Plan:
    """Stronger regularisation (estimators) or early stopping (train functions)."""
    if lab.trainer.is_estimator:
        return _regularise(lab)
    return _early_stop(lab, finding)
