"""Recipes: noisy hyper-parameter searches, and the healthy runs."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification, make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from outside.registry import recipe
from outside.training import (
    Run,
    TorchCfg,
    digits,
    lr_epochs,
    mlp,
    quarters,
    r,
    scaled,
    sgd_logreg,
    sk_epochs,
    sk_run,
    split,
    th_run,
    with_fresh,
)

# ---- search noise ---------------------------------------------------------------------------


def _search(trial_runs: list[tuple[dict[str, Any], dict[str, list[float]], float]], n_val: int) -> Run:
    """A search as a Run: the trials for diagnose_search, and the trials' mean curves for the symptom check.

    A trial's value is its final validation accuracy. The symptom is read on the mean curves over the trials
    (the winner's own curve is biased towards a late rise by the selection itself).
    """
    trials = [{"params": p, "value": h["val_accuracy"][-1], "val_size": n_val, "history": h} for p, h, _ in trial_runs]
    vals = np.array([t["value"] for t in trials])
    fresh = np.array([f for _, _, f in trial_runs])
    best = int(vals.argmax())
    top5 = np.sort(vals)[-5:]
    p = vals.max()
    rho = spearmanr(vals, fresh)[0]
    sanity = {
        "n_trials": len(trials),
        "n_val": n_val,
        "top5_spread": r(top5.max() - top5.min()),
        "val_se_at_best": r(np.sqrt(p * (1 - p) / n_val)),
        "rank_corr_val_vs_fresh": None if np.isnan(rho) else r(rho, 3),
        "winner_fresh_rank": int((fresh > fresh[best]).sum()) + 1,
        "winner_fresh_minus_best_fresh": r(fresh[best] - fresh.max()),
    }
    mean = {
        k: [float(np.mean(col)) for col in zip(*(h[k] for _, h, _ in trial_runs), strict=True)]
        for k in ("train_loss", "val_accuracy")
    }
    return Run("accuracy", mean, sanity=sanity, trials=trials)


@recipe("search_noise_logreg_breast_cancer", "search_noise")
def _search_lr(seed: int) -> Run:
    """20 random values of C for logistic regression on the 10 "mean" features, ranked on 60 validation rows."""
    d = load_breast_cancer()
    X = d.data[:, :10]
    X_pool, X_fresh, y_pool, y_fresh = train_test_split(
        X, d.target, test_size=160, stratify=d.target, random_state=seed
    )
    X_tr, X_va, y_tr, y_va = split(X_pool, y_pool, 60, seed)
    X_tr, X_va, X_fresh = scaled(X_tr, X_va, X_fresh)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(20):
        params = {"C": float(10 ** rng.uniform(-2, 2))}
        model = LogisticRegression(C=params["C"], max_iter=1, warm_start=True)
        hist, _, fitted = lr_epochs(model, X_tr, y_tr, X_va, y_va, 30)
        out.append((params, hist, float(fitted.score(X_fresh, y_fresh))))
    return _search(out, 60)


@recipe("search_noise_mlp_three_classes", "search_noise")
def _search_mlp(seed: int) -> Run:
    """20 random MLP trials (width, alpha, learning rate) on a 3-class problem, ranked on 100 validation rows."""
    X, y = make_classification(
        4000, 12, n_informative=6, n_redundant=2, n_classes=3, class_sep=1.0, random_state=seed + 140
    )
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va, X_fresh, y_fresh = with_fresh(X, y, 2000, 100, seed, n_train=1200)
    rng = np.random.default_rng(seed)
    out = []
    for t in range(20):
        params = {
            "hidden": int(rng.choice([16, 32, 64])),
            "alpha": float(10 ** rng.uniform(-4, -1)),
            "lr": float(10 ** rng.uniform(-2.7, -2)),
        }
        model = mlp(
            seed + t, hidden_layer_sizes=(params["hidden"],), alpha=params["alpha"], learning_rate_init=params["lr"]
        )
        hist, _, fitted = sk_epochs(model, X_tr, y_tr, X_va, y_va, 50)
        out.append((params, hist, float(fitted.score(X_fresh, y_fresh))))
    return _search(out, 100)


# ---- healthy runs ---------------------------------------------------------------------------


@recipe("healthy_well_tuned_mlp", "healthy")
def _healthy_tuned(seed: int) -> Run:
    """Overlapping classes (no label flips), 2000 rows, a regularised MLP: converged at the task's ceiling."""
    X, y = make_classification(
        3500, 12, n_informative=6, n_redundant=2, class_sep=1.0, flip_y=0, random_state=seed + 120
    )
    X = StandardScaler().fit_transform(X)
    X_tr, X_va, y_tr, y_va = split(X, y, 1000, seed, n_train=2000)
    model = mlp(seed, hidden_layer_sizes=(64,), alpha=1e-2)
    run, _ = sk_run(model, X_tr, y_tr, X_va, y_va, 40, seed, oof_model=clone(model).set_params(max_iter=40))
    run.sanity = {"train_acc": r(run.history["train_accuracy"][-1]), "val_acc": r(run.history["val_accuracy"][-1])}
    return run


@recipe("healthy_early_stopped_torch_digits", "healthy")
def _healthy_early(seed: int) -> Run:
    """Digits, an MLP with weight decay, early stopping on validation loss (patience 5, best weights kept)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    cfg = TorchCfg(hidden=(128,), epochs=100, lr=1e-3, batch=64, weight_decay=1e-4, patience=5)
    run, _ = th_run(X_tr, y_tr, X_va, y_va, 10, cfg, seed)
    run.sanity = {"epochs_run": len(run.history["train_loss"]), "val_acc_final": r(run.history["val_accuracy"][-1])}
    return run


@recipe("healthy_slow_learner_breast_cancer", "healthy")
def _healthy_slow(seed: int) -> Run:
    """Breast cancer, logistic regression by SGD with a small step: still improving when training stops."""
    d = load_breast_cancer()
    X_tr, X_va, y_tr, y_va = split(d.data, d.target, 170, seed)
    X_tr, X_va = scaled(X_tr, X_va)
    model = sgd_logreg(seed, eta0=2e-4, alpha=1e-4)
    run, _ = sk_run(model, X_tr, y_tr, X_va, y_va, 30, seed, oof_model=clone(model).set_params(max_iter=30, tol=None))
    before, after = quarters(run.history["val_loss"])
    run.sanity = {"val_loss_drop_second_half": r(before - after), "val_acc": r(run.history["val_accuracy"][-1])}
    return run


@recipe("healthy_small_adequate_val_moons", "healthy")
def _healthy_small_val(seed: int) -> Run:
    """Two moons (noise 0.2), 800 training rows, an MLP converged; 150 validation rows are enough here."""
    X, y = make_moons(950, noise=0.2, random_state=seed + 130)
    X_tr, X_va, y_tr, y_va = split(X, y, 150, seed)
    model = mlp(seed, hidden_layer_sizes=(32, 32), alpha=1e-3, learning_rate_init=3e-3)
    run, _ = sk_run(model, X_tr, y_tr, X_va, y_va, 60, seed, oof_model=clone(model).set_params(max_iter=60))
    acc = run.history["val_accuracy"][-1]
    run.sanity = {"val_acc": r(acc), "val_se": r(np.sqrt(acc * (1 - acc) / 150))}
    return run
