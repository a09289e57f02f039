"""Error rates of a sub-population against the rest of the validation rows: the ratio and its interval."""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy.stats import norm

__all__ = ["ErrorRatio", "error_ratio"]

LEVEL = 0.95
"""The family-wise level of the intervals: the groups (or slices) compared share it (Bonferroni)."""


class ErrorRatio(NamedTuple):
    """A sub-population's error rate over the rest's, with its interval."""

    ratio: float
    low: float
    high: float
    error: float
    rest_error: float


def error_ratio(errors: int, n: int, rest_errors: int, rest_n: int, *, comparisons: int = 1) -> ErrorRatio:
    """The ratio of two error rates with a Katz (log) interval, Bonferroni-widened over ``comparisons``.

    With a zero count each count gets the Haldane-Anscombe half (``+0.5`` errors, ``+1`` rows),
    so a group with errors next to an error-free rest has a finite, wide interval.

    Parameters
    ----------
    errors, n : int
        The sub-population's errors and rows.
    rest_errors, rest_n : int
        The rest's.
    comparisons : int, default=1
        How many sub-populations were compared (the worst is reported): the interval's level is
        ``1 - (1 - LEVEL) / comparisons``.

    Returns
    -------
    ErrorRatio

    Examples
    --------
    >>> r = error_ratio(25, 120, 56, 680)
    >>> round(r.ratio, 2), round(r.low, 2), round(r.high, 2)
    (2.53, 1.65, 3.89)
    >>> error_ratio(3, 10, 0, 100).low > 1
    True
    """
    error, rest_error = errors / n, rest_errors / rest_n
    if errors == 0 or rest_errors == 0:
        e1, n1, e2, n2 = errors + 0.5, n + 1.0, rest_errors + 0.5, rest_n + 1.0
    else:
        e1, n1, e2, n2 = float(errors), float(n), float(rest_errors), float(rest_n)
    log_ratio = math.log((e1 / n1) / (e2 / n2))
    spread = math.sqrt(max(1 / e1 - 1 / n1 + 1 / e2 - 1 / n2, 0.0))
    z = float(norm.ppf(1 - (1 - LEVEL) / (2 * max(comparisons, 1))))
    return ErrorRatio(
        math.exp(log_ratio), math.exp(log_ratio - z * spread), math.exp(log_ratio + z * spread), error, rest_error
    )
