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

A third estimate reads the validation rows without splitting them: the rule the model's own
probabilities expect to be best (:func:`~gapdoctor.causes.metric_mismatch.rules.expected_sweep`,
chosen without a label) scored on every validation label with its paired interval. A rule
chosen without the labels is not chosen on the rows it is scored on, so its gain is not
optimistic, and it is not diluted by the folds: on a validation set with 10-40 positives a
fifth of them is too few to tune a threshold on. When the probabilities are miscalibrated the
rule is merely a worse guess and its measured gain small or negative: no evidence, never false
evidence. A binary task gets a fourth, also chosen without a label: the threshold that decides the
training labels' share of the validation rows positive
(:func:`~gapdoctor.causes.metric_mismatch.rules.prior_share_rule`), which reads only the ranking of
the probabilities, so an overconfident model (whose own expectation keeps 0.5) still gets an honest
rule; with out-of-fold training probabilities it is also scored on the validation and training
rows pooled, each decided at its own such threshold (counted, like the pooled cross-validated rule,
only when the validation rows' part is a gain). :func:`sources`
scores each estimate by the same :func:`score`, and the strength is the strongest of them (up to
five looks at one gain: the false alarms this costs are measured, not assumed; see
``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import math

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "GAIN_AT_REPORT",
    "LABEL_FREE",
    "POOLED",
    "PRIOR_SHARE",
    "PRIOR_SHARE_POOLED",
    "VALIDATION",
    "VALIDATION_PART_FLOOR",
    "certainty_ratio",
    "score",
    "sources",
]

GAIN_AT_REPORT = 0.03
"""A cross-validated gain of 3 points of the metric, whose interval excludes 0, is the reporting point."""
VALIDATION_PART_FLOOR = 0.0
"""The pooled gain counts only when the validation rows' part of it is above this: a rule that
loses on the validation rows (training labels flipped, a shifted validation set) does not explain
the validation metric, however much it gains on the training rows."""
VALIDATION = "validation rows"
"""The rule tuned on four fifths of the validation rows, scored on the fifth left out."""
POOLED = "validation and training rows"
"""The same on the validation and training (out-of-fold) rows pooled."""
LABEL_FREE = "validation rows, rule chosen without labels"
"""The rule the model's own probabilities expect to be best, scored on every validation label."""
PRIOR_SHARE = "validation rows, threshold at the training positive share"
"""The threshold deciding the training labels' share of the rows positive, scored on every validation label."""
PRIOR_SHARE_POOLED = "validation and training rows, threshold at the training positive share"
"""The same on the validation and training (out-of-fold) rows pooled, each split at its own such threshold."""
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


def sources(
    val_gain: float,
    val_low: float,
    pooled_gain: float | None = None,
    pooled_low: float | None = None,
    pooled_gain_on_validation: float | None = None,
    label_free_gain: float | None = None,
    label_free_low: float | None = None,
    prior_share_gain: float | None = None,
    prior_share_low: float | None = None,
    prior_share_pooled_gain: float | None = None,
    prior_share_pooled_low: float | None = None,
) -> dict[str, float]:
    """The score of each estimate of the gain given (see the module docstring), by the rows it rests on.

    A pooled estimate counts only when the validation rows' part of it is a gain.

    Examples
    --------
    >>> sorted(sources(0.03, 0.0, label_free_gain=0.08, label_free_low=0.02).items())[0][0]
    'validation rows'
    >>> s = sources(0.03, 0.0, label_free_gain=0.08, label_free_low=0.02)
    >>> s[LABEL_FREE] > 0.5 == s[VALIDATION]  # the label-free rule is the strongest: the score rests on it
    True
    >>> sources(0.03, 0.0, 0.05, 0.02, 0.03)[POOLED] > 0.5  # the pooled rows tighten the interval
    True
    >>> POOLED in sources(0.0, -0.05, 0.05, 0.02, -0.01)  # the validation rows lose with the pooled rule
    False
    >>> sources(0.0, -0.05, prior_share_gain=0.1, prior_share_low=0.03)[PRIOR_SHARE] > 0.5
    True
    >>> s = sources(0.0, -0.05, prior_share_gain=0.02, prior_share_low=-0.03, prior_share_pooled_gain=0.05,
    ...             prior_share_pooled_low=0.02)
    >>> s[PRIOR_SHARE_POOLED] > 0.5 > s[PRIOR_SHARE]  # the training rows tighten the interval
    True
    >>> PRIOR_SHARE_POOLED in sources(0.0, -0.05, prior_share_gain=-0.01, prior_share_low=-0.05,
    ...                               prior_share_pooled_gain=0.05, prior_share_pooled_low=0.02)
    False
    """
    out = {VALIDATION: score(val_gain, val_low)}
    if (
        pooled_gain is not None
        and pooled_low is not None
        and pooled_gain_on_validation is not None
        and pooled_gain_on_validation > VALIDATION_PART_FLOOR
    ):
        out[POOLED] = score(pooled_gain, pooled_low)
    if label_free_gain is not None and label_free_low is not None:
        out[LABEL_FREE] = score(label_free_gain, label_free_low)
    if prior_share_gain is not None and prior_share_low is not None:
        out[PRIOR_SHARE] = score(prior_share_gain, prior_share_low)
        if (
            prior_share_pooled_gain is not None
            and prior_share_pooled_low is not None
            and prior_share_gain > VALIDATION_PART_FLOOR
        ):
            out[PRIOR_SHARE_POOLED] = score(prior_share_pooled_gain, prior_share_pooled_low)
    return out
