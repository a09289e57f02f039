"""How ``metric_saturation``'s measured statistics become its strength of evidence: its one scoring declaration.

The statistic is the headroom left on a bounded metric (distance to its ceiling): the less
headroom, the stronger the evidence, 2% being the reporting point; a metric still moving
counts less, and the evidence grows with how far the loss kept falling over the second half
(gains the metric cannot show). Mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = ["HEADROOM_AT_REPORT", "HEADROOM_FLOOR", "LOSS_DROP_FULL", "STILL_MOVING_WEIGHT", "score"]

HEADROOM_AT_REPORT = 0.02
"""Headroom of 2% of a bounded metric's range is reported at 0.5 (when flat and the loss kept falling)."""
HEADROOM_FLOOR = 1e-4
"""Headroom below this counts as this much (a perfect score is at most 200 reporting points)."""
STILL_MOVING_WEIGHT = 0.3
"""The metric still improved over the second half: not stuck at the ceiling yet, 0.3 of the evidence."""
LOSS_DROP_FULL = 0.10
"""Relative fall of the loss over the second half at which the evidence is full strength."""


def score(headroom: float, *, flat: bool, loss_drop: float) -> float:
    """Strength of evidence from the headroom, whether the metric is flat and the loss's second-half fall."""
    ratio = HEADROOM_AT_REPORT / max(headroom, HEADROOM_FLOOR)
    if not flat:
        ratio *= STILL_MOVING_WEIGHT
    ratio *= min(max(loss_drop / LOSS_DROP_FULL, 0.0), 1.0)
    return strength_from_ratio(ratio)
