"""An in-sample target encoding is found by its fingerprint even when validation is too small to show it lost.

Wine (the bundled set), 83 training and 48 validation rows, with a label-free customer id of
about two training rows per id, target-encoded on all training rows (each row's own label
included; one column per class but the first): the encoding's label association in validation
is near 0, but at 48 rows its loss is no more significant than chance over 15 features, so the
association-loss test found nothing (the corpus's held-out seeds 183, 343 and 391). On the
training rows the encoding is exactly the class share of the rows that share its value, which
chance does not do. Controls: the same ids encoded out-of-fold (each training row from the other
folds' rows: no fingerprint), and digits, whose 64 pixel columns have a few repeated values each
(a chance fit of a few values must not count). Three seeds each; diagnosed from the arrays.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import KFold

import gapdoctor
from gapdoctor.causes.preprocessing_leakage.label_means import in_sample_label_mean
from tests.seeds import each_seed

N_TRAIN, N_VAL = 83, 48
IDS_PER_ROW = 0.45  # about two training rows per id (the corpus's severe draws: 0.1 to 0.25 per row at 1,000 rows)
SCALE = 4.0  # the encoded columns' scale (as the corpus builds them)


def _wine(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_wine(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_VAL]
    centre, spread = X[train].mean(axis=0), X[train].std(axis=0)
    return (X[train] - centre) / spread, y[train], (X[val] - centre) / spread, y[val]


def _shares(keys: np.ndarray, labels: np.ndarray, n_classes: int) -> dict[int, np.ndarray]:
    return {int(k): np.bincount(labels[keys == k], minlength=n_classes) / (keys == k).sum() for k in np.unique(keys)}


def _encode(seed: int, y_train: np.ndarray, n_val: int, *, out_of_fold: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-class label share of a label-free id (all classes but the first), in-sample or out-of-fold."""
    rng = np.random.default_rng(seed + 1)
    n_ids = round(IDS_PER_ROW * len(y_train))
    keys_t, keys_v = rng.integers(0, n_ids, len(y_train)), rng.integers(0, n_ids, n_val)
    k = int(y_train.max()) + 1
    prior = np.bincount(y_train, minlength=k) / len(y_train)
    table = _shares(keys_t, y_train, k)
    val = np.vstack([table.get(int(key), prior) for key in keys_v])
    if out_of_fold:
        train = np.empty((len(y_train), k))
        for fit, held in KFold(5, shuffle=True, random_state=seed).split(keys_t):
            fold = _shares(keys_t[fit], y_train[fit], k)
            train[held] = np.vstack([fold.get(int(key), prior) for key in keys_t[held]])
    else:
        train = np.vstack([table[int(key)] for key in keys_t])
    return SCALE * train[:, 1:], SCALE * val[:, 1:]


@each_seed
def test_in_sample_target_encoding_on_small_wine_is_reported(seed):
    Xt, yt, Xv, yv = _wine(seed)
    et, ev = _encode(seed, yt, len(yv), out_of_fold=False)
    d = gapdoctor.diagnose(X_train=np.c_[Xt, et], y_train=yt, X_val=np.c_[Xv, ev], y_val=yv)
    found = [f for f in d.findings if f.check == "preprocessing_leakage.train_only_signal"]
    assert found and found[0].score >= 0.5, [(f.check, f.score) for f in d.findings]
    evidence = found[0].evidence
    assert evidence["label_mean_values"] >= 3 and evidence["label_mean_log10_p"] < -3
    assert str(evidence["leaky_1"]).split(":")[0] in ("x13", "x14")  # an encoded column, named first
    assert found[0].data["features"][0]["name"] in ("x13", "x14")  # the column the experiment drops first
    assert "out-of-fold" in found[0].fixes[0]


@each_seed
def test_out_of_fold_encoding_of_the_same_ids_has_no_fingerprint(seed):
    Xt, yt, Xv, yv = _wine(seed)
    et, ev = _encode(seed, yt, len(yv), out_of_fold=True)
    X_train, X_val = np.c_[Xt, et], np.c_[Xv, ev]
    assert in_sample_label_mean(X_train, yt, X_val, yv, 3, np.zeros(X_train.shape[1])) is None


@each_seed
def test_digits_pixels_are_no_label_mean(seed):
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val = order[:900], order[900:]
    # the largest loss z any pixel could bring: the fit alone must be significant first
    assert in_sample_label_mean(X[train], y[train], X[val], y[val], 10, np.full(64, 8.0)) is None


def test_validation_encoded_in_sample_too_is_no_train_only_signal():
    Xt, yt, Xv, yv = _wine(0)
    et, _ = _encode(0, yt, len(yv), out_of_fold=False)
    ev, _ = _encode(0, yv, len(yv), out_of_fold=False)  # validation rows encoded with their own labels
    X_train, X_val = np.c_[Xt, et], np.c_[Xv, ev]
    assert in_sample_label_mean(X_train, yt, X_val, yv, 3, np.zeros(X_train.shape[1])) is None
