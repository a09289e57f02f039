"""stats.rescaling: the split comparison both split checks read, and its rescaling verdict."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.errors import SkipCheck
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.rescaling import MIN_SPLIT_ROWS, compared_splits, rescaling_verdict
from gapdoctor.stats.splits import compare_features


def _features(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 3.0, size=(n, 4)) + np.arange(4) * 10.0


def test_compared_splits_is_the_comparison_and_verdict_of_the_evidence_arrays():
    X_train = _features(400, 0)
    X_val = (_features(300, 1) - X_train.mean(axis=0)) / X_train.std(axis=0)  # standardised on one side only
    splits = compared_splits(build_evidence(X_train=X_train, X_val=X_val))
    direct = compare_features(splits.X_train, splits.X_val)
    assert splits.comparison is direct  # the same cached comparison every split check reads
    assert np.array_equal(splits.X_train, X_train) and np.array_equal(splits.X_val, X_val)
    verdict = rescaling_verdict(direct, X_train, X_val)
    assert (splits.rescaling.pattern, splits.rescaling.split) == (verdict.pattern, verdict.split)
    assert np.array_equal(splits.rescaling.features, verdict.features)
    assert splits.rescaling.fires and splits.rescaling.pattern == "standardised"
    assert splits.rescaling.split == "X_train"  # X_val is standardised, X_train was not passed through the scaler


def test_compared_splits_of_exchangeable_splits_finds_no_rescaling():
    splits = compared_splits(build_evidence(X_train=_features(400, 0), X_val=_features(300, 1)))
    assert not splits.comparison.shifted.any()
    assert not splits.rescaling.fires and splits.rescaling.pattern == ""


@pytest.mark.parametrize("n_val", [MIN_SPLIT_ROWS - 1, 2])
def test_compared_splits_skips_a_split_below_the_minimum(n_val):
    evidence = build_evidence(X_train=_features(50, 0), X_val=_features(n_val, 1))
    with pytest.raises(SkipCheck, match=f"at least {MIN_SPLIT_ROWS} rows"):
        compared_splits(evidence)


def test_compared_splits_skips_without_both_splits():
    with pytest.raises(SkipCheck, match="X_train and X_val"):
        compared_splits(build_evidence(X_train=_features(50, 0)))
