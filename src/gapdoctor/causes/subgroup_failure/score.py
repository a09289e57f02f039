"""How ``subgroup_failure``'s measured statistic becomes its strength of evidence: its one scoring declaration.

The statistic is, per class or group, the gap between its recall and the median of the
others, with the group's binomial interval: a gap of :data:`GAP_AT_REPORT` whose interval
clears the others is the reporting point. A gap the interval does not clear counts a third;
with two classes a lagging class is as much the threshold as the class, so it counts half.
Ratios are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = ["BINARY_WEIGHT", "GAP_AT_REPORT", "UNCLEAR_WEIGHT", "gap_ratio", "score"]

GAP_AT_REPORT = 0.25
"""Recall 25 points below the others' median, interval clear of it: reported at 0.5."""
UNCLEAR_WEIGHT = 1.0 / 3.0
"""The group's interval reaches the others' median: a third of the evidence."""
BINARY_WEIGHT = 0.5
"""With two classes a lagging class is as much the threshold as the class: half the evidence."""


def gap_ratio(gap: float, *, clear: bool, binary_class: bool = False) -> float:
    """A lagging entry's gap over the reporting point, weighted by how clear and specific it is."""
    weight = BINARY_WEIGHT if binary_class else 1.0
    return weight * gap / GAP_AT_REPORT * (1.0 if clear else UNCLEAR_WEIGHT)


def score(ratio: float) -> float:
    """Strength of evidence of the worst lagging entry."""
    return strength_from_ratio(ratio)
