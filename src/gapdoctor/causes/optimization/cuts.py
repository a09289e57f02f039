"""What a learning-rate cut did to the training loss.

A step schedule that works lowers the loss right after each cut and flattens only once the lower
rate has done its work. A cut that comes while the loss is still falling fast, by far more than the
run can afford, instead ends the progress there: the loss crawls for the rest of the run at a small
fraction of the pace it had, and the run ends under-trained with nothing in the log that looks flat
enough to be called a stall. Both readings compare the logged training loss on either side of the
cut, unsmoothed (a smoothing window across the cut would mix both rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.optimization.score import CUT_CONVERGED_SHARE, crawl_score
from gapdoctor.findings import REPORT_THRESHOLD
from gapdoctor.inputs.history import fill_missing

__all__ = ["CutSlowdown", "crawl_after_cut", "slowdown_after_cut", "stopped_at_cut"]

# A stall is put on a learning-rate cut only when the loss fell, over the points after the cut, less
# than half as much as over as many points before it: a cut followed by a drop did what it was for.
_CUT_KEEPS_PACE = 0.5


def _width(n: int, cut: int) -> int:
    """Points compared on either side of a cut: a tenth of the run (two at least), as many as both sides have."""
    return min(max(2, n // 10), cut, n - 1 - cut)


def stopped_at_cut(train: np.ndarray, cut: int, n: int) -> bool:
    """True when the logged training loss fell less after a learning-rate cut than before it.

    A step decay that works lowers the loss right after the cut (the classic drop of a step schedule) and only
    then flattens: that flattening is convergence at the lower rate, not a stall the cut caused. Compared over
    the same number of points on either side.
    """
    ts, width = fill_missing(train), _width(n, cut)
    if width < 1:
        return True
    before = float(ts[cut - width] - ts[cut])
    after = float(ts[cut] - ts[cut + width])
    return after <= 0 or after < _CUT_KEEPS_PACE * before


@dataclass(frozen=True)
class CutSlowdown:
    """How a learning-rate cut changed the training loss's pace.

    Parameters
    ----------
    cut : int
        The evaluation point right after the cut.
    pace_before, pace_after : float
        The loss's fall per point, as a fraction of its level at the last point before the cut: over
        the points just before it, and from it to the end of the run.
    slowdown : float
        ``pace_before / pace_after`` (infinite when the loss did not fall after the cut).
    reachable : float
        The share of the loss left at the cut that the pace before it would have removed over the
        rest of the run (at most 1): near 0 when the loss had already converged before the cut.
    level : float
        The training loss at the last point before the cut (the paces' unit).
    """

    cut: int
    pace_before: float
    pace_after: float
    slowdown: float
    reachable: float
    level: float

    def sentence(self, points_name: str) -> str:
        """What the training loss did after the cut, e.g. "the training loss fell 87x slower per epoch ..."."""
        before, after = self.pace_before * self.level, self.pace_after * self.level
        if not np.isfinite(self.slowdown):
            return f"the training loss stopped falling (it fell {before:.2g} per {points_name} before)"
        return (
            f"the training loss fell {self.slowdown:,.0f}x slower per {points_name} than just before "
            f"({after:.2g} against {before:.2g} per {points_name})"
        )


def slowdown_after_cut(train: np.ndarray, cut: int) -> CutSlowdown | None:
    """The training loss's pace before a cut against its pace over the rest of the run (None: not measurable).

    The last point before the cut divides the two: the pace before is read over the points up to it (all at
    the old rate), the pace after over every point from it to the end, so a drop the cut brings counts after.

    Examples
    --------
    >>> loss = np.r_[1.0, 0.8, 0.64, np.linspace(0.639, 0.63, 20)]  # the rate cut 100x at point 3
    >>> s = slowdown_after_cut(loss, 3)
    >>> round(s.slowdown), s.reachable
    (360, 1.0)
    >>> slowdown_after_cut(np.r_[1.0, 0.1, 0.009, np.linspace(0.0089, 0.0088, 20)], 3) is None  # fitted already
    True
    """
    ts = fill_missing(train)
    n, last = len(ts), cut - 1
    width = min(max(2, n // 10), last)
    level = float(ts[last]) if width >= 1 else 0.0
    if width < 1 or level <= 0 or last >= n - 1 or level < CUT_CONVERGED_SHARE * float(np.max(ts[:cut])):
        return None  # (a loss already near 0 at the cut: nothing left for the cut to cost)
    before = float(ts[last - width] - ts[last]) / width / level
    if before <= 0:
        return None
    after = float(ts[last] - ts[-1]) / (n - 1 - last) / level
    slowdown = before / after if after > 0 else float("inf")
    return CutSlowdown(cut, before, after, slowdown, reachable=min(1.0, before * (n - 1 - last)), level=level)


def crawl_after_cut(train: np.ndarray, cut_points: tuple[int, ...]) -> CutSlowdown | None:
    """The cut after which the training loss crawled most clearly, when that alone is reported (None: no cut did).

    A weaker crawl is no story of its own: the cut is then judged as any stall is, by how flat the end is.
    """
    scored = [(crawl_score(s.slowdown, s.reachable), s) for c in cut_points if (s := slowdown_after_cut(train, c))]
    strength, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return best if strength >= REPORT_THRESHOLD else None
