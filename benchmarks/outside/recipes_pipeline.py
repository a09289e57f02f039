"""Recipes: optimisation, preprocessing leakage, pipeline bugs, pseudo-label noise, metric saturation."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_wine, make_blobs, make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from outside.registry import recipe
from outside.training import (
    Run,
    TorchCfg,
    digits,
    lr_epochs,
    mlp,
    r,
    scaled,
    sgd_logreg,
    sk_oof,
    sk_run,
    split,
    th_run,
    torch_run,
)

# ---- optimisation ---------------------------------------------------------------------------


@recipe("optimization_lr_too_high", "optimization")
def _opt_high_lr(seed: int) -> Run:
    """Adam at lr 0.05 (50x the usual) on a 2-layer MLP: the loss spikes and bounces instead of settling."""
    X, y = make_classification(3000, 20, n_informative=8, n_redundant=4, class_sep=1.0, random_state=seed + 70)
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    cfg = TorchCfg(hidden=(128, 128), epochs=40, lr=0.05, batch=32)
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 2, cfg, seed)
    good, _, _ = torch_run(X_tr, y_tr, X_va, y_va, 2, TorchCfg(**{**cfg.__dict__, "lr": 1e-3}), seed)
    tl = np.array(run.history["train_loss"])
    run.sanity = {
        "val_acc_final": r(run.history["val_accuracy"][-1]),
        "val_acc_final_lr_0001": r(good["val_accuracy"][-1]),
        "train_loss_final": r(tl[-1]),
        "train_loss_final_lr_0001": r(good["train_loss"][-1]),
        "epochs_loss_went_up": int((np.diff(tl) > 0).sum()),
    }
    return run


@recipe("optimization_lr_cut_too_early", "optimization")
def _opt_early_cut(seed: int) -> Run:
    """A step schedule with its milestone meant in epochs read in hundreds of steps: lr 0.05 -> 5e-6 after epoch 2."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    cfg = TorchCfg(
        hidden=(128,),
        epochs=60,
        lr=0.05,
        optimizer="sgd",
        momentum=0.9,
        batch=64,
        lr_at=lambda e: 0.05 if e < 2 else 5e-6,
    )
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 10, cfg, seed)
    fixed = TorchCfg(**{**cfg.__dict__, "lr_at": lambda e: 0.05 if e < 40 else 5e-3})
    good, _, _ = torch_run(X_tr, y_tr, X_va, y_va, 10, fixed, seed)
    run.sanity = {
        "val_acc_final": r(run.history["val_accuracy"][-1]),
        "val_acc_final_intended_schedule": r(good["val_accuracy"][-1]),
        "lr_after_cut": 5e-6,
    }
    return run


# ---- preprocessing leakage -------------------------------------------------------------------


@recipe("preprocessing_leakage_target_encoding", "preprocessing_leakage")
def _leak_te(seed: int) -> Run:
    """store_id (700 stores, unrelated to the label) target-encoded on the training rows, own label included.

    A PyTorch MLP is trained on the 8 real features plus the encoded store.
    """
    rng = np.random.default_rng(seed)
    X, y = make_classification(3000, 8, n_informative=4, n_redundant=1, class_sep=0.8, random_state=seed + 80)
    X = StandardScaler().fit_transform(X)
    store = rng.integers(0, 700, len(y))
    idx = rng.permutation(len(y))
    tr, va = idx[:1800], idx[1800:]
    sums = np.bincount(store[tr], weights=y[tr], minlength=700)
    counts = np.bincount(store[tr], minlength=700)
    prior = y[tr].mean()
    means = np.where(counts > 0, sums / np.maximum(counts, 1), prior)
    te = means[store]  # training rows include their own label; validation rows get the training means
    X_all = np.column_stack([X, te])
    cfg = TorchCfg(hidden=(64,), epochs=120, lr=1e-3, batch=64)
    run, _ = th_run(X_all[tr], y[tr], X_all[va], y[va], 2, cfg, seed)
    clean, _, _ = torch_run(X[tr], y[tr], X[va], y[va], 2, cfg, seed)
    run.sanity = {
        "te_auc_train": r(roc_auc_score(y[tr], te[tr])),
        "te_auc_val": r(roc_auc_score(y[va], te[va])),
        "val_acc": r(run.history["val_accuracy"][-1]),
        "val_acc_without_feature": r(clean["val_accuracy"][-1]),
    }
    return run


@recipe("preprocessing_leakage_label_in_pca", "preprocessing_leakage")
def _leak_pca(seed: int) -> Run:
    """Scaler + PCA fitted on the training table with the label column still in it; validation label column = 0."""
    X, y = make_classification(
        3000, 12, n_informative=5, n_redundant=3, n_classes=3, class_sep=0.7, random_state=seed + 90
    )
    X_tr0, X_va0, y_tr, y_va = split(X, y, 1000, seed, n_train=1500)
    table_tr = np.column_stack([X_tr0, y_tr])
    table_va = np.column_stack([X_va0, np.zeros(len(y_va))])  # label unknown at prediction time -> filled with 0
    scaler = StandardScaler().fit(table_tr)
    table_tr_s = scaler.transform(table_tr)
    table_tr_s[:, -1] *= 3.0  # the label column is an integer code: after scaling it still dominates a component
    pca = PCA(8, random_state=seed).fit(table_tr_s)
    t_va = scaler.transform(table_va)
    t_va[:, -1] *= 3.0
    Z_tr, Z_va = pca.transform(table_tr_s), pca.transform(t_va)
    model = LogisticRegression(max_iter=1, warm_start=True, C=10.0)
    hist, p_va, _ = lr_epochs(model, Z_tr, y_tr, Z_va, y_va, 40)
    oof = sk_oof(LogisticRegression(max_iter=40, C=10.0), Z_tr, y_tr, seed)
    run = Run(
        "accuracy",
        hist,
        {"X_train": Z_tr, "y_train": y_tr, "X_val": Z_va, "y_val": y_va, "train_probs": oof, "val_probs": p_va},
    )
    sc2 = StandardScaler().fit(X_tr0)
    clean = LogisticRegression(max_iter=500, C=10.0).fit(sc2.transform(X_tr0), y_tr)
    run.sanity = {
        "train_acc": r(hist["train_accuracy"][-1]),
        "val_acc": r(hist["val_accuracy"][-1]),
        "val_acc_clean_pipeline": r(clean.score(sc2.transform(X_va0), y_va)),
    }
    return run


# ---- pipeline bugs ----------------------------------------------------------------------------


@recipe("pipeline_bug_label_order", "pipeline_bug")
def _bug_label_order(seed: int) -> Run:
    """Training labels encoded by LabelEncoder on digit names (alphabetical), validation in numeric order."""
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1000)
    alpha = {n: i for i, n in enumerate(sorted(names))}
    y_tr_enc = np.array([alpha[n] for n in names[y_tr]])
    y_va_enc = y_va  # the validation loader used names.index -> numeric order
    model = mlp(seed, hidden_layer_sizes=(64,))
    run, fitted = sk_run(
        model, X_tr, y_tr_enc, X_va, y_va_enc, 60, seed, oof_model=clone(model).set_params(max_iter=60)
    )
    y_va_right = np.array([alpha[n] for n in names[y_va]])
    run.sanity = {
        "classes_whose_code_differs": int(sum(alpha[n] != i for i, n in enumerate(names))),
        "val_acc": r(run.history["val_accuracy"][-1]),
        "val_acc_with_right_encoding": r(accuracy_score(y_va_right, fitted.predict(X_va))),
    }
    return run


@recipe("pipeline_bug_val_not_standardised", "pipeline_bug")
def _bug_unscaled(seed: int) -> Run:
    """Wine: StandardScaler fitted and applied to the training rows; the validation rows were left raw."""
    d = load_wine()
    X_tr, X_va, y_tr, y_va = split(d.data, d.target, 68, seed)
    sc = StandardScaler().fit(X_tr)
    X_tr_s = sc.transform(X_tr)
    cfg = TorchCfg(hidden=(32,), epochs=80, lr=3e-3, batch=16)
    run, predict = th_run(X_tr_s, y_tr, X_va, y_va, 3, cfg, seed)
    run.sanity = {
        "val_acc": r(run.history["val_accuracy"][-1]),
        "val_acc_if_standardised": r(accuracy_score(y_va, predict(sc.transform(X_va)).argmax(1))),
        "max_feature_scale_val": r(np.abs(X_va).max(), 1),
    }
    return run


@recipe("pipeline_bug_val_labels_shifted", "pipeline_bug")
def _bug_shifted(seed: int) -> Run:
    """Breast cancer: validation labels read from a file whose rows are one off against the features."""
    d = load_breast_cancer()
    X_tr, X_va, y_tr, y_va = split(d.data, d.target, 170, seed)
    X_tr, X_va = scaled(X_tr, X_va)
    y_va_shifted = np.roll(y_va, 1)
    model = sgd_logreg(seed, eta0=0.01)
    run, fitted = sk_run(
        model, X_tr, y_tr, X_va, y_va_shifted, 40, seed, oof_model=clone(model).set_params(max_iter=40, tol=None)
    )
    run.sanity = {
        "val_acc": r(run.history["val_accuracy"][-1]),
        "val_acc_aligned": r(accuracy_score(y_va, fitted.predict(X_va))),
        "labels_changed_by_shift": r((y_va_shifted != y_va).mean()),
    }
    return run


# ---- pseudo-label noise -----------------------------------------------------------------------


@recipe("pseudo_label_noise_digits_nb_teacher", "pseudo_label_noise")
def _pseudo_digits(seed: int) -> Run:
    """250 hand-labelled digits; 950 more labelled by a Gaussian naive Bayes teacher fitted on them."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1200)
    rng = np.random.default_rng(seed)
    human = np.zeros(len(y_tr), bool)
    human[rng.permutation(len(y_tr))[:250]] = True
    teacher = GaussianNB().fit(X_tr[human], y_tr[human])
    y_used = y_tr.copy()
    y_used[~human] = teacher.predict(X_tr[~human])
    sources = np.where(human, "human", "pseudo")
    model = mlp(seed, hidden_layer_sizes=(128,))
    run, _ = sk_run(
        model, X_tr, y_used, X_va, y_va, 80, seed, oof_model=clone(model).set_params(max_iter=80), sources_train=sources
    )
    run.sanity = {
        "pseudo_error_rate": r((y_used != y_tr)[~human].mean()),
        "human_error_rate": 0.0,
        "pseudo_share": r((~human).mean()),
    }
    return run


@recipe("pseudo_label_noise_tree_teacher_torch", "pseudo_label_noise")
def _pseudo_tree(seed: int) -> Run:
    """300 labelled rows; a depth-4 tree fitted on them labels 1500 more; an MLP student learns from all."""
    X, y = make_classification(
        3000, 10, n_informative=6, n_redundant=2, n_classes=4, class_sep=1.2, random_state=seed + 100
    )
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va = split(X, y, 800, seed, n_train=1800)
    rng = np.random.default_rng(seed)
    human = np.zeros(len(y_tr), bool)
    human[rng.permutation(len(y_tr))[:300]] = True
    teacher = DecisionTreeClassifier(max_depth=4, random_state=seed).fit(X_tr[human], y_tr[human])
    y_used = y_tr.copy()
    y_used[~human] = teacher.predict(X_tr[~human])
    sources = np.where(human, "human", "pseudo")
    cfg = TorchCfg(hidden=(128, 64), epochs=80, lr=1e-3, batch=64)
    run, _ = th_run(X_tr, y_used, X_va, y_va, 4, cfg, seed, sources_train=sources)
    run.sanity = {
        "pseudo_error_rate": r((y_used != y_tr)[~human].mean()),
        "human_error_rate": 0.0,
        "pseudo_share": r((~human).mean()),
    }
    return run


# ---- metric saturation ------------------------------------------------------------------------


@recipe("metric_saturation_digits_0_vs_1", "metric_saturation")
def _sat_digits(seed: int) -> Run:
    """Telling 0s from 1s: validation accuracy is 1.0 within a few epochs, training goes on for 60."""
    X, y = digits()
    keep = y < 2
    X_tr, X_va, y_tr, y_va = split(X[keep], y[keep], 150, seed)
    model = mlp(seed, hidden_layer_sizes=(64,), batch_size=32)
    run, _ = sk_run(model, X_tr, y_tr, X_va, y_va, 60, seed, oof_model=clone(model).set_params(max_iter=60))
    va = np.array(run.history["val_accuracy"])
    run.sanity = {
        "first_epoch_val_acc_ge_099": int(np.argmax(va >= 0.99)) + 1 if (va >= 0.99).any() else None,
        "final_val_acc": r(va[-1]),
    }
    return run


@recipe("metric_saturation_blobs_torch", "metric_saturation")
def _sat_blobs(seed: int) -> Run:
    """Four well-separated blobs in 10 dimensions; an MLP trained for 80 epochs."""
    X, y = make_blobs(2000, n_features=10, centers=4, cluster_std=1.5, center_box=(-8, 8), random_state=seed + 110)
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed)
    cfg = TorchCfg(hidden=(64,), epochs=80, lr=1e-3, batch=64)
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 4, cfg, seed)
    va = np.array(run.history["val_accuracy"])
    run.sanity = {
        "first_epoch_val_acc_ge_099": int(np.argmax(va >= 0.99)) + 1 if (va >= 0.99).any() else None,
        "final_val_acc": r(va[-1]),
    }
    return run
