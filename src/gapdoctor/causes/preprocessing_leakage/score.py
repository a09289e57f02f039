"""How ``preprocessing_leakage``'s measured statistics become its strength of evidence: its one scoring declaration.

Three statistics: the label association (epsilon²) a feature loses between training and
validation, at the low end of its 95% interval; the association of an identifier-like
column; and the share of validation rows duplicated in training beyond the natural rate.
Ratios to the reporting points below are mapped by
:func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "EXCESS_DUPLICATES_REPORTABLE",
    "GAP_REPORTABLE",
    "ID_REPORTABLE",
    "MISALIGNED_DISCOUNT",
    "duplicates_score",
    "gap_ratio",
    "identifier_ratio",
    "signal_score",
]

GAP_REPORTABLE = 0.15
"""Epsilon² lost between train and validation (low end of its 95% interval) reported at 0.5."""
MISALIGNED_DISCOUNT = 0.1
"""Misalignment (every informative feature lost its signal) explains the lost signal: leakage
keeps a tenth of its strength."""
ID_REPORTABLE = 0.1
"""Epsilon² of an identifier-like column reported at 0.5."""
EXCESS_DUPLICATES_REPORTABLE = 0.03
"""Share of validation rows duplicated in training beyond the natural rate reported at 0.5."""


def gap_ratio(lost_low: float, *, misaligned: bool) -> float:
    """The lost association the data vouch for, over its reporting point."""
    ratio = lost_low / GAP_REPORTABLE
    if misaligned:
        ratio *= MISALIGNED_DISCOUNT
    return ratio


def identifier_ratio(association: float) -> float:
    """An identifier-like column's label association, over its reporting point."""
    return association / ID_REPORTABLE


def signal_score(gap: float, identifier: float) -> float:
    """Strength of evidence of the train-only signal: the stronger of the two ratios."""
    return strength_from_ratio(max(gap, identifier))


def duplicates_score(excess: float) -> float:
    """Strength of evidence from the share of validation rows duplicated beyond the natural rate."""
    return strength_from_ratio(excess / EXCESS_DUPLICATES_REPORTABLE)
