"""An in-sample k-NN stacking feature is found by rebuilding it, where one-column association is too weak.

Breast cancer (the bundled set), 350 training and 200 validation rows, standardised, with one
more column: the label mean of each row's 5 nearest training rows, counting the row itself for
training rows (``NearestNeighbors(5).fit(X).kneighbors(X)``) and honestly for validation rows,
times 3 (as the bench's ``breast-cancer-knn-stacking`` and the corpus's ``knn_stacking``
transform build it). Neighbours mostly agree on this data, so the row's own label changes one
training value in ten: the column's association falls only from about 0.89 to 0.80 epsilon²,
which the association-loss test does not report (z near 3.5 against 4 over 31 features). Rebuilt
from the other columns, the column is the in-sample mean on every training row, which chance does
not do. Control: the same feature built out-of-fold (each training row's neighbours from the other
folds, as ``cross_val_predict`` does): no fingerprint, and no finding from it. Three seeds each;
diagnosed from the arrays.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import KFold
from sklearn.neighbors import NearestNeighbors

import gapdoctor
from gapdoctor.causes.preprocessing_leakage.neighbour_means import in_sample_neighbour_mean
from tests.seeds import each_seed

N_TRAIN, N_VAL = 350, 200
K = 5  # neighbours of the stacked feature (the bench scenario's)
WEIGHT = 3.0  # the stacked column's scale (the bench scenario's)


def _cancer(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_VAL]
    centre, spread = X[train].mean(axis=0), X[train].std(axis=0)
    return (X[train] - centre) / spread, y[train], (X[val] - centre) / spread, y[val]


def _stacked(seed: int, *, out_of_fold: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The split with the k-NN label mean appended, in-sample or out-of-fold for the training rows."""
    Xt, yt, Xv, yv = _cancer(seed)
    knn = NearestNeighbors(n_neighbors=K).fit(Xt)
    val = yt[knn.kneighbors(Xv, return_distance=False)].mean(axis=1)
    if out_of_fold:
        train = np.empty(len(yt))
        for fit, held in KFold(5, shuffle=True, random_state=seed).split(Xt):
            fold = NearestNeighbors(n_neighbors=K).fit(Xt[fit])
            train[held] = yt[fit][fold.kneighbors(Xt[held], return_distance=False)].mean(axis=1)
    else:
        train = yt[knn.kneighbors(Xt, return_distance=False)].mean(axis=1)
    return np.c_[Xt, WEIGHT * train], yt, np.c_[Xv, WEIGHT * val], yv


@each_seed
def test_in_sample_knn_stacking_on_breast_cancer_is_reported(seed):
    Xt, yt, Xv, yv = _stacked(seed, out_of_fold=False)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    found = [f for f in d.findings if f.check == "preprocessing_leakage.train_only_signal"]
    assert found and found[0].score >= 0.5, [(f.check, f.score) for f in d.findings]
    evidence = found[0].evidence
    assert evidence["neighbour_mean_k"] == K and evidence["neighbour_mean_log10_p"] < -3
    assert evidence["neighbour_mean_rows_differing"] >= 10
    assert str(evidence["leaky_1"]).split(":")[0] == "x30"  # the stacked column, named first
    assert found[0].data["features"][0]["name"] == "x30"  # the column the experiment drops first
    assert "out-of-fold" in found[0].fixes[0]


@each_seed
def test_out_of_fold_knn_stacking_has_no_fingerprint(seed):
    Xt, yt, Xv, yv = _stacked(seed, out_of_fold=True)
    assert in_sample_neighbour_mean(Xt, yt, 2, np.zeros(Xt.shape[1])) is None
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert all("neighbour_mean_k" not in f.evidence for f in d.findings)


def test_a_column_with_missing_values_is_left_out_of_the_distances():
    Xt, yt, _, _ = _stacked(0, out_of_fold=False)
    extra = np.random.default_rng(0).normal(size=len(yt))
    extra[:7] = np.nan  # a column the stacking did not use, with missing values
    found = in_sample_neighbour_mean(np.c_[extra, Xt], yt, 2, np.zeros(Xt.shape[1] + 1))
    assert found is not None and found.feature == Xt.shape[1] and found.k == K
