"""How ``search_noise``'s measured statistics become its strength of evidence: its one scoring declaration.

Three statistics, one per check:

- ties: how many configurations lie within the 95% noise margin of the best (a difference
  test on the validation noise), weighted by whether that margin is large enough to matter;
- overfitted best: Spearman's rho between a trial's value and its final train/validation
  gap, with its p-value;
- ranked by training loss: the trial values are the training losses (a verdict).

Ratios to a reporting point are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "MARGIN_THAT_MATTERS",
    "RANKED_BY_TRAINING_LOSS",
    "RHO_AT_REPORT",
    "RHO_NOT_SIGNIFICANT_WEIGHT",
    "RHO_P_VALUE",
    "TIED_AT_REPORT",
    "overfitted_best_score",
    "ties_score",
]

TIED_AT_REPORT = 2.0
"""Two configurations tied with the best (three in all) is the reporting point ..."""
MARGIN_THAT_MATTERS = 0.01
"""... when the noise margin is at least one point of the metric (for metrics in [0, 1];
relative to the value otherwise): ties inside a smaller margin cost little."""
RHO_AT_REPORT = 0.5
"""Spearman's rho between value and overfitting gap reported at 0.5 ..."""
RHO_P_VALUE = 0.05
"""... when significant at this level; otherwise it counts ..."""
RHO_NOT_SIGNIFICANT_WEIGHT = 0.5
"""... half."""
RANKED_BY_TRAINING_LOSS = 0.9
"""Trial values that are the trials' own training losses: the search ranked by the wrong number."""


def ties_score(tied: int, margin: float, matters: float) -> float:
    """Strength of evidence from the number of ties with the best and the noise margin.

    ``matters`` is :data:`MARGIN_THAT_MATTERS` in the metric's units (already scaled to the
    value for an unbounded metric).
    """
    return strength_from_ratio(tied / TIED_AT_REPORT * min(1.0, margin / matters))


def overfitted_best_score(rho: float, p_value: float) -> float:
    """Strength of evidence from Spearman's rho (value vs gap) and its p-value."""
    return strength_from_ratio(rho / RHO_AT_REPORT * (1.0 if p_value < RHO_P_VALUE else RHO_NOT_SIGNIFICANT_WEIGHT))
