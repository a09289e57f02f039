"""Has a training loss reached the floor its course is heading to?

A stall with no learning-rate story is a converged run when the falls of its loss shrink
geometrically to nothing (:func:`remaining_fall`), or when its second half sits at a floor: neither
its net change nor its jitter reaches the tolerance of the fall the run achieved
(:func:`at_floor`; a convex model under a constant-rate stochastic optimiser wanders around its
optimum by far less than it fell, and the geometric fit cannot read a wander). When the training loss's jitter is its
measurement's (a train-mode batch mean beside a smooth validation loss, see
:func:`~gapdoctor.causes.optimization.rises.jitter_is_measurement`), its falls cannot show that,
and the validation loss, read from the same parameters without that noise, is asked instead.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.optimization.score import BOUNCE_MATERIAL
from gapdoctor.inputs.history import fill_missing, smooth
from gapdoctor.stats.curves import noise_sd_curved

__all__ = ["at_floor", "converged", "late_fall_se", "remaining_fall", "rise_share", "wobbles"]

# A stall with no learning-rate story (no cut, no tiny rate, no bouncing) is a converged run when its
# geometric extrapolation leaves less than this share of the fall it achieved still to come: the
# optimiser took the loss to the floor it was heading to (a convex model at its optimum), and
# raising the rate would not lower it. Calibration corpus: the generic stalls found there leave
# 0.00-0.42% to come (logistic regression under Adam; seeds 13 104 117 229 293 312, none with
# optimisation injected); every generic stall of the real logs is not converging (inf).
_CONVERGED_REMAINING = 0.01
# Falls needed to fit their geometric shrinking.
_MIN_FALLS_TO_FIT = 3
# Points of a second half needed to read its jitter apart from its curvature (third differences).
_MIN_TAIL_POINTS = 5


def _tail(train: np.ndarray) -> np.ndarray:
    x: np.ndarray = np.asarray(train[np.isfinite(train)], dtype=np.float64)
    return x[len(x) // 2 :]


def rise_share(train: np.ndarray) -> float:
    """The mean size of the second half's rises over its mean level (0 without a rise; nan when too short).

    How far the loss bounces back up, on the scale of the loss: a rate too high holds the loss above
    its floor by about its bounce; a loss wandering at its optimum rises as often, by a hair.

    Examples
    --------
    >>> wander = 0.47 + 0.0003 * np.random.default_rng(0).standard_normal(40)
    >>> round(rise_share(np.r_[np.linspace(0.75, 0.47, 10), wander]), 4)
    0.0004
    """
    tail = _tail(train)
    level = float(np.mean(tail)) if len(tail) else 0.0
    if len(tail) < _MIN_TAIL_POINTS or level <= 0:
        return float("nan")
    steps = np.diff(tail)
    rises = steps[steps > 0]
    return float(np.mean(rises)) / level if len(rises) else 0.0


def wobbles(train: np.ndarray) -> bool:
    """True when the second half's rises are under ``score.BOUNCE_MATERIAL`` of its level: a floor's wobble.

    False when the second half is too short to tell (its rises are then read as before).
    """
    return bool(rise_share(train) < BOUNCE_MATERIAL)


def at_floor(train: np.ndarray, fell: float) -> bool:
    """True when the second half's net change and its jitter are both under the tolerance of ``fell``.

    Examples
    --------
    >>> wander = 0.47 + 0.0003 * np.random.default_rng(0).standard_normal(40)
    >>> at_floor(np.r_[np.linspace(0.75, 0.47, 10), wander], fell=0.28)
    True
    >>> at_floor(np.r_[np.linspace(0.75, 0.47, 10), np.linspace(0.47, 0.40, 40)], fell=0.35)
    False
    """
    tail = _tail(train)
    if len(tail) < _MIN_TAIL_POINTS or fell <= 0:
        return False
    smoothed = smooth(tail)
    drift = abs(float(smoothed[0] - smoothed[-1]))
    return max(drift, noise_sd_curved(tail)) < _CONVERGED_REMAINING * fell


def remaining_fall(train: np.ndarray) -> float:
    """How much lower the training loss would go if its last half kept converging as it does (inf: not converging).

    The falls of a loss that converges to its floor shrink geometrically: a line through the log of
    the last half's positive falls gives their ratio ``r`` per point, and the fall still to come is
    the last fitted fall times ``r / (1 - r)``. A loss wandering on a plateau (falls that do not
    shrink, or too few falls to fit) is not converging: inf.
    """
    x = train[np.isfinite(train)]
    falls = -np.diff(x[len(x) // 2 :])
    where = np.flatnonzero(falls > 0)
    if len(where) < _MIN_FALLS_TO_FIT:
        return float("inf")
    slope, intercept = np.polyfit(where.astype(float), np.log(falls[where]), 1)
    ratio = float(np.exp(slope))
    if ratio >= 1:
        return float("inf")
    return float(np.exp(intercept + slope * (len(falls) - 1))) * ratio / (1 - ratio)


def converged(train: np.ndarray, fell: float, val: np.ndarray | None) -> bool:
    """True when the training loss (or, when its jitter is its measurement's, the validation loss) reached its floor."""
    if remaining_fall(train) < _CONVERGED_REMAINING * fell or at_floor(train, fell):
        return True
    if val is None:
        return False
    vs = smooth(fill_missing(val))
    return remaining_fall(vs) < _CONVERGED_REMAINING * float(vs[0] - vs.min())


def late_fall_se(train: np.ndarray, third: int, level: float, batch_se: np.ndarray | None = None) -> float:
    """Standard error of the last third's relative fall (least-squares slope x its length) from the curve's noise,
    or from the noise its batches measured (``batch_se``: each point's standard error, the median of the last third's
    taken) when the log holds them."""
    x = np.flatnonzero(np.isfinite(train[-1 - third :])).astype(float)
    if len(x) < 3 or level <= 0:
        return 0.0
    late = None if batch_se is None else batch_se[-1 - third :][np.isfinite(batch_se[-1 - third :])]
    sigma = float(np.median(late)) if late is not None and len(late) else noise_sd_curved(train[np.isfinite(train)][2:])
    return float(sigma / np.sqrt(np.sum((x - x.mean()) ** 2)) * third / level)
