"""What serving the lagging sub-population as well as the rest gains: the validation accuracy then.

The sub-population is what the finding reports, of the worst one's kind: the groups (their
rows in ``groups_val``), the rare classes (their rows by true label) or the slice of atypical
rows. Closing its gap means its rows are classified as often right as the other validation
rows are, while those keep their predictions; the validation accuracy then becomes

    after_fix = now + share x (its error rate - the rest's error rate) = the rest's accuracy,

``share`` being its part of the validation rows. The interval is the 95% interval of the
difference of the two error rates (Newcombe's hybrid score interval, built from each rate's
Wilson interval, so a group of ten rows or an error-free rest keeps an honest width),
widened over the sub-populations of that kind compared (Bonferroni, as the check's ratios
are: the worst of several is reported and its observed rate leans high), times ``share``
and added to ``now``; cut to [0, 1] and never below ``now`` (the low end may be no gain).

Which metrics get a number: only those that count each validation row's right or wrong
decision alike, where the formula is exact: ``accuracy``, ``f1_micro`` (the accuracy over
every class, for single-label rows) and ``error`` (lower is better: ``after_fix`` is the
rest's error rate). Any other metric (F1, balanced accuracy, MCC, AUC, log loss, a metric read
from curves) would need the metric recomputed with the sub-population's predictions as they
would be after the fix, which the evidence does not give (which wrong prediction becomes
which right one moves precision and recall of other classes): no gain is stated for it.

A rare class (no group column) is treated as a group of rows, its true label being the
group: closing its gap raises its recall to the other rows' accuracy. This assumes
the other rows keep their predictions; rebalancing towards a class usually costs some of its
neighbours' rows, so the figure is what closing the gap gives, the upper end of what
rebalancing alone is expected to give. The same holds for a group or a slice: ``after_fix`` is
the figure if the gap closes, not a promise that one fix closes all of it. Measured
(``tests/causes/subgroup_failure/test_gain.py``): digits with class 8 cut to 4 training rows
states 0.887 -> 0.968, 0.912 -> 0.985, 0.885 -> 0.972 (seeds 0-2); the same training with every 8
kept reaches 0.962, 0.974, 0.963 (85-93% of the stated gain: learned, the 8s stay harder than
the other digits), below the interval for two seeds. A noisy scanner's rows (a group) state
0.910 -> 0.965, 0.896 -> 0.960, 0.897 -> 0.965; retrained without the scanner's noise, 0.966,
0.956, 0.970, each inside the interval.
"""

from __future__ import annotations

import math

from scipy.stats import norm

from gapdoctor.causes.gain import Gain, make_gain

__all__ = ["GAIN_METRICS", "LEVEL", "error_difference", "subgroup_gain", "wilson_interval"]

LEVEL = 0.95
"""The family-wise level of the gain's interval over the sub-populations compared (as the check's ratios)."""

GAIN_METRICS = {"accuracy": True, "f1_micro": True, "error": False}
"""The metrics the gain is exact for (the share of rows decided right, or wrong), each with whether
higher is better; any other metric states no gain (module docstring)."""

_CEILING = 1.0  # every metric above is a share of rows


def wilson_interval(errors: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for a rate ``errors / n`` at ``z`` standard deviations.

    Examples
    --------
    >>> [round(x, 3) for x in wilson_interval(0, 20, 1.96)]
    [0.0, 0.161]
    """
    p, z2 = errors / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def error_difference(
    errors: int, n: int, rest_errors: int, rest_n: int, *, comparisons: int = 1
) -> tuple[float, float, float]:
    """A sub-population's error rate minus the rest's, with Newcombe's hybrid score interval.

    The interval is at ``1 - (1 - LEVEL) / comparisons`` (two-sided), from each rate's Wilson interval.

    Examples
    --------
    >>> [round(x, 3) for x in error_difference(30, 100, 50, 600)]
    [0.217, 0.132, 0.314]
    """
    z = float(norm.ppf(1 - (1 - LEVEL) / (2 * max(comparisons, 1))))
    p1, p2 = errors / n, rest_errors / rest_n
    l1, u1 = wilson_interval(errors, n, z)
    l2, u2 = wilson_interval(rest_errors, rest_n, z)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def subgroup_gain(
    metric: str, *, errors: int, n: int, rest_errors: int, rest_n: int, comparisons: int = 1
) -> Gain | None:
    """The validation metric if the sub-population's error rate were the rest's (``after_fix``) against now.

    ``errors`` of ``n`` validation rows are the sub-population's, ``rest_errors`` of ``rest_n`` the
    other rows'. None for a metric the gain is not exact for (module docstring), without rows on
    either side, or when the sub-population's error rate is not above the rest's (nothing to gain).

    Examples
    --------
    >>> subgroup_gain("accuracy", errors=30, n=100, rest_errors=50, rest_n=600)
    {'metric': 'accuracy', 'now': 0.8857, 'after_fix': 0.9167, 'interval': (0.9046, 0.9306)}
    >>> subgroup_gain("error", errors=30, n=100, rest_errors=50, rest_n=600)["after_fix"]
    0.0833
    >>> subgroup_gain("f1", errors=30, n=100, rest_errors=50, rest_n=600) is None
    True
    """
    higher = GAIN_METRICS.get(metric)
    if higher is None or n <= 0 or rest_n <= 0 or errors * rest_n <= rest_errors * n:
        return None
    share = n / (n + rest_n)
    accuracy = 1.0 - (errors + rest_errors) / (n + rest_n)
    d, d_low, d_high = error_difference(errors, n, rest_errors, rest_n, comparisons=comparisons)
    after = accuracy + share * d
    low, high = max(accuracy + share * d_low, accuracy), min(accuracy + share * d_high, _CEILING)
    if higher:
        return make_gain(metric, now=accuracy, after_fix=after, low=low, high=high)
    return make_gain(metric, now=1.0 - accuracy, after_fix=1.0 - after, low=1.0 - high, high=1.0 - low)
