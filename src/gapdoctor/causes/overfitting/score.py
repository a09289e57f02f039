"""How ``overfitting``'s measured statistics become its strength of evidence: its one scoring declaration.

The check measures two things on the curves: the *turn* (how far validation rose after its
best point, relative to the progress before it and to its epoch-to-epoch noise) and the
*plateau* (how much the training loss fell over the epochs after validation stopped
improving). Each is divided by its reporting point below and mapped by
:func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "PLATEAU_AT_REPORT",
    "RISE_FRACTION",
    "RISE_SIGMAS",
    "TRAIN_FALL_FULL",
    "plateau_strength",
    "score",
    "train_factor",
    "turn_strength",
]

RISE_FRACTION = 0.15
"""A rise of this fraction of the validation curve's own progress ..."""
RISE_SIGMAS = 3.0
"""... at three noise standard deviations is the point at which overfitting is reported (0.5)."""
TRAIN_FALL_FULL = 0.10
"""Relative fall of the training loss after the turn at which the symptom counts in full
(training must have kept improving: that is the story)."""
PLATEAU_AT_REPORT = 0.2
"""Relative training-loss fall times the share of epochs spent after the plateau, reported at 0.5."""


def turn_strength(rise_over_progress: float, rise_over_noise: float) -> float:
    """Ratio of a rise to its reporting point: it must clear both the progress and the noise bar."""
    return min(rise_over_progress / RISE_FRACTION, rise_over_noise / RISE_SIGMAS)


def train_factor(train_drop_frac: float) -> float:
    """Share of the symptom the training loss shows after the turn, in [0, 1]."""
    return min(max(train_drop_frac / TRAIN_FALL_FULL, 0.0), 1.0)


def plateau_strength(drop_after_plateau: float, wasted: float) -> float:
    """Ratio of the plateau evidence (training fall x share of wasted epochs) to its reporting point."""
    return max(drop_after_plateau, 0.0) * wasted / PLATEAU_AT_REPORT


def score(turn: float, plateau: float) -> float:
    """The finding's strength of evidence from its two ratios: the stronger one decides."""
    return strength_from_ratio(max(turn, plateau))
