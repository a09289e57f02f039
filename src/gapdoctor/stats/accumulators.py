"""Statistics shared by the checks.

The accumulators here are *mergeable*: each is updated chunk by chunk and two
accumulators built on disjoint chunks combine with :meth:`merge`. Checks written on
them work the same on an in-memory array, on a file read in pieces, or on partitions
processed by separate workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.confusion import confusion_matrix
from gapdoctor.stats.resampling import Z95

__all__ = ["ConfusionCounts", "RunningMoments", "binomial_interval", "excess_low", "squash"]


def _beta() -> Any:
    """scipy's beta distribution, imported on first use (``import gapdoctor`` stays fast)."""
    from scipy.stats import beta

    return beta


def excess_low(share: float, n: int, base: float, n_base: int, z: float = Z95) -> float:
    """How far one proportion exceeds another at the low end of the difference's 95% interval (0 at least).

    Both are samples: ``share`` of ``n`` rows against ``base`` of ``n_base`` rows. A normal
    interval for the difference, each variance floored at one row's worth (a proportion of 0 or 1
    is not known exactly either). Two samples of 150 and 800 rows at 50% differ by about 4.4 points
    in standard deviation: an excess of 11 points is not yet 3 points beyond chance.

    Examples
    --------
    >>> round(excess_low(0.613, 150, 0.499, 800), 3)
    0.029
    >>> excess_low(0.2, 150, 0.25, 800)
    0.0
    >>> round(excess_low(0.6, 150, 0.0, 800), 2)  # 90 of 150 copied where no training row has a copy
    0.52
    """
    if n <= 0:
        return 0.0
    variance = max(share * (1 - share), 1.0 / n) / n + (
        max(base * (1 - base), 1.0 / n_base) / n_base if n_base else 0.0
    )
    return max(0.0, share - base - z * math.sqrt(variance))


def binomial_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a proportion.

    Parameters
    ----------
    successes : int
    trials : int
    level : float, default=0.95

    Returns
    -------
    (low, high) : tuple of float
        ``(0.0, 1.0)`` when ``trials`` is 0.

    Examples
    --------
    >>> low, high = binomial_interval(90, 100)
    >>> round(low, 3), round(high, 3)
    (0.824, 0.951)
    """
    if trials <= 0:
        return 0.0, 1.0
    alpha = 1.0 - level
    low = 0.0 if successes == 0 else float(_beta().ppf(alpha / 2, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(_beta().ppf(1 - alpha / 2, successes + 1, trials - successes))
    return low, high


def squash(value: float, half: float) -> float:
    """Map a non-negative strength of evidence to a score in [0, 1).

    ``squash(half, half) == 0.5``: ``half`` is the strength at which evidence becomes
    reportable. Every check calibrates its score with this one function so that
    scores mean the same across causes.

    Examples
    --------
    >>> squash(2.0, 2.0)
    0.5
    >>> squash(0.0, 2.0)
    0.0
    """
    if not math.isfinite(value) or value <= 0:
        return 0.0 if not (math.isinf(value) and value > 0) else 1.0
    return float(value / (value + half))


@dataclass
class ConfusionCounts:
    """Confusion matrix built chunk by chunk.

    Parameters
    ----------
    n_classes : int

    Examples
    --------
    >>> a = ConfusionCounts(2); a.update(np.array([0, 1]), np.array([0, 0]))
    >>> b = ConfusionCounts(2); b.update(np.array([1]), np.array([1]))
    >>> a.merge(b).matrix.tolist()
    [[1, 0], [1, 1]]
    """

    n_classes: int
    matrix: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self.matrix = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)

    def update(self, y_true: NDArray[np.int64], y_pred: NDArray[np.int64]) -> None:
        """Add one chunk of (true, predicted) class ids."""
        self.matrix += confusion_matrix(y_true, y_pred, self.n_classes)

    def merge(self, other: ConfusionCounts) -> ConfusionCounts:
        """Combine with counts from disjoint rows."""
        out = ConfusionCounts(self.n_classes)
        out.matrix = self.matrix + other.matrix
        return out


@dataclass
class RunningMoments:
    """Per-column count, mean and variance, merged with Chan's parallel formula.

    Parameters
    ----------
    n_columns : int

    Examples
    --------
    >>> x = np.arange(10.0).reshape(5, 2)
    >>> a = RunningMoments(2); a.update(x[:2]); b = RunningMoments(2); b.update(x[2:])
    >>> np.allclose(a.merge(b).variance, x.var(axis=0, ddof=1))
    True
    """

    n_columns: int
    count: NDArray[np.float64] = field(init=False)
    mean: NDArray[np.float64] = field(init=False)
    m2: NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        self.count = np.zeros(self.n_columns)
        self.mean = np.zeros(self.n_columns)
        self.m2 = np.zeros(self.n_columns)

    def update(self, chunk: NDArray[np.float64]) -> None:
        """Add one chunk of rows (NaN values are skipped per column)."""
        other = RunningMoments(self.n_columns)
        mask = np.isfinite(chunk)
        other.count = mask.sum(axis=0).astype(np.float64)
        safe = np.where(mask, chunk, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            other.mean = np.where(other.count > 0, safe.sum(axis=0) / np.maximum(other.count, 1), 0.0)
        other.m2 = np.where(mask, (chunk - other.mean) ** 2, 0.0).sum(axis=0)
        merged = self.merge(other)
        self.count, self.mean, self.m2 = merged.count, merged.mean, merged.m2

    def merge(self, other: RunningMoments) -> RunningMoments:
        """Combine with moments of disjoint rows."""
        out = RunningMoments(self.n_columns)
        total = self.count + other.count
        safe_total = np.maximum(total, 1.0)
        delta = other.mean - self.mean
        out.count = total
        out.mean = self.mean + delta * other.count / safe_total
        out.m2 = self.m2 + other.m2 + delta**2 * self.count * other.count / safe_total
        return out

    @property
    def variance(self) -> NDArray[np.float64]:
        """Sample variance (ddof=1); NaN where fewer than two values."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 1, self.m2 / (self.count - 1), np.nan)
