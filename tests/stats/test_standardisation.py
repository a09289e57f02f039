"""stats.standardisation: a split standardised with its own statistics, and what standardising the other does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from gapdoctor.stats.standardisation import (
    BLOCK_ROWS,
    FIX_LOSS_Z,
    STANDARDISED_TOLERANCE,
    own_scale_fix,
    standardisation_error,
)


def _raw(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 3.0, size=(n, 5)) + np.arange(5) * 10.0


def test_a_split_standardised_by_a_fitted_scaler_is_exact_to_floating_point_precision():
    X = _raw(800, 0)
    assert standardisation_error(StandardScaler().fit_transform(X)) < 1e-12
    torch_like = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)  # sd with ddof 1 (torch, pandas)
    assert standardisation_error(torch_like) < 1e-12
    single = StandardScaler().fit_transform(X.astype(np.float32))
    assert single.dtype == np.float32 and standardisation_error(single) < STANDARDISED_TOLERANCE


def test_a_split_standardised_with_another_splits_statistics_is_not_exact():
    X = StandardScaler().fit_transform(_raw(2000, 1))
    half = X[np.random.default_rng(0).permutation(2000)[:1000]]  # a random half of standardised data
    assert standardisation_error(half) > 10 * STANDARDISED_TOLERANCE
    assert standardisation_error(_raw(500, 2)) > 1.0  # raw features


def test_missing_values_and_constant_columns_are_left_out_and_every_row_is_read():
    X = StandardScaler().fit_transform(_raw(BLOCK_ROWS + 500, 3))  # more than one block
    X[:, 2] = 0.0  # a constant column (StandardScaler writes 0)
    assert standardisation_error(X) < 1e-12
    X[-1, 0] = 1e6  # one row of the last block breaks it
    assert standardisation_error(X) > 1.0
    X = StandardScaler().fit_transform(_raw(300, 4))
    X[::7, 1] = np.nan  # missing after the scaling: the present values are no longer standardised
    assert standardisation_error(X) > STANDARDISED_TOLERANCE
    Z = _raw(300, 4)
    Z[::7, 1] = np.nan
    assert standardisation_error((Z - np.nanmean(Z, axis=0)) / np.nanstd(Z, axis=0)) < 1e-12
    assert math.isinf(standardisation_error(np.ones((20, 3))))


def _rule(X: np.ndarray) -> np.ndarray:
    return (X[:, 0] + X[:, 1] + X[:, 2] > 1.0).astype(np.int64)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standardising_a_split_the_scaler_missed_improves_the_fit(seed):
    rng = np.random.default_rng(seed)
    raw_t, raw_v = rng.normal(size=(1000, 10)) * 3.0 + 5.0, rng.normal(size=(500, 10)) * 3.0 + 5.0
    y_t, y_v = _rule((raw_t - 5.0) / 3.0), _rule((raw_v - 5.0) / 3.0)
    fix = own_scale_fix(StandardScaler().fit_transform(raw_t), y_t, raw_v, y_v)
    assert fix is not None and fix.rows == 500
    assert fix.log_loss_own_scaled < fix.log_loss_as_given and fix.z > FIX_LOSS_Z
    assert not fix.costs_fit


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standardising_a_wider_population_with_the_same_labelling_rule_worsens_the_fit(seed):
    # A real covariate shift that rescales: validation rows spread 1.7-2.6 times wider on five
    # features, labelled by the same rule. Moving them onto the training scale misplaces them.
    rng = np.random.default_rng(seed)
    raw_t, raw_v = rng.normal(size=(1200, 20)), rng.normal(size=(600, 20))
    raw_v[:, :5] *= np.linspace(1.7, 2.6, 5)
    scaler = StandardScaler().fit(raw_t)
    fix = own_scale_fix(scaler.transform(raw_t), _rule(raw_t), scaler.transform(raw_v), _rule(raw_v))
    # even the model the standardisation helps most (the trees; the linear model's z is about -8) fits worse
    assert fix is not None and not fix.confirms_missing_scaler and not fix.gains_fit
    assert fix.log_loss_own_scaled > fix.log_loss_as_given


def test_fix_needs_two_classes_and_copes_with_unseen_classes_and_missing_values():
    X = np.random.default_rng(0).normal(size=(200, 3))
    assert own_scale_fix(X[:100], np.zeros(100, dtype=np.int64), X[100:], np.zeros(100, dtype=np.int64)) is None
    y = (X[:, 0] > 0).astype(np.int64)
    y_other = y[100:].copy()
    y_other[:5] = 2  # a class the fitting split never showed
    X_other = X[100:] * 4.0
    X_other[::9, 1] = np.nan
    fix = own_scale_fix(X[:100], y[:100], X_other, y_other)
    assert fix is not None and np.isfinite([fix.z, fix.log_loss_as_given, fix.log_loss_own_scaled]).all()
