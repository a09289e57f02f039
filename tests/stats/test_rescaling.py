"""stats.rescaling: the split comparison both split checks read, and its rescaling verdict."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.preprocessing import StandardScaler

from gapdoctor.errors import SkipCheck
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.rescaling import MIN_SPLIT_ROWS, compared_splits, partial_standardisation, rescaling_verdict
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


def _wide_classification(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """make_classification with few informative features: the 30 noise features are already ~N(0, 1)."""
    return make_classification(n_samples=1500, n_features=40, n_informative=5, n_redundant=3, random_state=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_standardised_and_validation_raw_fires_though_only_a_few_features_differ(seed):
    X, y = _wide_classification(seed)
    X_train, X_val, y_train, y_val = X[:1000], X[1000:], y[:1000], y[1000:]
    X_train = StandardScaler().fit_transform(X_train)  # the validation split never passed through it
    splits = compared_splits(build_evidence(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val))
    c = splits.comparison
    assert c.shifted.sum() < 0.5 * len(c.shifted)  # "most features" does not hold
    assert not rescaling_verdict(c, X_train, X_val).fires
    candidate = partial_standardisation(c, X_train, X_val)
    assert candidate is not None and candidate.split == "X_val" and candidate.strength == 0.0
    verdict = splits.rescaling
    assert verdict.fires and (verdict.pattern, verdict.split) == ("standardised", "X_val")
    assert np.array_equal(verdict.features, np.flatnonzero(c.shifted))
    assert verdict.standardisation_error is not None and verdict.standardisation_error < 1e-12
    assert verdict.fix is not None and not verdict.fix.costs_fit
    # without labels the fix cannot be checked: no verdict
    unlabelled = compared_splits(build_evidence(X_train=X_train, X_val=X_val))
    assert not unlabelled.rescaling.fires


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_missing_scaler_is_read_though_one_raw_feature_alone_is_rescaled_far(seed):
    # one raw feature in other units (sd about 6): left unscaled, it alone is rescaled 5x or more, and
    # a per-feature verdict on it fires; the missing scaler explains every shifted feature, not just it
    X, y = _wide_classification(seed)
    X[:, 0] *= 6.0
    X_train, X_val, y_train, y_val = X[:1000], X[1000:], y[:1000], y[1000:]
    X_train = StandardScaler().fit_transform(X_train)
    splits = compared_splits(build_evidence(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val))
    c = splits.comparison
    per_feature = rescaling_verdict(c, X_train, X_val)
    assert per_feature.fires and per_feature.pattern == "per-feature" and len(per_feature.features) == 1
    verdict = splits.rescaling
    assert (verdict.pattern, verdict.split) == ("standardised", "X_val") and verdict.fix is not None
    assert np.array_equal(verdict.features, np.flatnonzero(c.shifted)) and len(verdict.features) > 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_real_shift_on_standardised_training_rows_is_not_a_missing_scaler(seed):
    X, y = _wide_classification(seed)
    key = X.sum(axis=1)  # rows selected on the sum of the raw features: every feature moves a little
    low, high = key <= np.quantile(key, 0.6), key >= np.quantile(key, 0.7)
    scaler = StandardScaler().fit(X[low])  # both splits through the scaler fitted on the training rows
    X_train, X_val = scaler.transform(X[low]), scaler.transform(X[high])
    splits = compared_splits(build_evidence(X_train=X_train, y_train=y[low], X_val=X_val, y_val=y[high]))
    assert splits.comparison.shifted.any()
    assert partial_standardisation(splits.comparison, X_train, X_val) is None  # moved, not rescaled
    assert not splits.rescaling.fires

    rng = np.random.default_rng(seed)  # a wider population, labelled by the same rule: rescaled
    raw_t, raw_v = rng.normal(size=(1200, 20)), rng.normal(size=(600, 20))
    raw_v[:, :5] *= np.linspace(1.7, 2.6, 5)
    scaler = StandardScaler().fit(raw_t)
    X_train, X_val = scaler.transform(raw_t), scaler.transform(raw_v)
    y_train, y_val = ((m[:, 0] + m[:, 1] + m[:, 2] > 1.0).astype(np.int64) for m in (raw_t, raw_v))
    splits = compared_splits(build_evidence(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val))
    assert partial_standardisation(splits.comparison, X_train, X_val) is not None  # the data alone agree...
    assert not splits.rescaling.fires  # ... the fix worsens the fit: a shift


def test_each_split_standardised_on_its_own_is_no_partial_standardisation():
    X, _ = _wide_classification(0)
    X_train, X_val = StandardScaler().fit_transform(X[:1000]), StandardScaler().fit_transform(X[1000:])
    assert partial_standardisation(compare_features(X_train, X_val), X_train, X_val) is None


def test_a_real_shift_that_merely_looks_like_a_standardised_split_is_withdrawn_by_the_fix():
    X, y = load_breast_cancer(return_X_y=True)
    key = X[:, 1]  # train on the smoother 60% of tissue samples (mean texture), validate on the roughest 30%
    low, high = key <= np.quantile(key, 0.6), key >= np.quantile(key, 0.7)
    scaler = StandardScaler().fit(X[low])
    X_train, X_val = scaler.transform(X[low]), scaler.transform(X[high])
    comparison = compare_features(X_train, X_val)
    assert rescaling_verdict(comparison, X_train, X_val).pattern == "standardised"  # the features alone say so
    splits = compared_splits(build_evidence(X_train=X_train, y_train=y[low], X_val=X_val, y_val=y[high]))
    assert not splits.rescaling.fires  # standardising X_val by its own statistics worsens the fit
    assert compared_splits(build_evidence(X_train=X_train, X_val=X_val)).rescaling.fires  # no labels: no fix check
