"""How ``preprocessing_leakage``'s measured statistics become its strength of evidence: its one scoring declaration.

Six statistics: the label association (epsilon²) a feature loses between training and
validation, at the low end of its 95% interval; the same loss on the Fisher-z scale for a
feature that keeps most of its association (an in-sample fitted feature: stacked predictions);
the association of an identifier-like column; the family-wise p-value of a column whose training
values are exactly the label share of their rows (an in-sample target encoding, see
:mod:`gapdoctor.causes.preprocessing_leakage.label_means`); and the share of validation rows duplicated in
training beyond the natural rate.
Ratios to the reporting points below are mapped by
:func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

import math

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "EXCESS_DUPLICATES_REPORTABLE",
    "FISHER_GAP_REPORTABLE",
    "GAP_REPORTABLE",
    "ID_REPORTABLE",
    "IN_SAMPLE_MEAN_P_REPORTABLE",
    "IN_SAMPLE_NEIGHBOURS_P_REPORTABLE",
    "MISALIGNED_DISCOUNT",
    "duplicates_score",
    "gap_ratio",
    "identifier_ratio",
    "in_sample_mean_ratio",
    "in_sample_neighbours_ratio",
    "signal_score",
    "weakened_ratio",
]

GAP_REPORTABLE = 0.15
"""Epsilon² lost between train and validation (low end of its 95% interval) reported at 0.5."""
MISALIGNED_DISCOUNT = 0.1
"""Misalignment (every informative feature lost its signal) explains the lost signal: leakage
keeps a tenth of its strength."""
FISHER_GAP_REPORTABLE = 0.2
"""Loss of a weakened feature's label association on the Fisher-z scale (low end of its 95%
interval) reported at 0.5: ``GAP_REPORTABLE`` where that is measured, mid-range (epsilon² 0.30
-> 0.15 or 0.50 -> 0.35 are both about 0.2 in Fisher z). On this scale the standard error does
not depend on the level, so a stacked prediction that goes from 0.89 to 0.80 (0.09 epsilon²,
0.31 in z) is judged like any other feature; the epsilon² scale compresses losses near 1."""
ID_REPORTABLE = 0.1
"""Epsilon² of an identifier-like column reported at 0.5."""
IN_SAMPLE_MEAN_P_REPORTABLE = 0.001
"""Family-wise p-value (over the columns and classes tested) of an in-sample label mean reported at
0.5: the collapse test's family-wise 0.001 (:data:`gapdoctor.stats.association.COLLAPSE_FAMILY_ALPHA`);
the strength grows with -log10 p (1e-6 is twice the evidence of 1e-3). On the corpus calibration
families no column of a run without a leak reaches 1e-1.5 before the correction, every in-sample
target encoding 1e-2.9 or less (most below 1e-5)."""
IN_SAMPLE_NEIGHBOURS_P_REPORTABLE = 0.001
"""Family-wise p-value (over the reconstructions tried) of an in-sample k-NN label mean reported at
0.5: the same point as ``IN_SAMPLE_MEAN_P_REPORTABLE``, an exact-construction fingerprint like it
(:mod:`gapdoctor.causes.preprocessing_leakage.neighbour_means`). On the corpus no run without a
k-NN stacking has a column rebuilt exactly (the p-value is then 1); every stacking is rebuilt at
1e-6 or less (``benchmarks/leakage_neighbour_means.py``)."""
EXCESS_DUPLICATES_REPORTABLE = 0.03
"""Share of validation rows duplicated in training beyond the natural rate reported at 0.5."""


def gap_ratio(lost_low: float, *, misaligned: bool) -> float:
    """The lost association the data vouch for, over its reporting point."""
    ratio = lost_low / GAP_REPORTABLE
    if misaligned:
        ratio *= MISALIGNED_DISCOUNT
    return ratio


def weakened_ratio(fisher_lost_low: float, *, misaligned: bool) -> float:
    """A weakened feature's lost association (Fisher-z scale, low end), over its reporting point."""
    ratio = max(fisher_lost_low, 0.0) / FISHER_GAP_REPORTABLE
    if misaligned:
        ratio *= MISALIGNED_DISCOUNT
    return ratio


def identifier_ratio(association: float) -> float:
    """An identifier-like column's label association, over its reporting point."""
    return association / ID_REPORTABLE


def in_sample_mean_ratio(log10_p_family: float) -> float:
    """An in-sample label mean's evidence, -log10 of its family-wise p-value, over its reporting point's."""
    return max(-log10_p_family, 0.0) / -math.log10(IN_SAMPLE_MEAN_P_REPORTABLE)


def in_sample_neighbours_ratio(log10_p_family: float) -> float:
    """An in-sample k-NN label mean's evidence, -log10 of its family-wise p-value, over its reporting point's."""
    return max(-log10_p_family, 0.0) / -math.log10(IN_SAMPLE_NEIGHBOURS_P_REPORTABLE)


def signal_score(
    gap: float, identifier: float, weakened: float = 0.0, in_sample_mean: float = 0.0, neighbours: float = 0.0
) -> float:
    """Strength of evidence of the train-only signal: the strongest of the ratios."""
    return strength_from_ratio(max(gap, identifier, weakened, in_sample_mean, neighbours))


def duplicates_score(excess: float) -> float:
    """Strength of evidence from the share of validation rows duplicated beyond the natural rate."""
    return strength_from_ratio(excess / EXCESS_DUPLICATES_REPORTABLE)
