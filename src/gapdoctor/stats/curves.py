"""Statistics of one curve: gaps filled, smoothing, noise, the knee of a two-piece fit.

Every function is linear in the number of points (a 50,000-point per-step history is
read in milliseconds).
"""

from __future__ import annotations

import math

import numpy as np

from gapdoctor.stats.array_types import FloatArray

__all__ = [
    "FALL_SIGMAS",
    "NEGATED_SCORE_FLOOR",
    "fall_beyond_noise",
    "fill_missing",
    "hinge_point",
    "negated_score_floor",
    "noise_sd",
    "noise_sd_curved",
    "relative_fall",
    "smooth",
    "smoothing_window",
]


def fill_missing(values: FloatArray) -> FloatArray:
    """Linearly interpolate NaN/inf epochs (ends held constant)."""
    finite = np.isfinite(values)
    if finite.all():
        return values.astype(np.float64, copy=True)
    idx = np.arange(len(values))
    return np.interp(idx, idx[finite], values[finite]).astype(np.float64)


NEGATED_SCORE_FLOOR = -1.0
"""The lowest a negated bounded score reaches (a negated Dice, cosine similarity or correlation)."""


def negated_score_floor(values: FloatArray) -> float:
    """The floor a loss falls towards when it is a negated score: -1 for a loss whose every finite value lies in
    [-1, 0] and whose last is below 0 (a negated Dice, similarity or correlation), else 0 (a loss's usual floor).

    Its falls read as shares of the distance to that floor (a negated Dice from -0.6 to -0.9 removed three
    quarters of what it could, not half).

    Examples
    --------
    >>> negated_score_floor(np.array([-0.46, -0.8, -0.9])), negated_score_floor(np.array([0.7, 0.2]))
    (-1.0, 0.0)
    >>> negated_score_floor(np.array([-0.4, -1.6]))  # past -1: no such floor
    0.0
    """
    finite = values[np.isfinite(values)]
    negated = len(finite) > 0 and float(finite[-1]) < 0 and float(finite.min()) >= NEGATED_SCORE_FLOOR
    return NEGATED_SCORE_FLOOR if negated and float(finite.max()) <= 0 else 0.0


def relative_fall(start: float, end: float) -> float:
    """How far a curve fell from ``start`` to ``end``, as a share of ``start`` (negative when it rose).

    Examples
    --------
    >>> relative_fall(2.0, 1.5), relative_fall(-1.0, -1.5), relative_fall(0.5, 1.0)
    (0.25, 0.5, -1.0)
    """
    return (float(start) - float(end)) / max(abs(float(start)), 1e-12)


def smooth(values: FloatArray) -> FloatArray:
    """Robust smoothing of a noisy per-epoch curve.

    A running median of 3 removes isolated spikes, then a centred moving average
    (window about a tenth of the run, at least 3) removes the rest of the noise.
    Missing epochs are interpolated first.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    ndarray of shape (n_epochs,)

    Examples
    --------
    >>> smooth(np.array([1.0, 0.9, 5.0, 0.7, 0.6])).round(2).tolist()
    [1.0, 0.97, 0.87, 0.73, 0.65]
    """
    x = fill_missing(values)
    n = len(x)
    if n < 3:
        return x
    padded = np.concatenate([x[:1], x, x[-1:]])
    med = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    half = smoothing_window(n) // 2
    csum = np.concatenate([[0.0], np.cumsum(med)])
    idx = np.arange(n)
    lo, hi = np.maximum(0, idx - half), np.minimum(n, idx + half + 1)
    return np.asarray((csum[hi] - csum[lo]) / (hi - lo), dtype=np.float64)


def smoothing_window(n: int) -> int:
    """The evaluations :func:`smooth`'s moving average spans on a curve of ``n`` (1: not smoothed).

    Examples
    --------
    >>> smoothing_window(2), smoothing_window(11), smoothing_window(60)
    (1, 3, 7)
    """
    return 1 if n < 3 else 2 * max(1, n // 20) + 1


def noise_sd(values: FloatArray) -> float:
    """Robust estimate of the epoch-to-epoch noise of a curve.

    Uses second differences (which cancel a locally linear trend): for independent
    noise of s.d. sigma, the second difference has s.d. ``sqrt(6) * sigma``; the
    median absolute deviation makes it insensitive to a few spikes.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    float
        0.0 when fewer than 4 finite epochs.
    """
    x = values[np.isfinite(values)]
    if len(x) < 4:
        return 0.0
    d2 = np.diff(x, n=2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def noise_sd_curved(values: FloatArray) -> float:
    """Noise estimate robust to strong curvature (short, fast-decaying curves).

    The smaller of the second-difference estimate (:func:`noise_sd`) and a third-difference
    one (s.d. ``sqrt(20) * sigma`` for independent noise), which also cancels a locally
    quadratic trend: the first epochs of an exponential decay are not noise.

    Examples
    --------
    >>> curve = 2.0 * np.exp(-np.arange(8) / 1.5)
    >>> noise_sd_curved(curve) < noise_sd(curve)
    True
    """
    x = values[np.isfinite(values)]
    if len(x) < 5:
        return noise_sd(values)
    d3 = np.diff(x, n=3)
    third = float(1.4826 * np.median(np.abs(d3 - np.median(d3))) / math.sqrt(20.0))
    return min(noise_sd(values), third)


def hinge_point(values: FloatArray) -> tuple[int, float, float]:
    """Fit a continuous two-piece linear curve and return where the slope changes.

    Parameters
    ----------
    values : ndarray of shape (n_epochs,)

    Returns
    -------
    epoch : int
        The epoch at which the slope changes (the knee).
    slope_before, slope_after : float
        Slopes per epoch of the two pieces.

    Examples
    --------
    >>> curve = np.r_[np.zeros(10), np.arange(1.0, 11.0)]
    >>> hinge_point(curve)[0]
    9
    """
    x = fill_missing(values)
    n = len(x)
    if n < 3:
        return (0, 0.0, 0.0)
    # Normal equations of [1, t, max(0, t - k)] for every knee k at once, from suffix sums
    # (linear in n); t is scaled to [0, 1] so that the sums stay well conditioned.
    t = np.arange(n, dtype=np.float64) / n
    ks = np.arange(1, n - 1)
    knots = ks / n
    # suffix sums over t > k: index k + 1 onwards
    c, s1, s2 = _suffix(np.ones(n))[ks + 1], _suffix(t)[ks + 1], _suffix(t * t)[ks + 1]
    sx, stx = _suffix(x)[ks + 1], _suffix(t * x)[ks + 1]
    sh = s1 - knots * c
    shh = s2 - 2 * knots * s1 + knots**2 * c
    sth = s2 - knots * s1
    shx = stx - knots * sx
    gram = np.empty((len(ks), 3, 3))
    gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1] = n, t.sum(), (t * t).sum()
    gram[:, 0, 2], gram[:, 1, 2], gram[:, 2, 2] = sh, sth, shh
    gram[:, 1, 0], gram[:, 2, 0], gram[:, 2, 1] = gram[:, 0, 1], gram[:, 0, 2], gram[:, 1, 2]
    rhs = np.column_stack([np.full(len(ks), x.sum()), np.full(len(ks), (t * x).sum()), shx])
    coef = _solve(gram, rhs)
    sse = float(x @ x) - np.einsum("ij,ij->i", coef, rhs)  # residual sum of squares at the optimum
    best = int(np.argmin(sse))
    slope_before = float(coef[best, 1]) / n
    return int(ks[best]), slope_before, slope_before + float(coef[best, 2]) / n


def _suffix(values: FloatArray) -> FloatArray:
    """``out[i] = values[i:].sum()`` for every i (and 0 past the end)."""
    return np.concatenate([np.cumsum(values[::-1])[::-1], [0.0]])


def _solve(gram: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve each 3x3 system; a singular one (a knee with one point after it) gets least squares."""
    out = np.empty_like(rhs)
    det = np.linalg.det(gram)
    fine = np.abs(det) > 1e-12 * np.abs(gram).max(axis=(1, 2)) ** 3
    if fine.any():
        out[fine] = np.linalg.solve(gram[fine], rhs[fine][..., None])[..., 0]
    for i in np.flatnonzero(~fine):
        out[i] = np.linalg.lstsq(gram[i], rhs[i], rcond=None)[0]
    return out


FALL_SIGMAS = 2.0
""""A loss kept falling" counts in full when the mean of its logged values over the second half of a stretch is
this many standard errors (from the curve's own point-to-point noise) below the mean over the first half:
one-batch samples every N steps scatter by more than they fall."""


def fall_beyond_noise(loss: FloatArray, start: int, unknown: float = 1.0) -> float:
    """Evidence in [0, 1] that a loss (training or validation) really fell from point ``start`` to the end.

    The logged values from ``start`` on are cut in two halves; the fall between their means is
    compared with its standard error from the curve's point-to-point noise (of the log of a positive
    loss: batch noise grows with the loss). 1 when the fall clears :data:`FALL_SIGMAS` standard errors;
    ``unknown`` when the noise is not known (fewer than 4 logged values, or none measured).

    Examples
    --------
    >>> wobble = 1 + 0.02 * np.random.default_rng(0).standard_normal(30)
    >>> falling, flat = 2.0 * np.exp(-np.arange(30) / 8.0) * wobble, np.full(30, 0.3) * wobble
    >>> fall_beyond_noise(falling, 10), fall_beyond_noise(flat, 10)
    (1.0, 0.0)
    """
    logged = np.flatnonzero(np.isfinite(loss))
    values = loss[logged]
    if len(values) and values.min() > 0:
        values = np.log(values)  # batch noise scales with the loss: compared on a relative scale
    tail = values[logged >= start]
    noise = noise_sd_curved(values)
    if len(tail) < 2 or noise <= 0:
        return unknown
    first, second = tail[: len(tail) // 2], tail[len(tail) // 2 :]
    se = FALL_SIGMAS * noise * np.sqrt(1.0 / len(first) + 1.0 / len(second))
    fall = float(first.mean() - second.mean())
    if not se > 0:  # a noise so small its error underflows (values near 1e-300): not known
        return unknown
    return float(np.clip(fall / se, 0.0, 1.0))
