"""stats.splits: the helpers the split checks share (feature names, numbered figures)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.datasets import load_digits

from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.splits import compare_features, feature_texts, homogeneity_test, name_of


def test_feature_texts_number_the_features_in_the_order_given_with_their_names() -> None:
    evidence = build_evidence(X_train=np.zeros((12, 3)), X_val=np.ones((12, 3)))
    texts = feature_texts(evidence, "leaky", [2, 0], lambda j: f"gap {j / 10:.1f}")
    assert texts == {"leaky_1": f"{name_of(evidence, 2)}: gap 0.2", "leaky_2": f"{name_of(evidence, 0)}: gap 0.0"}
    assert list(texts) == ["leaky_1", "leaky_2"]
    assert feature_texts(evidence, "leaky", [], str) == {}


def test_a_feature_without_a_name_is_called_by_its_column() -> None:
    evidence = build_evidence(X_train=np.zeros((12, 2)), X_val=np.ones((12, 2)))
    assert name_of(evidence, 7) == "x7"
    assert feature_texts(evidence, "affine", [7], lambda j: "val = 2 x train + 0") == {
        "affine_1": "x7: val = 2 x train + 0"
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_validation_row_with_a_pixel_value_training_never_showed_is_not_a_shift(seed: int) -> None:
    # digits pixels are compared as categories; 18 validation rows drawn from the same images, one of
    # them given a value of a rarely-inked pixel that training never shows. The chi-square approximation
    # read that one cell (expected count ~0.02) as p ~ 1e-6, a shifted feature (calibration-corpus seed 324).
    X, _ = load_digits(return_X_y=True)
    rows = np.random.default_rng(seed).permutation(len(X))
    X_train, X_val = X[rows[:750]].copy(), X[rows[750:768]].copy()
    column = int(np.argmax((X_train == 0).mean(axis=0) * (X_train.std(axis=0) > 0)))  # mostly blank, not constant
    X_val[0, column] = X_train[:, column].max() + 3
    comparison = compare_features(X_train, X_val)
    assert comparison.discrete[column]
    assert comparison.p_adjusted[column] > 0.05 and comparison.strength[column] == 0.0


def test_homogeneity_test_is_chi_square_when_every_category_is_well_filled() -> None:
    table = np.array([[120, 80, 60, 40], [30, 35, 20, 15]])
    assert homogeneity_test(table) == pytest.approx(tuple(sps.chi2_contingency(table, correction=False)[:2]))
    two = np.array([[300, 100], [12, 10]])  # two categories: Fisher's exact p-value, the chi-square statistic
    assert homogeneity_test(two)[1] == pytest.approx(sps.fisher_exact(two).pvalue)
    assert homogeneity_test(np.array([[500, 2], [20, 0]]))[1] == pytest.approx(1.0)  # exact at any count
