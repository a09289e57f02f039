"""How ``subgroup_failure``'s measured statistic becomes its strength of evidence: its one scoring declaration.

The statistic is, per group or rare class, the gap between its recall/accuracy and the median
of the others, with the group's binomial interval: a gap of :data:`GAP_AT_REPORT` whose
interval clears the others is the reporting point. A gap the interval does not clear counts a
third. (Which classes are sub-populations at all is the check's statistic, not a weight here:
classes of ordinary frequency, and either class of a two-class task, are never reported.)
Ratios are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = ["GAP_AT_REPORT", "UNCLEAR_WEIGHT", "gap_ratio", "score"]

GAP_AT_REPORT = 0.25
"""Recall 25 points below the others' median, interval clear of it: reported at 0.5."""
UNCLEAR_WEIGHT = 1.0 / 3.0
"""The group's interval reaches the others' median: a third of the evidence."""


def gap_ratio(gap: float, *, clear: bool) -> float:
    """A lagging entry's gap over the reporting point, weighted by how clear it is."""
    return gap / GAP_AT_REPORT * (1.0 if clear else UNCLEAR_WEIGHT)


def score(ratio: float) -> float:
    """Strength of evidence of the worst lagging entry."""
    return strength_from_ratio(ratio)
