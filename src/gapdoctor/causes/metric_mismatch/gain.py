"""What choosing the decision rule on held-out rows gains: the cross-validated metric."""

from __future__ import annotations

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.causes.metric_mismatch.score import LABEL_FREE, POOLED, PRIOR_SHARE, PRIOR_SHARE_POOLED, VALIDATION

__all__ = ["METRIC_CEILING", "METRIC_FLOOR", "decision_rule_gain"]

METRIC_FLOOR, METRIC_CEILING = 0.0, 1.0
"""The range of the metrics a decision rule is tuned for (F1, balanced accuracy): the expected
metric's interval is cut to it (a paired-bootstrap gain added to the default's value can pass 1)."""


def _measured(*figures: float | None) -> tuple[float, ...]:
    """The figures, NaN where one was not measured (no gain is then read from them)."""
    return tuple(float("nan") if v is None else v for v in figures)


def decision_rule_gain(result: DecisionRuleGain) -> Gain | None:
    """The metric with a rule not chosen on the rows it is scored on (``after_fix``) against the default's (``now``).

    The gain added to the default's value is the gain the check's score rests on
    (cross-validated on the validation rows or on the validation and training rows pooled, or
    one of the label-free rules' on the validation rows), with its paired-bootstrap interval; not the
    in-sample best rule's value, which is chosen on the rows it is scored on. None when that
    gain is nothing: the evidence then shows no gain to expect. The interval is cut to the
    metric's range [0, 1].
    """
    gain, low, high = result.cross_validated_gain, result.cross_validated_gain_low, result.cross_validated_gain_high
    if result.score_rests_on == POOLED and result.pooled_gain is not None and result.pooled_gain_low is not None:
        gain, low = result.pooled_gain, result.pooled_gain_low
        high = result.pooled_gain_high if result.pooled_gain_high is not None else high
    elif result.score_rests_on == LABEL_FREE:
        gain, low, high = result.label_free_gain, result.label_free_gain_low, result.label_free_gain_high
    elif result.score_rests_on == PRIOR_SHARE:
        gain, low, high = _measured(result.prior_share_gain, result.prior_share_gain_low, result.prior_share_gain_high)
    elif result.score_rests_on == PRIOR_SHARE_POOLED:
        gain, low, high = _measured(
            result.prior_share_pooled_gain, result.prior_share_pooled_gain_low, result.prior_share_pooled_gain_high
        )
    if not gain > 0:
        return None
    now = result.val_metric_default
    after_fix = result.val_metric_cross_validated if result.score_rests_on == VALIDATION else now + gain
    # F1 and balanced accuracy lie in [0, 1]: the default's value plus the interval of the gain may not
    low, high = max(now + low, METRIC_FLOOR), min(now + high, METRIC_CEILING)
    return make_gain(result.metric, now=now, after_fix=after_fix, low=low, high=high)
