"""Do the rises of a logged training loss exceed what its own sampling noise produces?

A training loss read from a training log is not the loss of the model on the training set: it is
the mean of the minibatch losses seen since the last logged value (Keras ``CSVLogger``'s ``loss``,
Lightning's ``*_epoch``, the Trainer's ``loss`` over ``logging_steps``), or one batch's loss.
Each value is a sample, and a curve that falls slowly or has reached its floor rises at about
half of its points from that sampling noise alone, whatever the learning rate. When the log
does not say how large the noise is (one value per point: no spread to measure), the curve says
it itself:

- the trend is the smoothed curve, the noise the spread of the values around it, told from the
  curvature by third differences (:func:`~gapdoctor.stats.curves.noise_sd_curved`); both on the
  log of the loss when it is positive, since the noise of a batch mean scales with the loss level
  (a loss that fell a hundredfold wobbles a hundredfold less);
- at each point, noise around a trend that does not rise makes the loss rise with probability
  ``Phi(min(trend step, 0) / (sqrt(2) * noise))``: a flat stretch about half the time, a steep
  fall almost never. A trend that itself climbs is not excused: sustained climbs are the
  optimiser's doing, and their rises count in full. Both estimates lean low (the noise is the
  smaller of two estimates, and a smoothed trend's own wobble only lowers the clipped steps), so
  the share of rises excused errs on the side of reporting;
- the observed number of rises is tested against that count (a Poisson-binomial, computed
  exactly): the one-sided p-value says whether the rises exceed what the noise produces.

A history given as arrays may hold full-training-set losses, evaluated after each epoch without
sampling noise, where every rise is the optimiser's: the check asks this only of logged curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gapdoctor.stats.curves import noise_sd_curved, smooth

__all__ = ["RisesVsNoise", "jitter_is_measurement", "rises_expected_from_se", "rises_vs_curve_noise"]

# Rises are counted after this many first points (the first epochs' fall is not a trend to test).
_SKIP_FIRST = 2
# The noise of the rises needs at least this many points to be estimated from the curve.
_MIN_POINTS = 6
# The training loss's point-to-point noise must exceed the validation loss's by this factor for its jitter to
# be put on how it was measured. The validation loss is read from the same parameters each epoch on the same
# rows: a learning rate too high moves the parameters, and a move moves the validation loss at least as much as
# the training loss (the training loss sits near its minimum in the parameters, where a move changes it only to
# second order; the validation loss does not). A per-epoch mean of train-mode batch losses (dropout,
# augmentation, a changing batch order) adds sampling noise to the training curve alone. In the loss's own
# units: its level tells nothing about the parameters' noise. Torch runs with dropout 0.5, clean or with 25%
# flipped labels (tests/causes/optimization/test_check_dropout.py, seeds 0-2): 3.0-6.9x; the 37 corpus runs
# with an optimisation problem injected (calibration and held-out, read from /work/corpus/cache): 0.0-1.23x.
_MEASUREMENT_JITTER_RATIO = 2.0


@dataclass(frozen=True)
class RisesVsNoise:
    """The rises of a logged training loss next to those its own noise explains.

    Parameters
    ----------
    observed : int
        Points (after the first two) at which the loss rose.
    points : int
        Points at which a rise was possible.
    expected_share : float
        Share of those points at which noise around a non-rising trend makes the loss rise.
    p_value : float
        One-sided p-value of ``observed`` rises or more under that noise.
    noise_vs_level : float
        The curve's trend-removed noise relative to its level (on the log scale), or in its
        own units when the loss is not positive.
    """

    observed: int
    points: int
    expected_share: float
    p_value: float
    noise_vs_level: float


def _at_least(k: int, p: np.ndarray) -> float:
    """P(at least ``k`` of independent events with probabilities ``p`` happen): the exact Poisson-binomial tail."""
    count = np.zeros(len(p) + 1)
    count[0] = 1.0
    for q in p:
        count[1:] = count[1:] * (1 - q) + count[:-1] * q
        count[0] *= 1 - q
    return float(min(count[k:].sum(), 1.0))


def rises_expected_from_se(trend: np.ndarray, se: np.ndarray | None) -> float:
    """Share of points at which measured batch noise (``se`` of each point) alone makes the loss rise (0 without it)."""
    if se is None or len(trend) < 5:
        return 0.0
    from scipy.stats import norm

    step = np.diff(trend[2:])
    spread = np.sqrt(se[2:-1] ** 2 + se[3:] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, step / spread, -np.inf)
    return float(np.mean(norm.cdf(z)))


def jitter_is_measurement(train: np.ndarray, val: np.ndarray | None) -> bool:
    """True when the training loss jitters well beyond the validation loss read from the same parameters.

    Both in the loss's units, after the first points; False without a validation loss or with too
    few points to tell.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> trend = 0.3 + 0.2 * np.exp(-np.arange(30) / 4.0)
    >>> jitter_is_measurement(trend * (1 + 0.03 * rng.standard_normal(30)), trend)
    True
    >>> bounce = 1 + 0.03 * rng.standard_normal(30)
    >>> jitter_is_measurement(trend * bounce, trend * bounce)
    False
    """
    if val is None:
        return False
    both = np.isfinite(train) & np.isfinite(val)
    if int(both.sum()) < _MIN_POINTS + _SKIP_FIRST:
        return False
    own = noise_sd_curved(train[both][_SKIP_FIRST:])
    held_out = noise_sd_curved(val[both][_SKIP_FIRST:])
    return bool(own > _MEASUREMENT_JITTER_RATIO * held_out)


def rises_vs_curve_noise(values: np.ndarray) -> RisesVsNoise | None:
    """Test the rises of ``values`` (the logged training-loss values, in order) against their own noise.

    None when there are too few values, or the curve shows no noise at all (a rise of a curve
    without noise is never explained by it). A noise-free fall expects no rise at all.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> plateau = (0.03 + 0.2 * np.exp(-np.arange(40) / 2.0)) * (1 + 0.01 * rng.standard_normal(40))
    >>> wobble = rises_vs_curve_noise(plateau)
    >>> wobble.expected_share > 0.25 and wobble.p_value > 0.05
    True
    >>> climbs = np.r_[np.linspace(1.0, 0.5, 20), np.linspace(0.5, 0.7, 20)] * (1 + 0.01 * rng.standard_normal(40))
    >>> rises_vs_curve_noise(climbs).p_value < 0.01
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < _MIN_POINTS:
        return None
    y = np.log(x) if bool(np.all(x > 0)) else x
    trend = smooth(y)
    tail = y[_SKIP_FIRST:]
    sigma = noise_sd_curved(tail)
    if not sigma > 0:
        return None
    steps = np.minimum(np.diff(trend[_SKIP_FIRST:]), 0.0)
    rose = np.diff(tail) > 0
    from scipy.stats import norm  # scipy: imported where used, like the other curve checks

    p = norm.cdf(steps / (math.sqrt(2.0) * sigma))
    observed = int(rose.sum())
    return RisesVsNoise(
        observed=observed,
        points=len(rose),
        expected_share=float(p.mean()),
        p_value=_at_least(observed, p),
        noise_vs_level=float(sigma),
    )
