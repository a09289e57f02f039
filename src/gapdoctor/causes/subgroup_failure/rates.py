"""Error rates of a sub-population against the rest: the ratio of the rates, and the odds ratio pooled over splits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from scipy.stats import norm

__all__ = ["ErrorRatio", "OddsRatio", "Stratum", "error_ratio", "pooled_odds_ratio"]

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


class Stratum(NamedTuple):
    """One split's counts: the sub-population's errors and rows, the rest's errors and rows."""

    errors: int
    n: int
    rest_errors: int
    rest_n: int


class OddsRatio(NamedTuple):
    """A sub-population's odds of an error over the rest's, pooled over strata, with its interval."""

    ratio: float
    low: float
    high: float


def _mantel_haenszel(cells: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float, float]:
    """The Mantel-Haenszel sums ``R, S`` and the three Robins-Breslow-Greenland variance sums."""
    r_sum = s_sum = pr = ps_qr = qs = 0.0
    for a, b, c, d in cells:
        total = a + b + c + d
        r, s = a * d / total, b * c / total
        p, q = (a + d) / total, (b + c) / total
        r_sum, s_sum = r_sum + r, s_sum + s
        pr, ps_qr, qs = pr + p * r, ps_qr + p * s + q * r, qs + q * s
    return r_sum, s_sum, pr, ps_qr, qs


def pooled_odds_ratio(strata: Sequence[Stratum], *, comparisons: int = 1) -> OddsRatio:
    """The Mantel-Haenszel odds ratio of an error (sub-population vs rest) over strata, with its interval.

    The strata are the splits the errors were counted on (validation rows; out-of-sample
    training rows): each compares the sub-population with the rest *within* one split, so a
    split that is harder for everyone does not pass for a gap between them. An odds ratio, not
    a ratio of error rates: it is the same comparison whichever side is counted (errors or hits)
    and is not capped by the rest's error rate (a rest at 40% error caps a rate ratio at 2.5).
    The interval is Robins-Breslow-Greenland's on the log scale, Bonferroni-widened over
    ``comparisons``; when every stratum has an empty cell on one side (``R`` or ``S`` is 0),
    each cell gets the Haldane-Anscombe half, so the interval stays finite.

    Parameters
    ----------
    strata : sequence of Stratum
        Strata with rows on both sides (others are skipped).
    comparisons : int, default=1
        How many sub-populations were compared (the worst is reported).

    Returns
    -------
    OddsRatio
        ``ratio`` 1 with an interval of (0, inf) when no stratum has rows on both sides.

    Examples
    --------
    >>> r = pooled_odds_ratio([Stratum(5, 40, 4, 103), Stratum(5, 75, 5, 196)])
    >>> round(r.ratio, 2), round(r.low, 2), round(r.high, 2)
    (3.08, 1.21, 7.79)
    >>> pooled_odds_ratio([Stratum(3, 10, 0, 100)]).low > 1
    True
    """
    cells = [
        (float(s.errors), float(s.n - s.errors), float(s.rest_errors), float(s.rest_n - s.rest_errors))
        for s in strata
        if s.n > 0 and s.rest_n > 0
    ]
    if not cells:
        return OddsRatio(1.0, 0.0, math.inf)
    r_sum, s_sum, pr, ps_qr, qs = _mantel_haenszel(cells)
    if r_sum == 0 or s_sum == 0:
        r_sum, s_sum, pr, ps_qr, qs = _mantel_haenszel([(a + 0.5, b + 0.5, c + 0.5, d + 0.5) for a, b, c, d in cells])
    log_ratio = math.log(r_sum / s_sum)
    spread = math.sqrt(pr / (2 * r_sum**2) + ps_qr / (2 * r_sum * s_sum) + qs / (2 * s_sum**2))
    z = float(norm.ppf(1 - (1 - LEVEL) / (2 * max(comparisons, 1))))
    return OddsRatio(math.exp(log_ratio), math.exp(log_ratio - z * spread), math.exp(log_ratio + z * spread))
