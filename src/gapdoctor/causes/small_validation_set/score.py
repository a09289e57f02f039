"""How ``small_validation_set``'s measured statistics become its strength of evidence: its one scoring declaration.

Two statistics, each divided by its reporting point: the change of the metric the set could
hide (the smallest it can detect, from its interval: 5% two-sided, 80% power, two evaluations;
for an improvement, never more than the room the metric has left to its ceiling), and the fall
of the validation loss over the last epochs against its own noise (an improvement exists). The
story needs both halves, so the weaker ratio decides; without evidence of an improvement the
noise alone (not bounded by the ceiling) must be :data:`NOISE_ALONE_MULTIPLE` times larger. The result is mapped by
:func:`gapdoctor.stats.scoring.strength_from_ratio`, then weighted down when the metric's last
epochs show the set seeing progress, or its second half shows the metric is not stuck.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "DETECTABLE_AT_REPORT",
    "NOISE_ALONE_MULTIPLE",
    "RELATIVE_AT_REPORT",
    "SEEING_WEIGHT",
    "SHOWING_WEIGHT",
    "noise_ratio",
    "score",
]

DETECTABLE_AT_REPORT = 0.08
"""A bounded metric's smallest detectable change of 8 points is the reporting point ..."""
RELATIVE_AT_REPORT = 0.05
"""... 5% of the metric's value for an unbounded one."""
NOISE_ALONE_MULTIPLE = 3.0
"""Without evidence that an improvement exists, the noise alone is reported only when the set
cannot see a change 3x the reporting point (24 points of a bounded metric): a set that cannot
tell a model from one a quarter of the scale worse cannot judge the run, improving or not."""
SEEING_WEIGHT = 0.5
"""The metric's last epochs moved by more than its noise: the set sees something, halve."""
SHOWING_WEIGHT = 0.3
"""The smoothed metric rose over the second half beyond its own wobble: it is not stuck, the set shows
the progress, the story fails."""


def noise_ratio(change: float, scale: float, *, bounded: bool) -> float:
    """A change of the metric (in units of ``scale``) over the reporting point."""
    return (change / scale) / (DETECTABLE_AT_REPORT if bounded else RELATIVE_AT_REPORT)


def score(noise: float, hidden: float, improvement: float | None, *, seeing: bool, showing: bool) -> float:
    """Strength of evidence from the noise ratios and the improvement ratio (None: not measured).

    ``noise``: the smallest detectable change over its reporting point; ``hidden``: the same for the
    change the set could hide, which the room to the ceiling bounds. An improvement the set hides
    needs ``hidden`` and ``improvement``; the noise alone (a set that cannot tell the model from a far
    worse one, which the ceiling does not bound) needs :data:`NOISE_ALONE_MULTIPLE` times more.
    """
    hidden_improvement = 0.0 if improvement is None else min(hidden, improvement)
    strength = strength_from_ratio(max(hidden_improvement, noise / NOISE_ALONE_MULTIPLE))
    if seeing:
        strength *= SEEING_WEIGHT
    if showing:
        strength *= SHOWING_WEIGHT
    return strength
