"""How ``overfitting``'s measured statistics become its strength of evidence: its one scoring declaration.

The check measures three things on the curves: the *turn* (how far validation rose after its
best point, relative to the progress before it and to its epoch-to-epoch noise), the
*plateau* (how much the training loss fell over the epochs after validation stopped
improving) and *memorisation* (training ahead of validation at the end by more than the
validation set's sampling noise, while the validation loss has not improved since its
minimum and the training loss kept falling). Each is divided by its reporting point below
and mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

import math

from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "GAP_SIGMAS",
    "PLATEAU_AT_REPORT",
    "RISE_FRACTION",
    "RISE_SIGMAS",
    "SAMPLING_Z",
    "TRAIN_FALL_FULL",
    "memorised_strength",
    "plateau_strength",
    "score",
    "train_factor",
    "turn_strength",
    "within_sampling_noise",
]

RISE_FRACTION = 0.15
"""A rise of this fraction of the validation curve's own progress ..."""
RISE_SIGMAS = 3.0
"""... at three noise standard deviations is the point at which overfitting is reported (0.5)."""
TRAIN_FALL_FULL = 0.10
"""Relative fall of the training loss after the turn at which the symptom counts in full
(training must have kept improving: that is the story)."""
PLATEAU_AT_REPORT = 0.2
"""Relative training-loss fall times the share of epochs spent after the plateau, reported at 0.5.
Memorisation's stall (the same product, counted from the validation loss's minimum) shares it."""
GAP_SIGMAS = 3.0
"""A generalisation gap (training ahead of validation at the end) of three sampling standard
deviations of the validation figure is memorisation's reporting point: the same three-sigma bar
a turn's rise meets against its curve's noise (:data:`RISE_SIGMAS`). A healthy fit has a gap too,
but its validation loss still falls, so its stall is nil."""
SAMPLING_Z = 1.959964
"""A turn is within the validation set's sampling noise when its loss rise and its metric fall are
each under 1.96 standard deviations of a difference of two evaluations on ``n`` rows (``sqrt(2)``
times one evaluation's, the two treated as independent as the small_validation_set check treats
them): a 95% two-sided band. A reported small validation set then explains the finding."""


PLATEAU_HEADROOM = 0.02
"""A bounded validation metric that levelled off closer than this to its ceiling (1 for a score, 0 for an error)
shows a plateau in proportion to the room it had left: a metric at its ceiling cannot improve, so its standing
still says nothing of memorisation (a YOLO classifier at 99.95% validation accuracy from epoch 24,
tests/data/real_logs_heldout73, read as "stopped improving"; ``metric_saturation`` reads such runs). 2% is
``metric_saturation``'s reporting point. A validation curve that turns for the worse is not scaled."""


def ceiling_room(headroom: float, rows: int | None = None) -> float:
    """The share of a plateau's evidence a bounded metric ``headroom`` from its ceiling keeps, in [0, 1].

    On ``rows`` validation rows, when known, the headroom is the error rate left by Laplace's rule of succession
    (``(errors + 1) / (rows + 2)``, as ``metric_saturation`` reads it): 56 of 56 rows right leaves 1.7%, not 0,
    while 1 error in 2,000 leaves 0.1%.

    Examples
    --------
    >>> round(ceiling_room(0.0005), 3), round(ceiling_room(0.0, rows=56), 3), ceiling_room(0.05)
    (0.025, 0.862, 1.0)
    """
    if rows:
        headroom = (headroom * rows + 1.0) / (rows + 2.0)
    return min(max(headroom / PLATEAU_HEADROOM, 0.0), 1.0)


def turn_strength(rise_over_progress: float, rise_over_noise: float) -> float:
    """Ratio of a rise to its reporting point: it must clear both the progress and the noise bar."""
    return min(rise_over_progress / RISE_FRACTION, rise_over_noise / RISE_SIGMAS)


def train_factor(train_drop_frac: float) -> float:
    """Share of the symptom the training loss shows after the turn, in [0, 1]."""
    return min(max(train_drop_frac / TRAIN_FALL_FULL, 0.0), 1.0)


def plateau_strength(drop_after_plateau: float, wasted: float) -> float:
    """Ratio of the plateau evidence (training fall x share of wasted epochs) to its reporting point."""
    return max(drop_after_plateau, 0.0) * wasted / PLATEAU_AT_REPORT


def memorised_strength(gap_sigmas: float, stall: float) -> float:
    """Ratio of the memorisation evidence to its reporting point: the gap (in sampling standard
    deviations) and the stall (training fall x share of epochs since the validation loss's minimum)
    must both be there, so the weaker decides."""
    return max(min(gap_sigmas / GAP_SIGMAS, stall / PLATEAU_AT_REPORT), 0.0)


def within_sampling_noise(change: float, sd: float) -> bool:
    """Whether a change between two evaluations on the same-sized set is inside their 95% sampling band."""
    return change <= SAMPLING_Z * math.sqrt(2.0) * sd


def score(turn: float, plateau: float, memorised: float = 0.0) -> float:
    """The finding's strength of evidence from its ratios: the strongest one decides."""
    return strength_from_ratio(max(turn, plateau, memorised))
