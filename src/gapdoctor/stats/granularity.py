"""The row count behind logged shares: a validation accuracy of 16 rows only takes the values ``k / 16``.

A metric that is the share of validation rows right (accuracy) or wrong (error) is a whole number of rows over
the set's size ``n``, whatever the model. A log keeps those values to the decimals its writer printed (Keras four,
Ultralytics five, a float32 about seven significant digits), so the smallest ``n`` of which every logged value is
a share, within that precision, is the set's size or a divisor of it (every numerator even: half the size).

Two guards keep the reading from chance:

* at least :data:`MIN_DISTINCT` distinct values strictly between 0 and 1 (0 and 1 are shares of every count; one
  or two values often share a factor with the size, 6 of 30 read as 1 of 5);
* the count must be unlikely to fit by luck: values drawn at random with the same precision fit some count up to
  ``n`` fewer than :data:`MAX_CHANCE_FITS` times in expectation (two-decimal values fit 50 rows readily, five
  decimals do not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["MAX_CHANCE_FITS", "MAX_ROWS", "MIN_DISTINCT", "rows_behind_shares"]

MIN_DISTINCT = 3
"""Distinct logged values strictly between 0 and 1 that the reading needs."""
MAX_CHANCE_FITS = 0.01
"""Most expected chance fits, over every count up to the one found, of random values at the logged precision."""
MAX_ROWS = 20_000
"""The largest count searched."""
_SEARCHED = 256  # distinct values a count is searched on (bounded memory: a block of counts by these values)
_BLOCK = 1_000
_FLOAT32 = 1.5e-7  # a float32 written at full precision: about 7 significant digits (relative 6e-8, and margin)


def _precision(value: float) -> float:
    """Half the last decimal ``value`` was written with (a float32's rounding at the least)."""
    text = repr(value)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 17
    return max(0.5 * 10.0**-decimals, _FLOAT32)


def rows_behind_shares(values: Sequence[float] | np.ndarray) -> int | None:
    """The smallest row count of which every value is a share (``k / n`` within its written precision), or None.

    Parameters
    ----------
    values : sequence of float
        A logged share-of-rows series (validation accuracy or error); NaN is passed over.

    Returns
    -------
    int or None
        The count, when every finite value lies in [0, 1], at least :data:`MIN_DISTINCT` distinct values lie
        strictly between, and the count is unlikely to fit by chance; else None.

    Examples
    --------
    >>> rows_behind_shares([0.5625, 0.625, 0.6875, 0.625, 0.75])  # 9, 10, 11, 10, 12 of 16
    16
    >>> rows_behind_shares([0.81, 0.83, 0.84, 0.86]) is None  # two decimals: shares of 100, or of almost anything
    True
    >>> rows_behind_shares([0.0, 0.3333, 0.3333]) is None  # one value between 0 and 1: 1 of 3, or 10 of 30
    True
    """
    finite = sorted({float(v) for v in values if math.isfinite(float(v))})
    if not finite or finite[0] < 0.0 or finite[-1] > 1.0:
        return None
    inside = np.array([v for v in finite if 0.0 < v < 1.0])
    if len(inside) < MIN_DISTINCT:
        return None
    tolerance = np.array([_precision(float(v)) for v in inside])
    searched, slack = inside[:_SEARCHED], tolerance[:_SEARCHED]  # a count found is then checked on every value
    chance_fits = 0.0
    for start in range(2, MAX_ROWS + 1, _BLOCK):
        counts = np.arange(start, min(start + _BLOCK, MAX_ROWS + 1), dtype=np.float64)[:, None]
        chance = chance_fits + np.cumsum(np.prod(np.minimum(1.0, 2.0 * slack * counts), axis=1))
        scaled = searched * counts
        fits = np.all(np.abs(scaled - np.round(scaled)) <= slack * counts + 1e-12, axis=1)
        for i in np.flatnonzero(fits & (chance < MAX_CHANCE_FITS)):
            n = int(counts[i, 0])
            if np.all(np.abs(inside * n - np.round(inside * n)) <= tolerance * n + 1e-12):
                return n
        if chance[-1] >= MAX_CHANCE_FITS:
            return None
        chance_fits = float(chance[-1])
    return None
