"""Building a recipe: the drawn fault is the one made, and an infeasible recipe is refused before training."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.bench._common import Split
from gapdoctor.bench.corpus import build
from gapdoctor.bench.corpus.build import RecipeInfeasible, build_scenario
from gapdoctor.bench.corpus.draws import draw_params
from gapdoctor.bench.faults_pipeline import unscaled_validation


def test_relabelled_validation_is_never_the_identity() -> None:
    rng = np.random.default_rng(0)
    for k in (2, 3, 10):
        y = np.arange(200) % k
        for _ in range(20):
            relabelled = build._relabelled(y, rng)
            assert np.any(relabelled != y)
            assert sorted(np.bincount(relabelled)) == sorted(np.bincount(y))  # a permutation of the class ids


def test_label_shift_favours_low_classes_in_training_and_high_in_validation() -> None:
    y = np.repeat(np.arange(3), 500)
    train, val = build._label_shift_counts(y, 0.85)
    assert train[0] > train[1] > train[2] and val[0] < val[1] < val[2]
    assert all(t + v <= 500 for t, v in zip(train, val, strict=True))


def test_rare_positive_has_the_drawn_share_and_is_class_one() -> None:
    X = np.zeros((1000, 2))
    y = np.r_[np.zeros(600, dtype=np.int64), np.ones(400, dtype=np.int64)]
    _, y_rare = build._rare_positive(X, y, 0.05, np.random.default_rng(0))
    assert y_rare.mean() == pytest.approx(0.05, abs=0.005)


def test_a_class_too_rare_to_train_is_refused_before_training() -> None:
    params = draw_params(("pipeline_bug",), 0, ("logistic",))
    params.update(dataset="digits", split={"kind": "random", "train_share": 0.01})
    params.pop("data_options", None)
    with pytest.raises(RecipeInfeasible, match="training rows"):
        build_scenario(params, 0)


def test_a_shift_on_a_constant_feature_is_refused_rather_than_overlapping_the_splits() -> None:
    params = draw_params(("distribution_shift",), 0, ("logistic",))
    params.update(dataset="digits", split={"kind": "covariate_shift", "feature": 0, "train_q": 0.6, "val_q": 0.7})
    params.pop("data_options", None)
    with pytest.raises(RecipeInfeasible, match="splits would overlap"):  # pixel 0 of every digit is blank
        build_scenario(params, 0)


def test_a_group_with_a_one_row_class_is_refused_rather_than_failing_the_stratified_split() -> None:
    # corpus seed 165's first draw: wine, a 10% noisy group in which one class drew a single row
    params = draw_params(("subgroup_failure",), 165000, ("sklearn_mlp", "logistic", "torch_mlp"))
    assert params["dataset"] == "wine" and params["split"]["share"] == pytest.approx(0.105)
    with pytest.raises(RecipeInfeasible, match="stratified split needs 2"):
        build_scenario(params, 165000)


def test_unscaled_validation_leaves_a_constant_training_feature_finite() -> None:
    # corpus seed 376's first draw: digits, whose blank pixels have no spread in training
    rng = np.random.default_rng(0)
    X_train = np.c_[rng.normal(5.0, 2.0, (50, 2)), np.zeros(50)]
    data = unscaled_validation(Split(X_train, np.arange(50) % 2, X_train + 1.0, np.arange(50) % 2))
    assert np.isfinite(data.X_train).all() and np.allclose(data.X_train[:, 2], 0.0)
    assert np.allclose(data.X_train[:, :2].std(axis=0), 1.0)
    assert np.array_equal(data.X_val, X_train + 1.0)  # the validation features stay raw: the bug is kept


def test_a_validation_size_the_data_set_cannot_spare_is_refused_rather_than_failing_the_split() -> None:
    # corpus seed 2014's first draw: a healthy run with a small but adequate validation set of 100-200 rows,
    # drawn on wine (178 rows): all of them, leaving no training row (scikit-learn's train_size=0 error)
    params = draw_params((), 2014000, ("sklearn_mlp", "logistic", "torch_mlp"))
    assert params["dataset"] == "wine" and params["val_rows"] == 178
    with pytest.raises(RecipeInfeasible, match="of 178 rows on a data set of 178 leaves 0 training"):
        build_scenario(params, 2014000)
    params["val_rows"] = 100  # the same recipe with room left: 78 training rows, at least 5 of each class
    assert len(build_scenario(params, 2014000).arrays["y_train"]) == 78
