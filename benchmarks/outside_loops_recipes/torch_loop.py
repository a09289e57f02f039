"""Plain PyTorch loop recipes, recorded with ``gapdoctor.torch.Monitor`` exactly as the README shows.

What the user hands gapdoctor (README, "Inside your training loop", plain PyTorch):
``Monitor(optimizer=optimizer, train_loader=train_loader)`` (plus ``metric="f1"`` when the run is
judged on F1, as the README says), ``monitor.log_batch(loss, logits=logits, labels=y)`` after every
optimizer step, ``monitor.log_validation(y_val, logits=val_logits)`` and
``monitor.end_epoch(val_loss=..., val_<metric>=...)`` after each epoch (the module docstring's form),
then ``monitor.diagnose()`` with no arguments. ``store=`` is left at its default (the run store is
pointed at a scratch file through ``$GAPDOCTOR_STORE`` by the runner).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from outside.training import torch_net as mlp  # the network of the first outside yardstick (benchmarks/outside)

from .common import (
    Run,
    best_threshold_f1,
    curve_facts,
    digits,
    flip_facts,
    flip_labels,
    metric_of,
    overfit_facts,
    r,
    recipe,
    split,
    standardise,
    synthetic,
)

FW = "torch_loop"


@dataclass
class Cfg:
    hidden: tuple[int, ...] = (64,)
    epochs: int = 40
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch: int = 32
    patience: int | None = None  # early stopping on val loss, best weights restored


def train(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    n_classes: int,
    cfg: Cfg,
    seed: int,
    diagnose: bool,
    metric: str = "accuracy",
    side: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[Run, Callable[[np.ndarray], np.ndarray]]:
    """The tutorial loop, with the README's monitor lines when ``diagnose``."""
    torch.manual_seed(seed)
    model = mlp(X_tr.shape[1], n_classes, cfg.hidden)
    if cfg.optimizer == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam(
            model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    X_train, y_train = torch.tensor(X_tr, dtype=torch.float32), torch.tensor(y_tr, dtype=torch.long)
    X_val, y_val = torch.tensor(X_va, dtype=torch.float32), torch.tensor(y_va, dtype=torch.long)
    train_loader = DataLoader(
        TensorDataset(X_train, y_train),
        batch_size=cfg.batch,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    monitor = None
    passed: dict[str, Any] = {}
    if diagnose:
        import gapdoctor.torch

        options: dict[str, Any] = {} if metric == "accuracy" else {"metric": metric}
        monitor = gapdoctor.torch.Monitor(optimizer=optimizer, train_loader=train_loader, **options)
        passed = {
            "integration": "gapdoctor.torch.Monitor(optimizer=optimizer, train_loader=train_loader"
            + (f", metric={metric!r})" if options else ")"),
            "per_batch": "monitor.log_batch(loss, logits=logits, labels=y)",
            "per_epoch": f"monitor.log_validation(y_val, logits=val_logits); "
            f"monitor.end_epoch(val_loss=..., val_{metric}=...)",
            "diagnose": "monitor.diagnose()",
        }
    hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], f"val_{metric}": []}
    side_hist: dict[str, list[float]] = {k: [] for k in side or {}}
    best, best_state, bad = np.inf, None, 0

    def proba(x: np.ndarray) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1).numpy().astype(np.float64)

    t0 = time.perf_counter()
    for _epoch in range(cfg.epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if monitor is not None:
                monitor.log_batch(loss, logits=logits, labels=y)
            total += loss.item() * len(y)
            count += len(y)
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val)
        val_loss = F.cross_entropy(val_logits, y_val).item()
        val_value = metric_of(metric, y_va, torch.softmax(val_logits, dim=1).numpy())
        if monitor is not None:
            monitor.log_validation(y_val, logits=val_logits)
            monitor.end_epoch(val_loss=val_loss, **{f"val_{metric}": val_value})
        hist["train_loss"].append(total / count)
        hist["val_loss"].append(val_loss)
        hist[f"val_{metric}"].append(val_value)
        for name, (Xs, ys) in (side or {}).items():
            side_hist[name].append(metric_of(metric, ys, proba(Xs)))
        if cfg.patience is not None:
            if val_loss < best - 1e-4:
                best, bad = val_loss, 0
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                bad += 1
                if bad >= cfg.patience:
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
    fit_seconds = time.perf_counter() - t0
    run = Run(metric=metric, history=hist, passed=passed, fit_seconds=fit_seconds)
    if monitor is not None:
        t1 = time.perf_counter()
        run.diagnosis = monitor.diagnose()
        run.diagnose_seconds = time.perf_counter() - t1
        run.extra["gapdoctor_curves"] = sorted(monitor.curves)
        run.extra["gapdoctor_errors"] = [str(e) for e in getattr(monitor, "errors", [])]
    run.extra["side"] = {k: [r(v) for v in vs] for k, vs in side_hist.items()}
    return run, proba


# --------------------------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------------------------


@recipe("torch_overfit_wide_net_few_rows", FW, "overfitting")
def overfit(seed: int, diagnose: bool) -> Run:
    """Two 256-wide layers, 120 training rows of a 4-class synthetic task, 150 epochs of Adam."""
    X, y = synthetic(2400, 4, seed, class_sep=0.8)
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed, n_train=120)
    X_tr, X_va = standardise(X_tr, X_va)
    run, proba = train(X_tr, y_tr, X_va, y_va, 4, Cfg(hidden=(256, 256), epochs=150, lr=1e-3), seed, diagnose)
    run.sanity = overfit_facts(run.history, y_tr, proba(X_tr))
    return run


@recipe("torch_label_noise_symmetric_30", FW, "label_noise")
def label_noise(seed: int, diagnose: bool) -> Run:
    """30% of a 5-class synthetic task's training labels moved to a random other class; 128x128 MLP."""
    X, y = synthetic(2400, 5, seed, class_sep=1.5, flip_y=0.0)
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    y_noisy, flipped = flip_labels(y_tr, 0.30, 5, seed)
    run, proba = train(X_tr, y_noisy, X_va, y_va, 5, Cfg(hidden=(128, 128), epochs=80), seed, diagnose)
    p_tr = proba(X_tr)
    run.sanity = flip_facts(run.history, flipped, y_noisy, p_tr)
    return run


@recipe("torch_healthy_early_stopped", FW, "healthy")
def healthy(seed: int, diagnose: bool) -> Run:
    """A modest MLP with weight decay on 2,000 rows, early-stopped on validation loss (patience 5)."""
    X, y = synthetic(2600, 4, seed, class_sep=1.2, flip_y=0.0)
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    cfg = Cfg(hidden=(64,), epochs=60, weight_decay=1e-4, patience=5)
    run, _ = train(X_tr, y_tr, X_va, y_va, 4, cfg, seed, diagnose)
    run.sanity = curve_facts(run.history, "accuracy")
    return run


@recipe("torch_metric_mismatch_imbalanced_f1", FW, "metric_mismatch")
def metric_mismatch(seed: int, diagnose: bool) -> Run:
    """Binary task with 8% positives, a linear model trained by cross-entropy, judged by F1 at 0.5."""
    X, y = synthetic(6000, 2, seed, class_sep=0.5, weights=[0.92, 0.08], flip_y=0.0)
    X_tr, X_rest, y_tr, y_rest = split(X, y, 3000, seed)
    X_va, X_fresh, y_va, y_fresh = split(X_rest, y_rest, 1500, seed)
    X_tr, X_va, X_fresh = standardise(X_tr, X_va, X_fresh)
    run, proba = train(X_tr, y_tr, X_va, y_va, 2, Cfg(hidden=(), epochs=60, lr=1e-2), seed, diagnose, metric="f1")
    t, _ = best_threshold_f1(y_fresh, proba(X_fresh)[:, 1])
    p_va = proba(X_va)[:, 1]
    from sklearn.metrics import f1_score

    run.sanity = {
        **curve_facts(run.history, "f1"),
        "positives": r(y_tr.mean()),
        "f1_at_0.5": r(f1_score(y_va, p_va >= 0.5)),
        "threshold_tuned_on_fresh": r(t),
        "f1_val_at_tuned_threshold": r(f1_score(y_va, p_va >= t)),
    }
    return run


@recipe("torch_lr_far_too_high_adam", FW, "optimization")
def lr_too_high(seed: int, diagnose: bool) -> Run:
    """Digits, Adam at lr 0.06 (sixty times the default); sanity: the same run at lr 1e-3."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    cfg = Cfg(hidden=(128, 128), epochs=40, lr=0.06, batch=64)
    run, _ = train(X_tr, y_tr, X_va, y_va, 10, cfg, seed, diagnose)
    sane, _ = train(X_tr, y_tr, X_va, y_va, 10, Cfg(**{**cfg.__dict__, "lr": 1e-3}), seed, diagnose=False)
    v = np.asarray(run.history["val_accuracy"])
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "val_acc_sane_lr_final": r(sane.history["val_accuracy"][-1]),
        "val_acc_epoch_to_epoch_sd": r(np.std(np.diff(v))),
        "train_loss_max_over_min": r(max(run.history["train_loss"]) / min(run.history["train_loss"])),
    }
    return run
