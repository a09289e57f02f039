from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gapdoctor.stats.accumulators import ConfusionCounts, RunningMoments, binomial_interval, squash


def test_binomial_interval_matches_scipy_exact_interval() -> None:
    low, high = binomial_interval(37, 120)
    ci = stats.binomtest(37, 120).proportion_ci(method="exact")
    assert low == pytest.approx(ci.low) and high == pytest.approx(ci.high)
    assert binomial_interval(0, 10)[0] == 0.0 and binomial_interval(10, 10)[1] == 1.0


def test_squash_is_monotone_with_half_at_half() -> None:
    values = [squash(x, 1.0) for x in (0.0, 0.5, 1.0, 2.0, 10.0)]
    assert values == sorted(values) and values[2] == 0.5 and values[0] == 0.0 and values[-1] < 1.0


def test_merged_moments_equal_whole_array_moments() -> None:
    x = np.random.default_rng(0).normal(size=(1000, 4))
    x[::7, 1] = np.nan
    parts = [RunningMoments(4) for _ in range(3)]
    for part, chunk in zip(parts, np.array_split(x, 3), strict=True):
        part.update(chunk)
    merged = parts[0].merge(parts[1]).merge(parts[2])
    np.testing.assert_allclose(merged.mean, np.nanmean(x, axis=0))
    np.testing.assert_allclose(merged.variance, np.nanvar(x, axis=0, ddof=1))


def test_merged_confusion_equals_whole() -> None:
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 500), rng.integers(0, 4, 500)
    a, b = ConfusionCounts(4), ConfusionCounts(4)
    a.update(y[:200], p[:200])
    b.update(y[200:], p[200:])
    whole = ConfusionCounts(4)
    whole.update(y, p)
    np.testing.assert_array_equal(a.merge(b).matrix, whole.matrix)
