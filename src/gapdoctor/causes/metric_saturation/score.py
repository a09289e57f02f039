"""How ``metric_saturation``'s measured statistics become its strength of evidence: its one scoring declaration.

The statistic is the headroom left on a bounded metric (distance to its ceiling): the less
headroom, the stronger the evidence, 2% being the reporting point; a metric still moving
counts less, and the evidence grows with how far the loss kept falling over the second half
(gains the metric cannot show). Mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "HEADROOM_AT_REPORT",
    "HEADROOM_FLOOR",
    "LABEL_ERRORS_REJECTED_BELOW",
    "LOSS_DROP_FULL",
    "STILL_MOVING_WEIGHT",
    "score",
]

HEADROOM_AT_REPORT = 0.02
"""Headroom of 2% of a bounded metric's range is reported at 0.5 (when flat and the loss kept falling)."""
HEADROOM_FLOOR = 1e-4
"""Headroom below this counts as this much (a perfect score is at most 200 reporting points)."""
STILL_MOVING_WEIGHT = 0.3
"""The metric still improved over the second half: not stuck at the ceiling yet, 0.3 of the evidence."""
LOSS_DROP_FULL = 0.10
"""Relative fall of the loss over the second half at which the evidence is full strength."""
LABEL_ERRORS_REJECTED_BELOW = 0.05
"""One-sided p-value under which the validation rows the model contradicts with near certainty
are not read as label errors (they neither lower the ceiling nor let the training loss stand
for the hidden gain). The test: a label error is an ordinary row of another class, so the
model is as sure of it as of the rows it gets right with the same confidence gate; an
overconfident model's own errors are boundary rows it is less sure of. The mean percentile of
the suspects' confidence among those rows is uniform's mean (1/2) under label errors. On the
calibration corpus (no validation label noise is drawn there) 14 of 15 saturation findings
that rested on suspects were wrong and the suspects ranked low (z -2 to -7 with 4 or more);
validation labels really flipped (tests' ``easy_task_noisy_validation``, 6%, 3 seeds) and
make_classification's own 1% flips rank at 0.39-0.54 (z -1.3 to +1.4). 5% is the
conventional level, not tuned: it rejects where the suspects' confidence is clearly lower.
"""


def score(headroom: float, *, flat: bool, loss_drop: float) -> float:
    """Strength of evidence from the headroom, whether the metric is flat and the loss's second-half fall."""
    ratio = HEADROOM_AT_REPORT / max(headroom, HEADROOM_FLOOR)
    if not flat:
        ratio *= STILL_MOVING_WEIGHT
    ratio *= min(max(loss_drop / LOSS_DROP_FULL, 0.0), 1.0)
    return strength_from_ratio(ratio)
