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
When out-of-fold training probabilities are given, the same gain is also measured on the
validation and training rows pooled (more rows to tune on and to judge by; see
:mod:`~gapdoctor.causes.metric_mismatch.rules`). A third estimate needs no folds: the rule the
model's own probabilities expect to be best, chosen without a label, scored on every validation
label; a binary task gets a fourth, the threshold that decides the training labels' share of the
rows positive (also label-free, and blind to how confident the model is), scored on the validation
rows and, with out-of-fold training probabilities, on both splits pooled. The score rests on the
strongest of them
(:func:`~gapdoctor.causes.metric_mismatch.score.sources`).

Only metrics a decision rule can trade for — ``f1`` and ``balanced_accuracy`` — are
tuned. ``precision`` or ``recall`` alone are maximised by trivial thresholds (predict
nothing / everything positive), and ``accuracy`` is what the argmax already maximises,
so the check skips those with the reason.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.metric_mismatch.gain import decision_rule_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain, ReliabilityCurve
from gapdoctor.causes.metric_mismatch.rules import (
    RuleGain,
    best_rule,
    cross_validated_decisions,
    decide,
    expected_sweep,
    pooled_rule_gain,
    prior_share,
    rule_gain,
    rules,
    sweep,
)
from gapdoctor.causes.metric_mismatch.score import (
    LABEL_FREE,
    POOLED,
    PRIOR_SHARE,
    PRIOR_SHARE_POOLED,
    VALIDATION,
    sources,
)
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import smooth
from gapdoctor.inputs.probabilities import probability_rows
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import DECISION_RULE_ROWS, sample_rows, validation_sample
from gapdoctor.stats.metrics import compute_metric
from gapdoctor.stats.resampling import decision_metric, decision_replicates, percentile_interval

_NAME = "metric_mismatch.decision_rule"
_TUNABLE = ("f1", "balanced_accuracy")
_ECE_BINS = 10
_ECE_NOTABLE = 0.05


def _training_rows(
    evidence: Evidence, default: float, prior: FloatArray
) -> tuple[IntArray, FloatArray, IntArray] | None:
    """Training labels, their out-of-fold probabilities (sampled to the budget) and the default rule's
    decisions on them (read by every pooled estimate), when labels and probabilities are both given."""
    if evidence.y_train is None or evidence.train_probs is None:
        return None
    rows = sample_rows(len(evidence.y_train), DECISION_RULE_ROWS, what="training rows")
    probs = probability_rows(evidence.train_probs, rows, renormalise=True)
    return evidence.y_train[rows], probs, decide(probs, default, prior)


def _pooled_gain(
    metric: str,
    y: IntArray,
    probs: FloatArray,
    training: tuple[IntArray, FloatArray, IntArray],
    default_pred: IntArray,
    prior: FloatArray,
) -> tuple[RuleGain, RuleGain]:
    """The cross-validated gain on validation and training rows pooled, and its validation rows' part
    (``training``: labels, out-of-fold probabilities and the default rule's decisions)."""
    k = probs.shape[1]
    candidates, default = rules(k == 2)
    y_all, probs_all = np.concatenate([training[0], y]), np.concatenate([training[1], probs])
    tuned = cross_validated_decisions(metric, y_all, probs_all, candidates, default, prior)
    n_train = len(training[0])
    on_validation = rule_gain(metric, y, tuned[n_train:], default_pred, k)
    return pooled_rule_gain(metric, y, training, tuned[:n_train], tuned[n_train:], default_pred), on_validation


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


def _low(gain: RuleGain) -> float:
    """The interval's low end, nan without bootstrap replicates to judge by (then no evidence)."""
    return gain.low if gain.replicates > 1 else float("nan")


def _rounded(gain: RuleGain | None) -> tuple[float | None, float | None, float | None]:
    """A gain and its interval as the payload keeps them (4 decimals), or three Nones when not measured."""
    return (None, None, None) if gain is None else (round(gain.gain, 4), round(gain.low, 4), round(gain.high, 4))


def _class_weights(counts: IntArray) -> list[float]:
    """scikit-learn's ``class_weight="balanced"``: n / (k * n_c)."""
    return [round(float(counts.sum() / (len(counts) * max(c, 1))), 2) for c in counts]


def _fixes(
    metric: str, binary: bool, rule_text: str, gain_text: str, imbalance: float, weights: list[float], ece: float
) -> tuple[str, ...]:
    fixes = [
        f"Choose the {rule_text} on held-out data, never on the rows you report: {gain_text}. Refit it by "
        "cross-validation when the model changes."
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
    candidates, default = rules(binary)

    values = sweep(metric, y, probs, candidates, prior)
    default_pred = decide(probs, default, prior)
    default_value = decision_metric(metric, y, default_pred, k)
    best = best_rule(values, candidates, default)
    best_pred = decide(probs, best, prior)
    best_value = float(values.max())
    alone = rule_gain(
        metric, y, cross_validated_decisions(metric, y, probs, candidates, default, prior), default_pred, k
    )
    training = _training_rows(evidence, default, prior)
    pooled, pooled_on_val = (
        (None, None) if training is None else _pooled_gain(metric, y, probs, training, default_pred, prior)
    )
    label_free_rule = best_rule(expected_sweep(metric, probs, candidates, prior), candidates, default)
    label_free = rule_gain(metric, y, decide(probs, label_free_rule, prior), default_pred, k)
    shared = prior_share(metric, y, probs, prior, default_pred, training) if binary else None
    share_rule = None if shared is None else shared.rule
    share = None if shared is None else shared.on_validation
    share_pooled = None if shared is None else shared.pooled
    scored = sources(
        alone.gain,
        _low(alone),
        None if pooled is None else pooled.gain,
        None if pooled is None else _low(pooled),
        None if pooled_on_val is None else pooled_on_val.gain,
        label_free.gain,
        _low(label_free),
        None if share is None else share.gain,
        None if share is None else _low(share),
        None if share_pooled is None else share_pooled.gain,
        None if share_pooled is None else _low(share_pooled),
    )
    rests_on = max(scored, key=lambda source: scored[source])  # first of equals: in the order sources() lists them
    strength_of_evidence = scored[rests_on]
    decisive = {
        VALIDATION: alone,
        POOLED: pooled,
        LABEL_FREE: label_free,
        PRIOR_SHARE: share,
        PRIOR_SHARE_POOLED: share_pooled,
    }[rests_on] or alone
    best_low, best_high = percentile_interval(decision_replicates(metric, y, best_pred, k))

    ece, curve = reliability(y, probs)
    roc_auc = compute_metric("roc_auc", y, probs) if len(np.unique(y)) == k else float("nan")
    average_precision = compute_metric("average_precision", y, probs)
    minority_share = float(train_counts.min() / train_counts.sum())
    rule_text = "decision threshold" if binary else "prior-correction strength"
    how = {
        VALIDATION: "cross-validated on the validation set",
        POOLED: "cross-validated on the validation and training (out-of-fold) rows",
        LABEL_FREE: f"at the {rule_text} the model's own probabilities expect to be best ({label_free_rule:g}, "
        "chosen without labels)",
        PRIOR_SHARE: f"at the threshold that decides the training labels' share of the rows positive "
        f"({share_rule or 0.0:.3g}, chosen without labels)",
        PRIOR_SHARE_POOLED: "on the validation and training (out-of-fold) rows, each decided at the threshold that "
        "puts the training labels' share of its rows positive (chosen without labels)",
    }[rests_on]
    gain_text = (
        f"{how}, it gains {decisive.gain:+.3f} {metric} (95% interval {decisive.low:+.3f} to {decisive.high:+.3f}), "
        f"from {default_value:.3f} on the validation set"
    )
    ranking = ""
    base_rate = float(np.mean(y == 1)) if binary else 0.0
    if binary and average_precision > max(2 * base_rate, default_value):
        ranks = (
            f" The probabilities rank well (ROC AUC {roc_auc:.3f}; average precision {average_precision:.3f} "
            f"against a {base_rate:.3f} base rate)"
        )
        ranking = ranks + (
            ": the decisions, not the model, are what the metric misses."
            if max(
                alone.gain,
                label_free.gain,
                -1.0 if pooled is None else pooled.gain,
                -1.0 if share is None else share.gain,
            )
            > 0
            else ", and no tuned decision beats the default on rows it was not chosen on: the decisions are not "
            "what holds the metric back."
        )
    pooled_text = ""
    if pooled is not None and pooled_on_val is not None:
        pooled_text = (
            f" Tuned and scored the same way on {pooled.n_rows:,} rows (adding {pooled.n_rows - len(y):,} training "
            f"rows with out-of-fold probabilities) the gain is {pooled.gain:+.3f} (95% interval {pooled.low:+.3f} "
            f"to {pooled.high:+.3f}), {pooled_on_val.gain:+.3f} on the validation rows."
        )
    label_free_text = ""
    if label_free_rule != default:
        label_free_text = (
            f" The {rule_text} the model's own probabilities expect to be best, {label_free_rule:g} (chosen without "
            f"the labels, so not on the rows it is scored on), gains {label_free.gain:+.3f} (95% interval "
            f"{label_free.low:+.3f} to {label_free.high:+.3f}) on the {len(y):,} validation rows."
        )
    share_text = ""
    if share is not None and share_rule is not None:
        share_text = (
            f" Deciding the training labels' share of the rows positive ({100 * float(prior[1]):.1f}%: threshold "
            f"{share_rule:.3g}, chosen without the labels) gains {share.gain:+.3f} (95% interval {share.low:+.3f} to "
            f"{share.high:+.3f})."
        )
        if share_pooled is not None:
            share_text += (
                f" Each split decided at its own such threshold, the validation and training (out-of-fold) rows "
                f"together gain {share_pooled.gain:+.3f} (95% interval {share_pooled.low:+.3f} to "
                f"{share_pooled.high:+.3f})."
            )
    summary = (
        f"Validation {metric} is {default_value:.3f} at the default {rule_text} ({default:g}) but "
        f"{best_value:.3f} at {best:g}; chosen by 5-fold cross-validation on the validation set the gain is "
        f"{alone.gain:+.3f} (95% interval {alone.low:+.3f} to {alone.high:+.3f}).{pooled_text}{label_free_text}"
        f"{share_text}{ranking}"
    )
    loss_change, metric_change = _curve_story(evidence, metric)
    pooled_figures, share_figures, share_pooled_figures = _rounded(pooled), _rounded(share), _rounded(share_pooled)
    result = DecisionRuleGain(
        metric=metric,
        decision_rule="threshold on P(class 1)" if binary else "prior correction p / prior**alpha",
        default_rule=default,
        best_rule=best,
        val_metric_default=round(default_value, 4),
        val_metric_default_low=round(alone.default_low, 4),
        val_metric_default_high=round(alone.default_high, 4),
        val_metric_best_in_sample=round(best_value, 4),
        val_metric_best_low=round(best_low, 4),
        val_metric_best_high=round(best_high, 4),
        val_metric_cross_validated=round(alone.tuned_value, 4),
        cross_validated_gain=round(alone.gain, 4),
        cross_validated_gain_low=round(alone.low, 4),
        cross_validated_gain_high=round(alone.high, 4),
        n_train_rows_pooled=0 if pooled is None else pooled.n_rows - len(y),
        pooled_gain=pooled_figures[0],
        pooled_gain_low=pooled_figures[1],
        pooled_gain_high=pooled_figures[2],
        pooled_gain_on_validation=None if pooled_on_val is None else round(pooled_on_val.gain, 4),
        label_free_rule=label_free_rule,
        label_free_gain=round(label_free.gain, 4),
        label_free_gain_low=round(label_free.low, 4),
        label_free_gain_high=round(label_free.high, 4),
        prior_share_rule=None if share_rule is None else round(share_rule, 4),
        prior_share_gain=share_figures[0],
        prior_share_gain_low=share_figures[1],
        prior_share_gain_high=share_figures[2],
        prior_share_pooled_gain=share_pooled_figures[0],
        prior_share_pooled_gain_low=share_pooled_figures[1],
        prior_share_pooled_gain_high=share_pooled_figures[2],
        score_rests_on=rests_on,
        minority_class_share_train=round(minority_share, 4),
        roc_auc=round(roc_auc, 4),
        average_precision=round(average_precision, 4),
        expected_calibration_error=round(ece, 4),
        n_val=len(y),
        val_loss_change_second_half=loss_change,
        val_metric_change_second_half=metric_change,
        threshold_curve={
            "thresholds": candidates.tolist(),
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
