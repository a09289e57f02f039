"""How ``metric_mismatch``'s measured statistic becomes its strength of evidence: its one scoring declaration.

The statistic is the **cross-validated** gain of a tuned decision rule over the default
one (threshold / prior correction chosen on folds, scored on the rows left out), an effect
size with its paired-bootstrap 95% interval. It must clear two bars, and the smaller of the
two ratios decides:

- size: the gain over :data:`GAIN_AT_REPORT` (3 points of the metric is worth acting on);
- certainty: the gain over its distance to the interval's low end, ``gain / (gain - low)``,
  which is exactly 1 when the interval's low end touches 0 and above 1 when it excludes 0.

So a gain of at least 3 points whose 95% interval excludes 0 is reported (>= 0.5). The
ratio is mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.

The gain is measured on the validation rows alone and, when out-of-fold training
probabilities are given, on every out-of-sample row (validation and training rows pooled,
see :mod:`gapdoctor.causes.metric_mismatch.rules`); :func:`strength` takes the stronger of
the two, the pooled one only when the validation rows' own part of it is a gain
(:data:`VALIDATION_PART_FLOOR`): the training rows add power, they do not outvote the rows
the stuck metric is measured on.
"""

from __future__ import annotations

import math

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = ["GAIN_AT_REPORT", "VALIDATION_PART_FLOOR", "certainty_ratio", "score", "strength"]

GAIN_AT_REPORT = 0.03
"""A cross-validated gain of 3 points of the metric, whose interval excludes 0, is the reporting point."""
VALIDATION_PART_FLOOR = 0.0
"""The pooled gain counts only when the validation rows' part of it is above this: a rule that
loses on the validation rows (training labels flipped, a shifted validation set) does not explain
the validation metric, however much it gains on the training rows."""
_SPREAD_FLOOR = 1e-9
"""An interval with no width below the gain (a bootstrap with no spread): the gain is measured exactly."""


def certainty_ratio(cv_gain: float, gain_low: float) -> float:
    """``gain / (gain - low)``: 1 when the 95% interval's low end is 0, more when it excludes 0.

    Examples
    --------
    >>> certainty_ratio(0.075, 0.0)
    1.0
    >>> certainty_ratio(0.075, 0.004) > 1.0 > certainty_ratio(0.075, -0.004)
    True
    """
    return cv_gain / max(cv_gain - gain_low, _SPREAD_FLOOR)


def score(cv_gain: float, gain_low: float) -> float:
    """Strength of evidence from the cross-validated gain and the low end of its 95% interval.

    Examples
    --------
    >>> round(score(0.075, 0.004), 3) >= 0.5  # the new-user case of issue 13: the interval excludes 0
    True
    >>> score(0.02, 0.01) < 0.5  # certain, but under 3 points
    True
    >>> score(0.2, float("nan"))  # no interval (too few bootstrap replicates): no evidence
    0.0
    """
    if not math.isfinite(gain_low):
        return 0.0
    return strength_from_ratio(max(0.0, min(cv_gain / GAIN_AT_REPORT, certainty_ratio(cv_gain, gain_low))))


def strength(
    val_gain: float,
    val_low: float,
    pooled_gain: float | None = None,
    pooled_low: float | None = None,
    pooled_gain_on_validation: float | None = None,
) -> float:
    """The stronger of the validation-only and the pooled evidence (see the module docstring).

    Examples
    --------
    >>> strength(0.03, 0.0) == score(0.03, 0.0)  # no training rows: the validation rows alone
    True
    >>> strength(0.03, 0.0, 0.05, 0.02, 0.03) > 0.5  # the pooled rows tighten the interval
    True
    >>> strength(0.0, -0.05, 0.05, 0.02, -0.01)  # the validation rows lose with the pooled rule
    0.0
    """
    alone = score(val_gain, val_low)
    if pooled_gain is None or pooled_low is None or pooled_gain_on_validation is None:
        return alone
    if not pooled_gain_on_validation > VALIDATION_PART_FLOOR:
        return alone
    return max(alone, score(pooled_gain, pooled_low))
