"""Metric mismatch: decide for the metric instead of for the loss.

- Two classes and a thresholded metric (accuracy, F1, balanced accuracy...): the
  decision threshold is chosen on the out-of-fold training probabilities (cross-
  validation on the training split; no fit when they are already there) and applied
  to the baseline's validation probabilities.
- Otherwise: re-train with balanced class weights (``config["sample_weight"]``, with
  ``config["class_weight"]`` for train functions whose loss takes class weights).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding
from gapdoctor.inputs.probabilities import normalised
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.metrics import METRICS


def apply_threshold(probs: FloatArray, threshold: float) -> FloatArray:
    """Shift binary probabilities so that ``argmax`` predicts class 1 exactly when p1 >= threshold.

    The shift is monotone (logit(p1) - logit(threshold)), so rankings, and ROC AUC,
    are unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> apply_threshold(np.array([[0.7, 0.3], [0.9, 0.1]]), 0.2).argmax(axis=1).tolist()
    [1, 0]
    """
    eps = 1e-12
    p1 = np.clip(probs[:, 1], eps, 1 - eps)
    t = float(np.clip(threshold, eps, 1 - eps))
    logit = np.log(p1 / (1 - p1)) - np.log(t / (1 - t))
    shifted = 1.0 / (1.0 + np.exp(-logit))
    return np.column_stack([1.0 - shifted, shifted])


def best_threshold(lab: Lab, y: NDArray[np.int64], probs: FloatArray) -> tuple[float, float]:
    """The threshold on p(class 1) that maximises the user's metric on ``(y, probs)``, and that value."""
    candidates = np.unique(np.quantile(probs[:, 1], np.linspace(0.01, 0.99, 99)))
    sign = 1.0 if lab.greater_is_better else -1.0
    scores = [sign * lab.score(y, apply_threshold(probs, t)) for t in candidates]
    best = int(np.argmax(scores))
    return float(candidates[best]), sign * scores[best]


def _threshold(lab: Lab) -> Plan:
    train_probs = lab.evidence.train_probs
    n_fits = 0 if train_probs is not None else lab.settings.cv_folds
    description = "decision threshold chosen by cross-validation on the training split"

    def run() -> PairedOutcome:
        from gapdoctor.fitting.trainer import out_of_fold_probs

        if train_probs is not None:
            oof = normalised(train_probs)  # float64, rows summing to 1 (a copy only when they do not)
        else:
            oof = out_of_fold_probs(lab.trainer, lab.X_train, lab.y_train, folds=lab.settings.cv_folds)
        threshold, cv_value = best_threshold(lab, lab.y_train, oof)
        before = lab.baseline()
        details = {"threshold": round(threshold, 4), "default_threshold": 0.5, "cv_metric": round(cv_value, 4)}
        return PairedOutcome(before, apply_threshold(before, threshold), lab.y_val, lab.y_val, details)

    return Plan(description, n_fits, run)


def _class_weights(lab: Lab) -> Plan:
    counts = np.bincount(lab.y_train, minlength=lab.evidence.n_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros_like(counts)
    weights[present] = len(lab.y_train) / (present.sum() * counts[present])
    if np.allclose(weights[present], 1.0, rtol=0.05):
        raise SkipExperiment("the training classes are balanced: class weights would change nothing")
    description = "balanced class weights"

    def run() -> PairedOutcome:
        config = {
            "intervention": "metric_mismatch",
            "sample_weight": weights[lab.y_train],
            "class_weight": {int(c): float(weights[c]) for c in np.flatnonzero(present)},
        }
        after = lab.fit_predict(lab.X_train, lab.y_train, lab.X_val, config)
        return PairedOutcome(lab.baseline(), after, lab.y_val, lab.y_val, {"class_weight": config["class_weight"]})

    return Plan(description, 1, run)


@intervention("metric_mismatch")
def decide_for_the_metric(finding: Finding, lab: Lab) -> Plan:
    """Threshold tuned by CV (binary, thresholded metric) or balanced class weights."""
    if lab.evidence.n_classes == 2 and METRICS[lab.evidence.metric].thresholded:
        return _threshold(lab)
    return _class_weights(lab)
