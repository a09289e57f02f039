"""An in-sample stacked feature is leakage although it keeps most of its label association in validation.

A k-NN label mean computed on the training rows themselves (each row is its own nearest
neighbour, so its value carries its own label) is a strong honest predictor too: its
association with the label drops from training to validation without collapsing, so the
"association collapses between splits" test cannot see it. The in-sample test judges the loss
on the Fisher-z scale, for a feature whose distribution is the same in both splits. Controls:
the same feature built out-of-fold (``cross_val_predict``: nothing to find), and labels a
stump produced from one feature on most training rows, given as a label source (the labels
follow the feature, not the other way round). Generated data (``make_classification``), three
seeds each; diagnosed from the arrays.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.tree import DecisionTreeClassifier

import gapdoctor
from tests.seeds import each_seed

K = 3  # neighbours of the stacked k-NN feature (the corpus draws 3 to 7)
WEIGHT = 3.0  # the stacked column's scale (a model sees it like any other standardised feature)
N_TRAIN, N_VAL = 1400, 800


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = make_classification(N_TRAIN + N_VAL, 20, n_informative=5, class_sep=0.8, flip_y=0.05, random_state=seed)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def _in_sample_knn(Xt: np.ndarray, yt: np.ndarray, Xv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label mean of the K nearest training rows, the row itself included for training rows."""
    knn = NearestNeighbors(n_neighbors=K).fit(Xt)
    train = yt[knn.kneighbors(Xt, return_distance=False)].mean(axis=1)
    val = yt[knn.kneighbors(Xv, return_distance=False)].mean(axis=1)
    return WEIGHT * train, WEIGHT * val


def _leakage(d: gapdoctor.Diagnosis) -> list[gapdoctor.Finding]:
    return [f for f in d.findings if f.check == "preprocessing_leakage.train_only_signal"]


@each_seed
def test_in_sample_knn_feature_is_reported_as_leakage(seed):
    Xt, yt, Xv, yv = _data(seed)
    ft, fv = _in_sample_knn(Xt, yt, Xv)
    d = gapdoctor.diagnose(X_train=np.c_[Xt, ft], y_train=yt, X_val=np.c_[Xv, fv], y_val=yv)
    found = _leakage(d)
    assert found and found[0].score >= 0.5, [(f.check, f.score) for f in d.findings]
    evidence = found[0].evidence
    assert str(evidence["leaky_1"]).startswith("x20:")  # the stacked column, named first
    assert evidence["features_fitted_in_sample"] == 1
    assert evidence["fisher_lost_low"] > 0 and evidence["fisher_z"] > 4
    assert found[0].data["features"][0]["name"] == "x20"  # the column the experiment drops
    assert "out-of-fold" in found[0].fixes[0]


@each_seed
def test_out_of_fold_knn_feature_is_not_leakage(seed):
    Xt, yt, Xv, yv = _data(seed)
    knn = KNeighborsClassifier(n_neighbors=K)
    ft = WEIGHT * cross_val_predict(knn, Xt, yt, cv=5, method="predict_proba")[:, 1]
    fv = WEIGHT * knn.fit(Xt, yt).predict_proba(Xv)[:, 1]
    d = gapdoctor.diagnose(X_train=np.c_[Xt, ft], y_train=yt, X_val=np.c_[Xv, fv], y_val=yv)
    assert all(f.score < 0.5 for f in _leakage(d)), [(f.check, f.score) for f in d.findings]


@each_seed
def test_labels_a_stump_made_from_one_feature_are_not_leakage_when_sources_are_given(seed):
    Xt, yt, Xv, yv = _data(seed)
    human = np.arange(N_TRAIN) < N_TRAIN // 4  # a quarter labelled by people, the rest by a stump
    stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(Xt[human], yt[human])
    y_mixed = np.where(human, yt, stump.predict(Xt))
    sources = np.where(human, "human", "pseudo")
    d = gapdoctor.diagnose(X_train=Xt, y_train=y_mixed, X_val=Xv, y_val=yv, sources_train=sources)
    assert all(f.score < 0.5 for f in _leakage(d)), [(f.check, f.score) for f in d.findings]
