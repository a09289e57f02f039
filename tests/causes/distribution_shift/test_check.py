"""distribution_shift: covariate shift, label shift, and deferring to pipeline_bug on rescaling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.datasets import load_breast_cancer, load_wine, make_classification
from sklearn.model_selection import train_test_split

import gapdoctor
from gapdoctor.causes.distribution_shift.check import domain_classifier
from gapdoctor.stats.splits import bh_adjust, compare_features


def _split(X, y, seed=0):
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


def _scores(diagnosis, cause):
    return [f.score for f in diagnosis.findings if f.cause == cause]


def _selection_shift(X, y, column, seed=0):
    """Validation rows drawn with a probability rising with one feature: a real covariate shift."""
    rng = np.random.default_rng(seed)
    z = (X[:, column] - X[:, column].mean()) / X[:, column].std()
    p = 1 / (1 + np.exp(-2 * z))
    in_val = rng.random(len(X)) < 0.3 * p / p.mean()
    return X[~in_val], X[in_val], y[~in_val], y[in_val]


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
@pytest.mark.parametrize("seed", [0, 1])
def test_healthy_random_split_does_not_fire(loader, seed):
    X, y = loader(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y, seed)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert all(s < 0.5 for s in _scores(d, "distribution_shift"))


def test_healthy_large_generated_split_does_not_fire():
    X, y = make_classification(20_000, 20, n_informative=6, random_state=0)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.5, random_state=0)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert all(s < 0.5 for s in _scores(d, "distribution_shift"))


def test_covariate_shift_ranks_first_with_separating_features():
    data = load_breast_cancer()
    Xt, Xv, yt, yv = _selection_shift(data.data, data.target, column=0)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.cause == "distribution_shift"
    covariate = next(f for f in d.findings if f.check == "distribution_shift.covariate")
    assert covariate.score >= 0.5
    assert covariate.evidence["domain_auc_low"] > 0.5
    assert covariate.evidence["features_shifted"] >= 1
    plotted = covariate.data["features"]
    assert 1 <= len(plotted) <= 6
    assert len(plotted[0]["bin_edges"]) == len(plotted[0]["train"]) + 1 == len(plotted[0]["val"]) + 1


def test_shift_in_one_generated_feature_is_named():
    X, y = make_classification(4000, 10, n_informative=4, random_state=1)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.5, random_state=1)
    Xv = Xv.copy()
    Xv[:, 7] = Xv[:, 7] + 0.8 * Xv[:, 7].std()  # a sensor offset on one feature only
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.cause == "distribution_shift"
    assert d.top.evidence["features_shifted"] == 1
    assert str(d.top.evidence["shifted_1"]).startswith("x7:")
    assert "x7" in str(d.top.evidence["separating_1"])


def test_label_shift_ranks_first():
    X, y = load_breast_cancer(return_X_y=True)
    _, _, yt, yv = _split(X, y)
    keep = (yv != 0) | (np.arange(len(yv)) % 5 == 0)  # most malignant rows missing from validation
    d = gapdoctor.diagnose(y_train=yt, y_val=yv[keep])
    assert d.top is not None and d.top.check == "distribution_shift.label_shift"
    assert d.top.score >= 0.5
    assert "prior_0" in d.top.evidence


def test_affine_rescaled_split_is_a_pipeline_bug_not_a_shift():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    Xt_scaled = (Xt - Xt.mean(axis=0)) / Xt.std(axis=0)  # validation never went through the scaler
    d = gapdoctor.diagnose(X_train=Xt_scaled, y_train=yt, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.cause == "pipeline_bug"
    assert all(s < 0.5 for s in _scores(d, "distribution_shift"))
    assert d.top.score > max(_scores(d, "distribution_shift"), default=0.0)


def test_units_changed_in_validation_defers_to_pipeline_bug():
    X, y = load_wine(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv * 1000.0, y_val=yv)
    assert d.top is not None and d.top.cause == "pipeline_bug"
    assert all(s < 0.5 for s in _scores(d, "distribution_shift"))


def test_per_feature_tests_use_chi_square_for_categories_and_correct_for_many_features():
    rng = np.random.default_rng(0)
    a = np.c_[rng.integers(0, 3, 2000), rng.normal(size=(2000, 5))].astype(float)
    b = np.c_[rng.choice(3, 2000, p=[0.6, 0.2, 0.2]), rng.normal(size=(2000, 5))].astype(float)
    comparison = compare_features(a, b)
    assert comparison.discrete.tolist() == [True] + [False] * 5
    assert comparison.shifted.tolist() == [True] + [False] * 5
    table = np.array([np.bincount(a[:, 0].astype(int)), np.bincount(b[:, 0].astype(int))])
    assert comparison.p_value[0] == pytest.approx(sps.chi2_contingency(table, correction=False).pvalue)
    assert comparison.effect[0] == pytest.approx(0.5 * np.abs(table[0] / 2000 - table[1] / 2000).sum())


def test_bh_adjust_matches_scipy():
    p = np.random.default_rng(3).uniform(size=40) ** 3
    assert np.allclose(bh_adjust(p), sps.false_discovery_control(p, method="bh"))


def test_domain_classifier_interval_covers_chance_on_healthy_split():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, _, _ = _split(X, y)
    result = domain_classifier(Xt, Xv, candidates=[0, 1])
    assert result.low <= 0.5 <= result.high
    assert result.importance == {}  # not separable: no importance computed


def test_feature_comparison_is_reused_but_never_keeps_arrays_alive():
    import gc
    import weakref

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    first = compare_features(a, b)
    assert compare_features(a, b) is first  # same arrays: computed once per diagnosis
    assert compare_features(a.copy(), b) is not first
    alive = weakref.ref(a)
    del a
    gc.collect()
    assert alive() is None


def test_every_feature_moved_on_correctly_scaled_splits_is_a_shift():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    mean, sd = Xt.mean(axis=0), Xt.std(axis=0)
    Xt_scaled, Xv_scaled = (Xt - mean) / sd, (Xv - mean) / sd + 0.6  # same scaler; validation drifted
    d = gapdoctor.diagnose(X_train=Xt_scaled, y_train=yt, X_val=Xv_scaled, y_val=yv)
    assert d.top is not None and d.top.cause == "distribution_shift"
    assert all(f.score < 0.5 for f in d.findings if f.cause == "pipeline_bug")


def test_a_feature_column_never_observed_does_not_break_the_domain_classifier() -> None:
    rng = np.random.default_rng(0)
    X_train, X_val = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
    X_train[:, 1], X_val[:, 1] = np.nan, np.nan  # the booster cannot bin an all-missing column
    diagnosis = gapdoctor.diagnose(X_train=X_train, X_val=X_val)
    run = next(c for c in diagnosis.checks if c.name == "distribution_shift.covariate")
    assert run.status == "ran" and not run.warnings, run


def test_a_column_carrying_training_labels_is_left_out_of_a_genuine_shift_and_named() -> None:
    data = load_breast_cancer()
    Xt, Xv, yt, yv = _selection_shift(data.data, data.target, column=0)
    rng = np.random.default_rng(0)
    ids_t, ids_v = rng.integers(0, len(yt), len(yt)), rng.integers(0, len(yt), len(yv))
    frequency = {i: yt[ids_t == i].mean() for i in set(ids_t)}  # fitted on every training row: in-sample
    enc_t = np.array([frequency[i] for i in ids_t])
    enc_v = np.array([frequency.get(i, yt.mean()) for i in ids_v])
    d = gapdoctor.diagnose(X_train=np.c_[Xt, enc_t], y_train=yt, X_val=np.c_[Xv, enc_v], y_val=yv)
    covariate = next(f for f in d.findings if f.check == "distribution_shift.covariate")
    assert covariate.score >= 0.5  # the genuine shift is still reported
    assert covariate.evidence["features_excluded_as_leakage"] == 1
    assert str(covariate.evidence["excluded_1"]).startswith("x30: label association train")
    assert "left out" in covariate.summary
    shown = [str(v) for k, v in covariate.evidence.items() if k.startswith(("shifted_", "separating_"))]
    assert shown and not any(v.startswith("x30:") for v in shown)
    assert "x30" not in [p["name"] for p in covariate.data["features"]]
    leakage = next(f for f in d.findings if f.cause == "preprocessing_leakage")
    assert leakage.score >= 0.5 and str(leakage.evidence["leaky_1"]).startswith("x30:")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pseudo_labels_biased_prior_is_not_a_label_shift(seed):
    # 970 of 1000 training rows labelled by a naive-Bayes teacher fitted on 30 rows: its errors
    # move the training prior (total variation 0.2-0.4, p far below 0.001) while the rows are
    # drawn like validation's. A classifier of the validation labels predicts the same class mix
    # on both splits, so the prior change is not carried by the features. Dropping 60% of class
    # 0's training rows (a real label shift) moves the features with the mix and stays reported.
    from sklearn.naive_bayes import GaussianNB

    X, y = make_classification(
        n_samples=1500, n_features=30, n_informative=5, n_redundant=4, n_classes=3, class_sep=1.2, random_state=seed
    )
    pseudo = y[:1000].copy()
    pseudo[30:] = GaussianNB().fit(X[:30], y[:30]).predict(X[30:1000])
    d = gapdoctor.diagnose(X_train=X[:1000], y_train=pseudo, X_val=X[1000:], y_val=y[1000:])
    assert all(f.score < 0.5 for f in d.findings if f.check == "distribution_shift.label_shift")
    keep = np.flatnonzero((y[:1000] != 0) | (np.random.default_rng(seed).random(1000) < 0.4))
    d = gapdoctor.diagnose(X_train=X[keep], y_train=y[keep], X_val=X[1000:], y_val=y[1000:])
    found = [f for f in d.findings if f.check == "distribution_shift.label_shift"]
    assert found and found[0].score >= 0.5
    assert found[0].evidence["prior_change_in_features_low"] > 0.0  # the features carry the change


def test_a_validation_class_the_training_split_never_has_is_reported_and_named():
    # wine: training rows of classes 0 and 1 only; class 2 is 6% of the validation rows (a share the priors'
    # test alone would call a small difference), and no model trained on these rows predicts it
    _, y = load_wine(return_X_y=True)
    yt = y[y != 2]
    yv = np.concatenate([y[y == 0][:25], y[y == 1][:22], y[y == 2][:3]])
    d = gapdoctor.diagnose(y_train=yt, y_val=yv)
    (found,) = [f for f in d.findings if f.check == "distribution_shift.label_shift"]
    assert found.score >= 0.5, d.render()
    assert found.evidence["unseen_classes"] == "2" and found.evidence["unseen_share"] == pytest.approx(0.06)
    assert "never has" in found.summary and "Shuffle the rows before splitting" in found.fixes[0]
    seen_only = gapdoctor.diagnose(y_train=y, y_val=yv)  # every class in training: no such figure
    assert all("unseen_classes" not in f.evidence for f in seen_only.findings)
