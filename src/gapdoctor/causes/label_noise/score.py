"""How ``label_noise``'s measured statistics become its strength of evidence: its one scoring declaration.

The statistic is an estimated share of wrong training labels with its exact 95% interval:
confident learning's noise rate on out-of-sample probabilities, the clear low-AUM share of
training dynamics, or the share of rows fitted late (per-row losses). Each is scored by its
*excess* over a floor (what a clean run shows: a decent model's own confident errors, or the
validation control when given), only reported when the interval's low end clears that floor.
Agreement of the other per-row evidence multiplies it. Ratios to the reporting points below
are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

from gapdoctor.stats.scoring import capped, strength_from_ratio

__all__ = [
    "AT_REPORT",
    "CORROBORATED_FACTOR",
    "FLOOR",
    "HIGH_FLOOR_SHARE",
    "LATE_AT_REPORT",
    "LATE_FLOOR",
    "UNCLEARED_MAX_RATIO",
    "UNCORROBORATED_FACTOR",
    "late_ratio",
    "noise_ratio",
    "score",
]

FLOOR = 0.02
"""Noise rate confident learning reports on clean data with a decent model (1-2% of the rows on
digits, breast cancer and wine with logistic regression): scored 0."""
AT_REPORT = 0.05
"""Estimated noise rate reported at 0.5 over that floor (an excess of 3 points) ..."""
HIGH_FLOOR_SHARE = 0.25
"""... over a high floor (a weak model that errs a lot anyway, or a high validation control) the
excess must be a quarter of the floor itself."""
UNCLEARED_MAX_RATIO = 0.9
"""The interval's low end does not clear the floor: never reported (ratio 0.9, score 0.47)."""
CORROBORATED_FACTOR = 1.25
"""The flagged rows are also the ones memorised late / trailing another class: a quarter more evidence."""
UNCORROBORATED_FACTOR = 0.75
"""The per-row losses do not single the flagged rows out: a quarter less."""
LATE_FLOOR = 0.05
"""Share of rows a clean run fits late (hard but correct rows): scored 0."""
LATE_AT_REPORT = 0.12
"""Share of late-fitted rows reported at 0.5 (memorisation alone)."""


def noise_ratio(rate: float, low: float, floor: float = FLOOR) -> float:
    """An estimated noise rate's excess over ``floor``, over its reporting point."""
    ratio = max(rate - floor, 0.0) / max(AT_REPORT - FLOOR, HIGH_FLOOR_SHARE * floor)
    return capped(ratio, UNCLEARED_MAX_RATIO, when=low <= floor)


def late_ratio(share: float, low: float) -> float:
    """The share of late-fitted rows' excess over :data:`LATE_FLOOR`, over its reporting point."""
    ratio = max(share - LATE_FLOOR, 0.0) / (LATE_AT_REPORT - LATE_FLOOR)
    return capped(ratio, UNCLEARED_MAX_RATIO, when=low <= LATE_FLOOR)


def score(ratio: float, *factors: float) -> float:
    """Strength of evidence of a ratio, times the corroboration factors of the other evidence."""
    for factor in factors:
        ratio *= factor
    return strength_from_ratio(ratio)
