"""Metric mismatch: the loss is minimised, but the metric needs another decision rule.

Cross-entropy trains calibrated probabilities; the argmax of those probabilities
maximises accuracy, not F1 or balanced accuracy. Under class imbalance the default
rule leaves a lot of F1 on the table, and no amount of further loss reduction moves it.

The check sweeps the decision rule on the validation probabilities:

* **binary** — the threshold on the probability of class 1 (the second label in sorted
  order, the positive class as in scikit-learn; default 0.5);
* **multiclass** — prior correction: predict ``argmax(p / prior**alpha)`` and sweep the
  strength ``alpha`` in [0, 1] (0 is the plain argmax, 1 divides by the training prior —
  the decision-time form of logit adjustment). Per-class thresholds have one free
  parameter per class and overfit small validation sets; one strength does not.

The best rule found on the validation set is optimistic (it is chosen on the rows it
is scored on), so the score rests on the **cross-validated** gain instead: the rule is
chosen on four fifths of the validation rows and applied to the fifth left out, for
each fifth. That gain, with a paired bootstrap interval, is what the finding reports.

Only metrics a decision rule can trade for — ``f1`` and ``balanced_accuracy`` — are
tuned. ``precision`` or ``recall`` alone are maximised by trivial thresholds (predict
nothing / everything positive), and ``accuracy`` is what the argmax already maximises,
so the check skips those with the reason.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold

from gapdoctor.causes.metric_mismatch.gain import decision_rule_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain, ReliabilityCurve
from gapdoctor.causes.metric_mismatch.score import score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import smooth
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import DECISION_RULE_ROWS, validation_sample
from gapdoctor.stats.metrics import compute_metric
from gapdoctor.stats.resampling import (
    decision_metric,
    decision_replicates,
    paired_decision_replicates,
    percentile_interval,
)

_NAME = "metric_mismatch.decision_rule"
_TUNABLE = ("f1", "balanced_accuracy")
_FOLDS = 5
_ECE_BINS = 10
_ECE_NOTABLE = 0.05


def _rules(binary: bool) -> tuple[FloatArray, float]:
    """The candidate decision rules (thresholds or prior strengths) and the default."""
    if binary:
        return np.round(np.linspace(0.02, 0.98, 49), 4), 0.5
    return np.round(np.linspace(0.0, 1.0, 21), 4), 0.0


def _decide(probs: FloatArray, rule: float, prior: FloatArray) -> IntArray:
    if probs.shape[1] == 2:
        return np.asarray(probs[:, 1] >= rule, dtype=np.int64)
    return np.asarray(np.argmax(probs / prior**rule, axis=1), dtype=np.int64)


def _sweep(metric: str, y: IntArray, probs: FloatArray, rules: FloatArray, prior: FloatArray) -> FloatArray:
    k = probs.shape[1]
    return np.array([decision_metric(metric, y, _decide(probs, r, prior), k) for r in rules])


def _best_rule(values: FloatArray, rules: FloatArray, default: float) -> float:
    """The best rule; among ties, the one closest to the default."""
    best = np.flatnonzero(values >= values.max() - 1e-12)
    return float(rules[best[np.argmin(np.abs(rules[best] - default))]])


def _cross_validated_decisions(
    metric: str, y: IntArray, probs: FloatArray, rules: FloatArray, default: float, prior: FloatArray
) -> IntArray:
    """Each validation row decided by the rule tuned on the other folds."""
    min_support = int(np.bincount(y, minlength=probs.shape[1]).min())
    folds = min(_FOLDS, min_support)
    if folds < 2:
        raise SkipCheck("some class has fewer than 2 validation rows: cannot cross-validate the decision rule")
    out = np.empty(len(y), dtype=np.int64)
    for tune_rows, held_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(probs, y):
        tuned = _best_rule(_sweep(metric, y[tune_rows], probs[tune_rows], rules, prior), rules, default)
        out[held_rows] = _decide(probs[held_rows], tuned, prior)
    return out


def reliability(y: IntArray, probs: FloatArray, n_bins: int = _ECE_BINS) -> tuple[float, ReliabilityCurve]:
    """Expected calibration error of the top-class confidence, and the reliability-curve data.

    Examples
    --------
    >>> y = np.array([0, 1, 1, 0]); p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    >>> round(reliability(y, p)[0], 3)
    0.3
    """
    confidence = probs.max(axis=1)
    correct = (np.argmax(probs, axis=1) == y).astype(np.float64)
    bins = np.minimum((confidence * n_bins).astype(np.int64), n_bins - 1)
    curve: ReliabilityCurve = {"confidence": [], "accuracy": [], "count": []}
    ece = 0.0
    for b in range(n_bins):
        rows = bins == b
        count = int(rows.sum())
        if count == 0:
            continue
        conf, acc = float(confidence[rows].mean()), float(correct[rows].mean())
        ece += count / len(y) * abs(conf - acc)
        curve["confidence"].append(round(conf, 4))
        curve["accuracy"].append(round(acc, 4))
        curve["count"].append(count)
    return ece, curve


def _class_weights(counts: IntArray) -> list[float]:
    """scikit-learn's ``class_weight="balanced"``: n / (k * n_c)."""
    return [round(float(counts.sum() / (len(counts) * max(c, 1))), 2) for c in counts]


def _fixes(
    metric: str, binary: bool, rule_text: str, gain_text: str, imbalance: float, weights: list[float], ece: float
) -> tuple[str, ...]:
    fixes = [
        f"Choose the {rule_text} on held-out data, never on the rows you report: cross-validated on the "
        f"validation set it {gain_text}. Refit it by cross-validation when the model changes."
    ]
    if imbalance < 0.25:
        fixes.append(
            f"Weight the loss by class (class_weight='balanced', weights {weights}) or resample, so that "
            "training puts the minority class where the metric does."
        )
    if metric == "f1":
        fixes.append(
            "Train with a loss closer to F1: focal loss (gamma≈2) for the rare class, or fine-tune with a "
            "differentiable soft-F1 surrogate (F1 computed on probabilities instead of decisions)."
        )
    else:
        fixes.append(
            "Use logit-adjusted cross-entropy (add log class prior to the logits during training) or "
            "class-balanced weights: both target balanced accuracy directly."
        )
    if ece > _ECE_NOTABLE:
        fixes.append(
            f"Calibrate the probabilities (temperature scaling, Platt or isotonic on held-out rows; "
            f"ECE is {ece:.3f}) so that a threshold chosen today still holds after retraining."
        )
    return tuple(fixes)


def _curve_story(evidence: Evidence, metric: str) -> tuple[float | None, float | None]:
    """Second-half change of the validation loss and metric, when the history has both."""
    history = evidence.history
    if history is None or history.n_epochs < 4:
        return None, None
    loss, values = history.get("val_loss"), history.get(f"val_{metric}")
    if loss is None or values is None:
        return None, None
    half = history.n_epochs // 2
    loss_s, values_s = smooth(loss), smooth(values)
    return round(float(loss_s[-1] - loss_s[half]), 4), round(float(values_s[-1] - values_s[half]), 4)


@register(
    name=_NAME,
    cause="metric_mismatch",
    requires=("y_val", "val_probs"),
    description="F1 / balanced accuracy left on the table by the default decision rule (threshold sweep).",
)
def metric_mismatch_decision_rule(evidence: Evidence) -> list[Finding]:
    """F1 / balanced accuracy left on the table by the default decision rule."""
    metric = evidence.metric
    if metric not in _TUNABLE:
        raise SkipCheck(
            f"metric {metric!r} is not tuned by a decision rule: the argmax already maximises accuracy, and "
            "precision or recall alone are maximised by trivial thresholds (pick one for a target of the other); "
            f"the threshold check runs for {' and '.join(_TUNABLE)}"
        )
    evidence = validation_sample(evidence, DECISION_RULE_ROWS)
    assert evidence.y_val is not None and evidence.val_probs is not None
    y, probs, k = evidence.y_val, evidence.val_probs, evidence.n_classes
    if len(np.unique(y)) < 2:
        raise SkipCheck("y_val holds a single class: no decision rule can be judged on it")
    binary = k == 2
    prior_labels = evidence.y_train if evidence.y_train is not None else y
    train_counts = np.bincount(prior_labels, minlength=k).astype(np.int64)
    prior = np.maximum(train_counts / train_counts.sum(), 1e-6)
    rules, default = _rules(binary)

    values = _sweep(metric, y, probs, rules, prior)
    default_pred = _decide(probs, default, prior)
    default_value = decision_metric(metric, y, default_pred, k)
    best = _best_rule(values, rules, default)
    best_pred = _decide(probs, best, prior)
    best_value = float(values.max())
    cv_pred = _cross_validated_decisions(metric, y, probs, rules, default, prior)
    cv_value = decision_metric(metric, y, cv_pred, k)

    cv_reps, default_reps = paired_decision_replicates(metric, y, cv_pred, default_pred, k)
    paired = cv_reps - default_reps
    paired = paired[np.isfinite(paired)]
    cv_gain = cv_value - default_value
    gain_low, gain_high = percentile_interval(paired)
    best_low, best_high = percentile_interval(decision_replicates(metric, y, best_pred, k))
    default_low, default_high = percentile_interval(default_reps)

    strength_of_evidence = score(cv_gain, gain_low if len(paired) > 1 else float("nan"))
    ece, curve = reliability(y, probs)
    roc_auc = compute_metric("roc_auc", y, probs) if len(np.unique(y)) == k else float("nan")
    average_precision = compute_metric("average_precision", y, probs)
    minority_share = float(train_counts.min() / train_counts.sum())
    rule_text = "decision threshold" if binary else "prior-correction strength"
    gain_text = (
        f"moves {metric} from {default_value:.3f} to {cv_value:.3f} "
        f"({cv_gain:+.3f}, 95% interval {gain_low:+.3f} to {gain_high:+.3f})"
    )
    ranking = ""
    base_rate = float(np.mean(y == 1)) if binary else 0.0
    if binary and average_precision > max(2 * base_rate, default_value):
        ranking = (
            f" The probabilities rank well (ROC AUC {roc_auc:.3f}; average precision {average_precision:.3f} "
            f"against a {base_rate:.3f} base rate): the decisions, not the model, are what the metric misses."
        )
    summary = (
        f"Validation {metric} is {default_value:.3f} at the default {rule_text} ({default:g}) but "
        f"{best_value:.3f} at {best:g}; chosen by 5-fold cross-validation on the validation set the gain is "
        f"{cv_gain:+.3f} (95% interval {gain_low:+.3f} to {gain_high:+.3f}).{ranking}"
    )
    loss_change, metric_change = _curve_story(evidence, metric)
    result = DecisionRuleGain(
        metric=metric,
        decision_rule="threshold on P(class 1)" if binary else "prior correction p / prior**alpha",
        default_rule=default,
        best_rule=best,
        val_metric_default=round(default_value, 4),
        val_metric_default_low=round(default_low, 4),
        val_metric_default_high=round(default_high, 4),
        val_metric_best_in_sample=round(best_value, 4),
        val_metric_best_low=round(best_low, 4),
        val_metric_best_high=round(best_high, 4),
        val_metric_cross_validated=round(cv_value, 4),
        cross_validated_gain=round(cv_gain, 4),
        cross_validated_gain_low=round(gain_low, 4),
        cross_validated_gain_high=round(gain_high, 4),
        minority_class_share_train=round(minority_share, 4),
        roc_auc=round(roc_auc, 4),
        average_precision=round(average_precision, 4),
        expected_calibration_error=round(ece, 4),
        n_val=len(y),
        val_loss_change_second_half=loss_change,
        val_metric_change_second_half=metric_change,
        threshold_curve={
            "thresholds": rules.tolist(),
            "values": np.round(values, 4).tolist(),
            "metric": metric,
            "default_threshold": default,
            "best_threshold": best,
        },
        reliability=curve,
    )
    weights = _class_weights(train_counts)
    return [
        Finding(
            cause="metric_mismatch",
            score=strength_of_evidence,
            summary=summary,
            fixes=_fixes(metric, binary, rule_text, gain_text, minority_share, weights, ece),
            check=_NAME,
            result=result,
            gain=decision_rule_gain(result),
        )
    ]
