"""The shared-result caches: keyed by the arrays' identity, weakly held, emptied per diagnosis."""

from __future__ import annotations

import gc

import numpy as np

from gapdoctor.stats.shared import SHARED_RESULTS, RecentResults, forget_shared_results
from gapdoctor.stats.splits import compare_features


def test_a_result_is_kept_for_the_very_arrays_and_the_oldest_goes_first() -> None:
    cache: RecentResults[str] = RecentResults(keep=2)
    a, b, c = np.zeros(3), np.ones(3), np.full(3, 2.0)
    cache.put((a, None), "a")
    cache.put((b, None), "b")
    assert cache.get(a, None) == "a" and cache.get(b, None) == "b"
    assert cache.get(a) is None and cache.get(a, b) is None  # another key shape, another array
    cache.put((c, None), "c")
    assert cache.get(a, None) is None and cache.get(c, None) == "c"


def test_the_cache_does_not_keep_an_array_alive() -> None:
    cache: RecentResults[int] = RecentResults()
    a = np.zeros(1000)
    cache.put((a,), 1)
    ref = cache._entries[0][0][0]
    del a
    gc.collect()
    assert ref is not None and ref() is None
    assert cache.get(np.zeros(1000)) is None


def test_every_cache_is_emptied_when_a_diagnosis_starts() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    first = compare_features(a, b)
    assert compare_features(a, b) is first  # reused while the arrays are the same objects
    b[:, 1] += 2.0  # the caller changes its array in place between two diagnoses
    forget_shared_results()
    assert compare_features(a, b).shifted.tolist() == [False, True]
    assert all(isinstance(cache, RecentResults) for cache in SHARED_RESULTS) and len(SHARED_RESULTS) >= 3
