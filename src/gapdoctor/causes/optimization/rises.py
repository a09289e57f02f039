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

from gapdoctor.inputs.history import RunHistory, fill_missing
from gapdoctor.stats.curves import noise_sd_curved, smooth

__all__ = [
    "RisesVsNoise",
    "batch_noise",
    "jitter_is_measurement",
    "jitter_within_batches",
    "rises_expected_from_se",
    "rises_vs_batch_noise",
    "rises_vs_curve_noise",
    "steadier_of",
]

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
# Batch noise overstates the noise between points when the curve is steadier than it by this factor (the same
# batches every epoch); within it, the curve's few-point noise estimate is too uncertain to overrule the batches'.
_STEADIER = 3.0
# Batch noise is known when at least this share of points averages two or more logged values.
_KNOWN_NOISE_SHARE = 0.5


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


def batch_noise(history: RunHistory) -> np.ndarray | None:
    """Standard error of each point's training loss from the values logged inside it, when known."""
    se = history.train_loss_se
    if se is None or float(np.mean(np.isfinite(se))) < _KNOWN_NOISE_SHARE:
        return None
    return fill_missing(se)


def jitter_within_batches(values: np.ndarray, se: np.ndarray) -> bool:
    """True when the training loss's point-to-point jitter is within ``_MEASUREMENT_JITTER_RATIO`` of the noise its
    own batches measured (``se``: each point's standard error from the values logged inside it).

    The batches' spread is the measurement's noise, measured; a jitter this size is theirs (a plateau of per-epoch
    means of six one-batch losses rises about every other epoch), one well beyond it is the parameters' moving.
    False with too few points to tell.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> plateau = 0.12 + 0.03 * rng.standard_normal(12)
    >>> jitter_within_batches(plateau, np.full(12, 0.03)), jitter_within_batches(plateau, np.full(12, 0.003))
    (True, False)
    """
    x = np.asarray(values, dtype=float)
    noise = np.asarray(se, dtype=float)
    finite = np.isfinite(x)
    known = noise[finite & np.isfinite(noise)]
    if int(finite.sum()) < _MIN_POINTS + _SKIP_FIRST or not len(known):
        return False
    return bool(noise_sd_curved(x[finite][_SKIP_FIRST:]) <= _MEASUREMENT_JITTER_RATIO * float(np.median(known)))


def steadier_of(values: np.ndarray, se: np.ndarray) -> np.ndarray:
    """``se`` (each point's standard error from the batches logged inside it), scaled down to the curve's own
    point-to-point noise when the curve is steadier than its batches say.

    The spread of the batch losses inside a point overstates how much two points' means differ when the same
    batches come back each epoch (an unshuffled order, a fixed sampler): a Lightning run whose epoch means moved
    0.005 apart had standard errors of 0.15. Only a curve steadier by ``_STEADIER`` or more is read so: the
    curve's own noise, from a few points, is itself uncertain (from 10 points of noise 0.03 it reads 0.011 to
    0.03), and within that factor the batches' measure is the better one.

    Examples
    --------
    >>> steady = 1.47 + 0.005 * np.sin(np.arange(10))
    >>> bool(np.all(steadier_of(steady, np.full(10, 0.15)) < 0.02))
    True
    >>> noisy = 0.12 + 0.03 * np.random.default_rng(0).standard_normal(10)
    >>> steadier_of(noisy, np.full(10, 0.03)).tolist() == [0.03] * 10
    True
    """
    x = np.asarray(values, dtype=float)
    noise = np.asarray(se, dtype=float)
    finite = np.isfinite(x)
    known = noise[np.isfinite(noise) & (noise > 0)]
    if int(finite.sum()) < _MIN_POINTS or not len(known):
        return noise
    own = noise_sd_curved(x[finite][_SKIP_FIRST:])
    typical = float(np.median(known))
    return noise * (own / typical) if 0 <= own < typical / _STEADIER else noise


def _rise_chances(steps: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Chance that noise of ``spread`` around a trend moving by ``steps`` (clipped at 0) makes the loss rise."""
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, np.minimum(steps, 0.0) / spread, -np.inf)
    return np.asarray(norm.cdf(z), dtype=float)


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


def rises_vs_batch_noise(values: np.ndarray, se: np.ndarray) -> RisesVsNoise | None:
    """Test the rises of ``values`` (one training loss per point, each the mean of the batch losses logged inside
    it) against the noise those batches measure: ``se``, each point's standard error.

    As :func:`rises_vs_curve_noise`, with the noise measured rather than read from the curve: at each point, noise
    around a trend that does not rise makes the loss rise with probability ``Phi(min(trend step, 0) / sqrt(se_i² +
    se_i+1²))``; a point whose batches did not spread (one value) excuses no rise. A per-epoch mean of six
    one-batch losses logged every 50 steps rises about every other epoch on a plateau, whatever the rate. None with
    too few points.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> plateau = 0.12 + 0.03 * rng.standard_normal(12)
    >>> rises_vs_batch_noise(plateau, np.full(12, 0.03)).p_value > 0.05
    True
    >>> bounce = np.r_[np.linspace(1.0, 0.5, 6), [0.6, 0.5, 0.62, 0.48, 0.64, 0.47]]
    >>> rises_vs_batch_noise(bounce, np.full(12, 1e-3)).p_value < 0.05
    True
    """
    x = np.asarray(values, dtype=float)
    noise = np.asarray(se, dtype=float)
    keep = np.isfinite(x) & np.isfinite(noise)
    x, noise = x[keep], noise[keep]
    if len(x) < _MIN_POINTS:
        return None
    trend = smooth(x)[_SKIP_FIRST:]
    tail, tail_noise = x[_SKIP_FIRST:], noise[_SKIP_FIRST:]
    p = _rise_chances(np.diff(trend), np.sqrt(tail_noise[:-1] ** 2 + tail_noise[1:] ** 2))
    observed = int((np.diff(tail) > 0).sum())
    level = float(np.mean(np.abs(tail)))
    return RisesVsNoise(
        observed=observed,
        points=len(p),
        expected_share=float(p.mean()),
        p_value=_at_least(observed, p),
        noise_vs_level=float(np.median(tail_noise) / level) if level > 0 else float(np.median(tail_noise)),
    )


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
    steps = np.diff(trend[_SKIP_FIRST:])
    rose = np.diff(tail) > 0
    p = _rise_chances(steps, np.full(len(steps), math.sqrt(2.0) * sigma))  # sigma > 0: every chance defined
    observed = int(rose.sum())
    return RisesVsNoise(
        observed=observed,
        points=len(rose),
        expected_share=float(p.mean()),
        p_value=_at_least(observed, p),
        noise_vs_level=float(sigma),
    )
