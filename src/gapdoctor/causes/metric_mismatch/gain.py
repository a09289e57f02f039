"""What choosing the decision rule on held-out rows gains: the cross-validated metric."""

from __future__ import annotations

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain

__all__ = ["decision_rule_gain"]


def decision_rule_gain(result: DecisionRuleGain) -> Gain | None:
    """The metric with the rule chosen on other folds (``after_fix``) against the default rule's (``now``).

    The interval is the default's value plus the paired-bootstrap interval of the
    cross-validated gain (what the check's score rests on), not the in-sample best rule's
    value, which is chosen on the rows it is scored on. None when cross-validation gains
    nothing: the evidence then shows no gain to expect.
    """
    if not result.cross_validated_gain > 0:
        return None
    now = result.val_metric_default
    return make_gain(
        result.metric,
        now=now,
        after_fix=result.val_metric_cross_validated,
        low=now + result.cross_validated_gain_low,
        high=now + result.cross_validated_gain_high,
    )
