"""Recipes: overfitting, label noise, metric mismatch, distribution shift, small validation sets, sub-populations."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.preprocessing import StandardScaler

from outside.registry import recipe
from outside.training import (
    Run,
    TorchCfg,
    best_threshold_f1,
    digits,
    lr_epochs,
    mlp,
    quarters,
    r,
    sk_epochs,
    sk_oof,
    sk_run,
    split,
    th_run,
    with_fresh,
)

# ---- overfitting -----------------------------------------------------------------------------


@recipe("overfitting_digits_wide_mlp", "overfitting")
def _overfit_digits(seed: int) -> Run:
    """120 digit images, a 512-unit MLP with no weight decay, Adam at 3e-3, 200 epochs."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed, n_train=120)
    model = mlp(seed, hidden_layer_sizes=(512,), alpha=0.0, batch_size=32, learning_rate_init=3e-3)
    run, _ = sk_run(model, X_tr, y_tr, X_va, y_va, 200, seed, oof_model=clone(model).set_params(max_iter=200))
    vl = np.array(run.history["val_loss"])
    run.sanity = {
        "val_loss_min_epoch": int(vl.argmin()) + 1,
        "val_loss_rise": r(vl[-1] / vl.min() - 1),
        "final_train_acc": r(run.history["train_accuracy"][-1]),
        "final_val_acc": r(run.history["val_accuracy"][-1]),
    }
    return run


@recipe("overfitting_torch_many_features", "overfitting")
def _overfit_torch(seed: int) -> Run:
    """150 rows x 40 features (6 informative), a 256x256 MLP, Adam, 250 epochs, no regularisation."""
    X, y = make_classification(1200, 40, n_informative=6, n_redundant=0, class_sep=0.8, random_state=seed)
    X_tr, X_va, y_tr, y_va = split(X, y, 800, seed, n_train=150)
    cfg = TorchCfg(hidden=(256, 256), epochs=250, lr=1e-3, batch=32)
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 2, cfg, seed)
    vl, va = np.array(run.history["val_loss"]), np.array(run.history["val_accuracy"])
    run.sanity = {
        "val_loss_min_epoch": int(vl.argmin()) + 1,
        "val_loss_rise": r(vl[-1] / vl.min() - 1),
        "final_train_acc": r(run.history["train_accuracy"][-1]),
        "final_val_acc": r(va[-1]),
    }
    return run


# ---- label noise -----------------------------------------------------------------------------


@recipe("label_noise_digits_symmetric", "label_noise")
def _noise_digits(seed: int) -> Run:
    """30% of training digit labels replaced by a random other digit; validation labels clean."""
    rng = np.random.default_rng(seed)
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1000)
    flip = rng.random(len(y_tr)) < 0.30
    y_noisy = y_tr.copy()
    y_noisy[flip] = (y_tr[flip] + rng.integers(1, 10, flip.sum())) % 10
    model = mlp(seed, hidden_layer_sizes=(256,), batch_size=64)
    run, _ = sk_run(model, X_tr, y_noisy, X_va, y_va, 120, seed, oof_model=clone(model).set_params(max_iter=120))
    run.sanity = {"share_flipped": r((y_noisy != y_tr).mean()), "final_train_acc": r(run.history["train_accuracy"][-1])}
    return run


@recipe("label_noise_torch_class_conditional", "label_noise")
def _noise_torch(seed: int) -> Run:
    """Annotators confuse classes: 40% of class 0 labelled 1, 25% of class 2 labelled 0."""
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        2400, 12, n_informative=6, n_redundant=2, n_classes=3, class_sep=1.2, random_state=seed + 10
    )
    X_tr, X_va, y_tr, y_va = split(X, y, 800, seed)
    y_noisy = y_tr.copy()
    u = rng.random(len(y_tr))
    y_noisy[(y_tr == 0) & (u < 0.40)] = 1
    y_noisy[(y_tr == 2) & (u < 0.25)] = 0
    cfg = TorchCfg(hidden=(128, 128), epochs=100, lr=1e-3, batch=64)
    run, _ = th_run(X_tr, y_noisy, X_va, y_va, 3, cfg, seed)
    run.sanity = {
        "share_flipped": r((y_noisy != y_tr).mean()),
        "flipped_0_to_1": r(((y_tr == 0) & (y_noisy == 1)).sum() / (y_tr == 0).sum()),
        "flipped_2_to_0": r(((y_tr == 2) & (y_noisy == 0)).sum() / (y_tr == 2).sum()),
    }
    return run


# ---- metric mismatch ------------------------------------------------------------------------


def _threshold_sanity(run: Run, y: np.ndarray, y_va: np.ndarray, y_fresh: np.ndarray, p_fresh: np.ndarray) -> dict:
    """The mismatch is real: a threshold tuned on the validation rows gains F1 on a fresh split."""
    t, f1_val_best = best_threshold_f1(y_va, run.data["val_probs"][:, 1])
    return {
        "positive_share": r(y.mean()),
        "val_f1_at_05": r(run.history["val_f1"][-1]),
        "val_f1_best_threshold": r(f1_val_best),
        "threshold": r(t, 2),
        "fresh_f1_at_05": r(f1_score(y_fresh, p_fresh >= 0.5)),
        "fresh_f1_at_val_threshold": r(f1_score(y_fresh, p_fresh >= t)),
    }


@recipe("metric_mismatch_sgd_imbalanced_f1", "metric_mismatch")
def _mismatch_sgd(seed: int) -> Run:
    """8% positives, overlapping classes, logistic regression (one lbfgs iteration per epoch), F1 at 0.5."""
    X, y = make_classification(
        6000, 20, n_informative=4, n_redundant=2, weights=[0.92], class_sep=0.7, flip_y=0, random_state=seed + 20
    )
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va, X_fresh, y_fresh = with_fresh(X, y, 1500, 1500, seed)
    hist, p_va, fitted = lr_epochs(LogisticRegression(max_iter=1, warm_start=True), X_tr, y_tr, X_va, y_va, 80, "f1")
    oof = sk_oof(LogisticRegression(max_iter=200), X_tr, y_tr, seed)
    data = {"X_train": X_tr, "y_train": y_tr, "X_val": X_va, "y_val": y_va, "train_probs": oof, "val_probs": p_va}
    run = Run("f1", hist, data)
    run.sanity = _threshold_sanity(run, y, y_va, y_fresh, fitted.predict_proba(X_fresh)[:, 1])
    return run


@recipe("metric_mismatch_torch_weight_decay", "metric_mismatch")
def _mismatch_torch(seed: int) -> Run:
    """7% positives; a small MLP with strong weight decay (1e-2) whose positives rarely pass 0.5; F1 at 0.5."""
    X, y = make_classification(
        9000, 15, n_informative=4, n_redundant=2, weights=[0.93], class_sep=0.7, flip_y=0, random_state=seed + 25
    )
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va, X_fresh, y_fresh = with_fresh(X, y, 2000, 1500, seed, n_train=4000)
    cfg = TorchCfg(hidden=(16,), epochs=120, lr=3e-3, batch=128, weight_decay=1e-2)
    run, predict = th_run(X_tr, y_tr, X_va, y_va, 2, cfg, seed, metric="f1")
    run.sanity = _threshold_sanity(run, y, y_va, y_fresh, predict(X_fresh)[:, 1])
    return run


# ---- distribution shift ---------------------------------------------------------------------


def domain_auc(A: np.ndarray, B: np.ndarray, seed: int) -> float:
    X = np.vstack([A, B])
    d = np.r_[np.zeros(len(A)), np.ones(len(B))]
    p = cross_val_predict(
        LogisticRegression(max_iter=500),
        X,
        d,
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
        method="predict_proba",
    )[:, 1]
    return float(roc_auc_score(d, p))


@recipe("distribution_shift_region", "distribution_shift")
def _shift_region(seed: int) -> Run:
    """Trained on last year's customers (feature 0 low), validated on this year's (feature 0 high)."""
    X, y = make_classification(
        6000, 10, n_informative=5, n_redundant=2, class_sep=1.0, shuffle=False, random_state=seed + 30
    )
    X = StandardScaler().fit_transform(X)  # column 0 is informative (shuffle=False)
    lo, hi = np.quantile(X[:, 0], [0.5, 0.75])
    rng = np.random.default_rng(seed)
    tr_idx = rng.permutation(np.flatnonzero(X[:, 0] < lo))[:1500]
    va_idx = rng.permutation(np.flatnonzero(X[:, 0] > hi))[:800]
    rest = np.setdiff1d(np.flatnonzero(X[:, 0] < lo), tr_idx)[:800]
    model = mlp(seed, hidden_layer_sizes=(64,))
    run, fitted = sk_run(
        model, X[tr_idx], y[tr_idx], X[va_idx], y[va_idx], 120, seed, oof_model=clone(model).set_params(max_iter=120)
    )
    run.sanity = {
        "domain_auc": r(domain_auc(X[tr_idx], X[va_idx], seed)),
        "in_dist_acc": r(accuracy_score(y[rest], fitted.predict(X[rest]))),
        "val_acc": r(run.history["val_accuracy"][-1]),
    }
    return run


@recipe("distribution_shift_digits_new_scanner", "distribution_shift")
def _shift_scanner(seed: int) -> Run:
    """Validation digits come from a new scanner: fainter strokes, a grey background, sensor noise."""
    rng = np.random.default_rng(seed)
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed)
    X_va_clean = X_va.copy()
    X_va = np.clip(0.55 * X_va + 0.2 + rng.normal(0, 0.12, X_va.shape), 0, 1)
    cfg = TorchCfg(hidden=(128,), epochs=60, lr=1e-3, batch=64)
    run, predict = th_run(X_tr, y_tr, X_va, y_va, 10, cfg, seed)
    run.sanity = {
        "domain_auc": r(domain_auc(X_tr, X_va, seed)),
        "acc_on_same_rows_old_scanner": r(accuracy_score(y_va, predict(X_va_clean).argmax(1))),
        "val_acc": r(run.history["val_accuracy"][-1]),
    }
    return run


@recipe("distribution_shift_class_priors", "distribution_shift")
def _shift_priors(seed: int) -> Run:
    """Training rows are 70/20/10 over three classes; the validation month is 10/20/70."""
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        12000, 10, n_informative=5, n_redundant=2, n_classes=3, class_sep=0.8, random_state=seed + 40
    )
    X = StandardScaler().fit_transform(X)
    pools = [rng.permutation(np.flatnonzero(y == c)) for c in range(3)]
    n_tr, n_va = (1400, 400, 200), (80, 160, 560)
    tr_idx = np.concatenate([p[:n] for p, n in zip(pools, n_tr, strict=True)])
    va_idx = np.concatenate([p[2000 : 2000 + n] for p, n in zip(pools, n_va, strict=True)])
    same_idx = np.concatenate([p[3000 : 3000 + n] for p, n in zip(pools, (560, 160, 80), strict=True)])
    model = mlp(seed, hidden_layer_sizes=(32,), learning_rate_init=1e-2)
    run, fitted = sk_run(
        model, X[tr_idx], y[tr_idx], X[va_idx], y[va_idx], 100, seed, oof_model=clone(model).set_params(max_iter=100)
    )
    run.sanity = {
        "train_priors": [r(np.mean(y[tr_idx] == c), 3) for c in range(3)],
        "val_priors": [r(np.mean(y[va_idx] == c), 3) for c in range(3)],
        "acc_at_train_priors": r(accuracy_score(y[same_idx], fitted.predict(X[same_idx]))),
        "val_acc": r(run.history["val_accuracy"][-1]),
    }
    return run


# ---- small validation set -------------------------------------------------------------------


@recipe("small_validation_set_digits_sgd", "small_validation_set")
def _small_val_digits(seed: int) -> Run:
    """A slowly improving MLP (plain SGD with momentum) on digits, checked on 30 validation images."""
    X, y = digits()
    X_pool, X_big, y_pool, y_big = train_test_split(X, y, test_size=500, stratify=y, random_state=seed)
    X_tr, X_va, y_tr, y_va = split(X_pool, y_pool, 30, seed, n_train=1200)
    model = mlp(seed, hidden_layer_sizes=(64,), solver="sgd", learning_rate_init=3e-3, momentum=0.9)
    classes = np.arange(10)
    hist, p_va, _ = sk_epochs(model, X_tr, y_tr, X_va, y_va, 60, "accuracy", classes, extra={"big": (X_big, y_big)})
    oof = sk_oof(clone(model).set_params(max_iter=60), X_tr, y_tr, seed)
    big = hist.pop("_big")
    before, after = quarters(big)
    run = Run(
        "accuracy",
        hist,
        {"X_train": X_tr, "y_train": y_tr, "X_val": X_va, "y_val": y_va, "train_probs": oof, "val_probs": p_va},
    )
    run.sanity = {
        "n_val": 30,
        "big_val_gain_second_half": r(after - before),
        "big_val_acc_final": r(big[-1]),
        "val_se": r(np.sqrt(big[-1] * (1 - big[-1]) / 30)),
    }
    return run


@recipe("small_validation_set_torch_25_rows", "small_validation_set")
def _small_val_torch(seed: int) -> Run:
    """A small MLP by plain SGD on a 2-class problem, still improving, checked on 25 validation rows."""
    X, y = make_classification(3500, 16, n_informative=8, n_redundant=2, class_sep=0.7, random_state=seed + 50)
    X = StandardScaler().fit_transform(X)
    X_pool, X_big, y_pool, y_big = train_test_split(X, y, test_size=1500, stratify=y, random_state=seed)
    X_tr, X_va, y_tr, y_va = split(X_pool, y_pool, 25, seed, n_train=1500)
    cfg = TorchCfg(hidden=(64,), epochs=60, lr=0.01, optimizer="sgd", batch=32)
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 2, cfg, seed, extra={"big": (X_big, y_big)})
    big = run.history.pop("_big")
    before, after = quarters(big)
    run.sanity = {
        "n_val": 25,
        "big_val_gain_second_half": r(after - before),
        "big_val_acc_final": r(big[-1]),
        "val_se": r(np.sqrt(big[-1] * (1 - big[-1]) / 25)),
    }
    return run


# ---- subgroup failure ---------------------------------------------------------------------------


def group_acc(y: np.ndarray, proba: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    return {str(g): r(accuracy_score(y[groups == g], proba[groups == g].argmax(1)), 3) for g in np.unique(groups)}


@recipe("subgroup_failure_older_patients", "subgroup_failure")
def _subgroup_age(seed: int) -> Run:
    """For the oldest 7% of patients the marker means the opposite; the model never learns them."""
    X, y = make_classification(6000, 8, n_informative=4, n_redundant=0, class_sep=1.2, random_state=seed + 60)
    rng = np.random.default_rng(seed)
    age = rng.normal(50, 12, len(y))
    old = age > np.quantile(age, 0.93)
    y = np.where(old, 1 - y, y)
    X = StandardScaler().fit_transform(np.column_stack([X, age]))
    groups = np.where(old, "age_70_plus", "under_70")
    idx = rng.permutation(len(y))
    tr, va = idx[:2000], idx[2000:3500]
    model = mlp(seed, hidden_layer_sizes=(64,), learning_rate_init=3e-3)
    run, _ = sk_run(
        model,
        X[tr],
        y[tr],
        X[va],
        y[va],
        100,
        seed,
        oof_model=clone(model).set_params(max_iter=100),
        groups_train=groups[tr],
        groups_val=groups[va],
    )
    run.sanity = {
        "group_share_val": r(old[va].mean(), 3),
        "val_acc_by_group": group_acc(y[va], run.data["val_probs"], groups[va]),
    }
    return run


@recipe("subgroup_failure_digits_sideways_scans", "subgroup_failure")
def _subgroup_digits(seed: int) -> Run:
    """5% of the forms were fed sideways (image rotated 90 degrees); same share in both splits."""
    rng = np.random.default_rng(seed)
    X, y = digits()
    mirrored = rng.random(len(y)) < 0.05
    X = X.copy()
    X[mirrored] = np.rot90(X[mirrored].reshape(-1, 8, 8), axes=(1, 2)).reshape(-1, 64)
    groups = np.where(mirrored, "scanner_b", "scanner_a")
    idx = rng.permutation(len(y))
    tr, va = idx[:1000], idx[1000:]
    cfg = TorchCfg(hidden=(64,), epochs=100, lr=2e-3, batch=64, weight_decay=1e-4)
    run, _ = th_run(X[tr], y[tr], X[va], y[va], 10, cfg, seed, groups_train=groups[tr], groups_val=groups[va])
    run.sanity = {
        "group_share_val": r(mirrored[va].mean(), 3),
        "val_acc_by_group": group_acc(y[va], run.data["val_probs"], groups[va]),
    }
    return run
