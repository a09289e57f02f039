"""How ``pseudo_label_noise``'s measured statistics become its strength of evidence: its one scoring declaration.

Two statistics: the excess flag rate of the noisiest source over the cleanest one (with the
sources' exact intervals and a two-proportion test), and the validation accuracy lost by
learning from a source instead of the trusted one (with its test). Ratios to the reporting
points below are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import capped, strength_from_ratio

__all__ = ["AT_REPORT", "TAUGHT_AT_REPORT", "UNSEPARATED_MAX_RATIO", "excess_ratio", "score", "taught_ratio"]

AT_REPORT = 0.05
"""Excess flag rate over the cleanest source reported at 0.5."""
UNSEPARATED_MAX_RATIO = 0.9
"""Sources whose intervals overlap (or whose test is not significant) stay below the
reporting point whatever the excess: ratio 0.9, score 0.47."""
TAUGHT_AT_REPORT = 0.05
"""Validation accuracy lost by learning from a source, reported at 0.5: 5 points is a material
loss of the metric, and the same scale as the flag-rate excess above."""


def excess_ratio(excess: float, *, separated: bool) -> float:
    """The excess flag rate over its reporting point, capped when the sources are not separated."""
    return capped(max(excess, 0.0) / AT_REPORT, UNSEPARATED_MAX_RATIO, when=not separated)


def taught_ratio(drop: float) -> float:
    """Validation accuracy lost by learning from a source, over its reporting point."""
    return drop / TAUGHT_AT_REPORT


def score(ratio: float) -> float:
    """Strength of evidence of the stronger of the two ratios the check kept."""
    return strength_from_ratio(ratio)
