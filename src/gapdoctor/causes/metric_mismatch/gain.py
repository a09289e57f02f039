"""What choosing the decision rule on held-out rows gains: the cross-validated metric."""

from __future__ import annotations

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain

__all__ = ["decision_rule_gain"]


def decision_rule_gain(result: DecisionRuleGain) -> Gain | None:
    """The metric with the rule chosen on other folds (``after_fix``) against the default rule's (``now``).

    The gain added to the default's value is the cross-validated gain the check's score
    rests on (on the validation rows, or on the validation and training rows pooled), with
    its paired-bootstrap interval; not the in-sample best rule's value, which is chosen on
    the rows it is scored on. None when that gain is nothing: the evidence then shows no
    gain to expect.
    """
    pooled = result.score_rests_on != "validation rows"
    gain, low, high = result.cross_validated_gain, result.cross_validated_gain_low, result.cross_validated_gain_high
    if pooled and result.pooled_gain is not None and result.pooled_gain_low is not None:
        gain, low = result.pooled_gain, result.pooled_gain_low
        high = result.pooled_gain_high if result.pooled_gain_high is not None else high
    if not gain > 0:
        return None
    now = result.val_metric_default
    after_fix = result.val_metric_cross_validated if not pooled else now + gain
    return make_gain(result.metric, now=now, after_fix=after_fix, low=now + low, high=now + high)
