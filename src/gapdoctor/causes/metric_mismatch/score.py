"""How ``metric_mismatch``'s measured statistic becomes its strength of evidence: its one scoring declaration.

The statistic is the **cross-validated** gain of a tuned decision rule over the default
one (threshold / prior correction chosen on folds, scored on the rows left out), with the
standard deviation of its paired bootstrap. The gain must clear both a size that matters
and the noise: the smaller of the two ratios decides, mapped by
:func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = ["GAIN_AT_REPORT", "Z_AT_REPORT", "score"]

GAIN_AT_REPORT = 0.03
"""A cross-validated gain of 3 points of the metric ..."""
Z_AT_REPORT = 2.5
"""... at 2.5 bootstrap standard deviations is the reporting point."""
_SD_FLOOR = 1e-9
"""A bootstrap with no spread at all: the gain is measured exactly (z is large, not infinite)."""


def score(cv_gain: float, gain_sd: float) -> float:
    """Strength of evidence from the cross-validated gain and its bootstrap standard deviation."""
    z = cv_gain / max(gain_sd, _SD_FLOOR)
    return strength_from_ratio(max(0.0, min(cv_gain / GAIN_AT_REPORT, z / Z_AT_REPORT)))
