"""Training helpers of the outside yardstick: epoch-by-epoch runs, out-of-fold probabilities, the run record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from torch import nn

REPORT = 0.5
HEALTHY = "healthy"

# --------------------------------------------------------------------------------------------
# Training helpers
# --------------------------------------------------------------------------------------------


def metric_value(metric: str, y: np.ndarray, proba: np.ndarray) -> float:
    """The validation metric at the default decision rule (argmax, i.e. 0.5 for binary)."""
    pred = proba.argmax(axis=1)
    if metric == "accuracy":
        return float(accuracy_score(y, pred))
    if metric == "f1":
        return float(f1_score(y, pred, zero_division=0))
    raise ValueError(metric)


def sk_epochs(
    model: Any,
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    epochs: int,
    metric: str = "accuracy",
    classes: np.ndarray | None = None,
    extra: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[dict[str, list[float]], np.ndarray, Any]:
    """Train a scikit-learn model one epoch at a time with ``partial_fit`` and log the curves.

    ``extra`` maps a name to a labelled split whose metric is also logged per epoch (kept out of
    the history passed to gapdoctor; used for sanity facts).
    """
    classes = np.unique(y_tr) if classes is None else classes
    hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], f"train_{metric}": [], f"val_{metric}": []}
    side: dict[str, list[float]] = {name: [] for name in extra or {}}
    for _ in range(epochs):
        model.partial_fit(X_tr, y_tr, classes=classes)
        p_tr = np.clip(model.predict_proba(X_tr), 1e-7, 1)
        p_va = np.clip(model.predict_proba(X_va), 1e-7, 1)
        hist["train_loss"].append(float(log_loss(y_tr, p_tr, labels=classes)))
        hist["val_loss"].append(float(log_loss(y_va, p_va, labels=classes)))
        hist[f"train_{metric}"].append(metric_value(metric, y_tr, p_tr))
        hist[f"val_{metric}"].append(metric_value(metric, y_va, p_va))
        for name, (Xe, ye) in (extra or {}).items():
            side[name].append(metric_value(metric, ye, model.predict_proba(Xe)))
    hist.update({f"_{k}": v for k, v in side.items()})
    return hist, model.predict_proba(X_va), model


def lr_epochs(
    model: LogisticRegression,
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    epochs: int,
    metric: str = "accuracy",
) -> tuple[dict[str, list[float]], np.ndarray, Any]:
    """LogisticRegression has no ``partial_fit``: ``warm_start`` with ``max_iter=1`` is one epoch."""
    classes = np.unique(y_tr)
    hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], f"train_{metric}": [], f"val_{metric}": []}
    for _ in range(epochs):
        model.fit(X_tr, y_tr)
        p_tr = np.clip(model.predict_proba(X_tr), 1e-7, 1)
        p_va = np.clip(model.predict_proba(X_va), 1e-7, 1)
        hist["train_loss"].append(float(log_loss(y_tr, p_tr, labels=classes)))
        hist["val_loss"].append(float(log_loss(y_va, p_va, labels=classes)))
        hist[f"train_{metric}"].append(metric_value(metric, y_tr, p_tr))
        hist[f"val_{metric}"].append(metric_value(metric, y_va, p_va))
    return hist, model.predict_proba(X_va), model


def sk_oof(model: Any, X: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold probabilities of a same-kind scikit-learn model (5-fold)."""
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return cross_val_predict(clone(model), X, y, cv=cv, method="predict_proba")


@dataclass
class TorchCfg:
    """Settings of the small PyTorch MLP and its plain training loop."""

    hidden: tuple[int, ...] = (64,)
    epochs: int = 50
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch: int = 64
    lr_at: Callable[[int], float] | None = None  # epoch (0-based) -> learning rate
    patience: int | None = None  # early stopping on val loss, best weights restored


def torch_net(d_in: int, n_classes: int, hidden: tuple[int, ...]) -> nn.Module:
    """Linear layers with ReLU between them (no hidden layer: a linear model); also the loop yardstick's."""
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(d_in, h), nn.ReLU()]
        d_in = h
    layers.append(nn.Linear(d_in, n_classes))
    return nn.Sequential(*layers)


def torch_run(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    n_classes: int,
    cfg: TorchCfg,
    seed: int,
    metric: str = "accuracy",
    extra: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[dict[str, list[float]], np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Plain PyTorch loop: shuffled mini-batches, cross-entropy, per-epoch evaluation."""
    torch.manual_seed(seed)
    net = torch_net(X_tr.shape[1], n_classes, cfg.hidden)
    if cfg.optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    xt, yt = torch.tensor(X_tr, dtype=torch.float32), torch.tensor(y_tr, dtype=torch.long)
    xv, yv = torch.tensor(X_va, dtype=torch.float32), torch.tensor(y_va, dtype=torch.long)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], f"train_{metric}": [], f"val_{metric}": []}
    if cfg.lr_at is not None:
        hist["lr"] = []
    side: dict[str, list[float]] = {name: [] for name in extra or {}}
    best, best_state, bad = np.inf, None, 0

    def proba(x: np.ndarray | torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            xx = x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float32)
            return torch.softmax(net(xx), dim=1).numpy().astype(np.float64)

    for epoch in range(cfg.epochs):
        if cfg.lr_at is not None:
            for g in opt.param_groups:
                g["lr"] = cfg.lr_at(epoch)
            hist["lr"].append(float(cfg.lr_at(epoch)))
        net.train()
        perm = torch.randperm(len(xt), generator=gen)
        losses = []
        for i in range(0, len(xt), cfg.batch):
            idx = perm[i : i + cfg.batch]
            loss = loss_fn(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        net.eval()
        p_tr, p_va = proba(xt), proba(xv)
        with torch.no_grad():
            val_loss = loss_fn(net(xv), yv).item()
        hist["train_loss"].append(float(np.mean(losses)))
        hist["val_loss"].append(float(val_loss))
        hist[f"train_{metric}"].append(metric_value(metric, y_tr, p_tr))
        hist[f"val_{metric}"].append(metric_value(metric, y_va, p_va))
        for name, (Xe, ye) in (extra or {}).items():
            side[name].append(metric_value(metric, ye, proba(Xe)))
        if cfg.patience is not None:
            if val_loss < best - 1e-4:
                best, bad = val_loss, 0
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
            else:
                bad += 1
                if bad >= cfg.patience:
                    break
    if best_state is not None:
        net.load_state_dict(best_state)
    hist.update({f"_{k}": v for k, v in side.items()})
    return hist, proba(xv), proba


def torch_oof(X: np.ndarray, y: np.ndarray, n_classes: int, cfg: TorchCfg, seed: int) -> np.ndarray:
    """Out-of-fold probabilities from the same PyTorch loop (5-fold, no early stopping)."""
    out = np.zeros((len(y), n_classes))
    plain = TorchCfg(**{**cfg.__dict__, "patience": None})
    for k, (a, b) in enumerate(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)):
        _, p, _ = torch_run(X[a], y[a], X[b], y[b], n_classes, plain, seed + 100 + k)
        out[b] = p
    return out


def split(X: np.ndarray, y: np.ndarray, n_val: int | float, seed: int, n_train: int | None = None):
    """Stratified train/validation split; optionally a training subset of ``n_train`` rows."""
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=n_val, stratify=y, random_state=seed)
    if n_train is not None and n_train < len(y_tr):
        X_tr, _, y_tr, _ = train_test_split(X_tr, y_tr, train_size=n_train, stratify=y_tr, random_state=seed)
    return X_tr, X_va, y_tr, y_va


def digits() -> tuple[np.ndarray, np.ndarray]:
    d = load_digits()
    return d.data / 16.0, d.target


def best_threshold_f1(y: np.ndarray, p1: np.ndarray) -> tuple[float, float]:
    grid = np.linspace(0.02, 0.98, 49)
    scores = [f1_score(y, p1 >= t, zero_division=0) for t in grid]
    k = int(np.argmax(scores))
    return float(grid[k]), float(scores[k])


def r(x: float, n: int = 4) -> float:
    return round(float(x), n)


# --------------------------------------------------------------------------------------------
# A run: what gets passed to gapdoctor, plus what we know
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One training run ready to diagnose."""

    metric: str
    history: dict[str, list[float]]
    data: dict[str, Any] = field(default_factory=dict)  # X_train, y_train, ..., groups, sources
    sanity: dict[str, Any] = field(default_factory=dict)
    trials: list[dict[str, Any]] | None = None  # a search: goes to diagnose_search


def sk_run(
    model: Any,
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    epochs: int,
    seed: int,
    metric: str = "accuracy",
    oof_model: Any = None,
    **extra_data: Any,
) -> tuple[Run, Any]:
    """Train a scikit-learn model epoch by epoch and gather everything for diagnose."""
    hist, p_va, fitted = sk_epochs(model, X_tr, y_tr, X_va, y_va, epochs, metric)
    oof = sk_oof(oof_model if oof_model is not None else model, X_tr, y_tr, seed)
    data = dict(X_train=X_tr, y_train=y_tr, X_val=X_va, y_val=y_va, train_probs=oof, val_probs=p_va, **extra_data)
    return Run(metric=metric, history=hist, data=data), fitted


def th_run(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    n_classes: int,
    cfg: TorchCfg,
    seed: int,
    metric: str = "accuracy",
    extra: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    **extra_data: Any,
) -> tuple[Run, Callable[[np.ndarray], np.ndarray]]:
    """Train the PyTorch MLP and gather everything for diagnose (out-of-fold probs from 5 more runs)."""
    hist, p_va, predict = torch_run(X_tr, y_tr, X_va, y_va, n_classes, cfg, seed, metric, extra)
    oof = torch_oof(X_tr, y_tr, n_classes, cfg, seed)
    data = dict(X_train=X_tr, y_train=y_tr, X_val=X_va, y_val=y_va, train_probs=oof, val_probs=p_va, **extra_data)
    return Run(metric=metric, history=hist, data=data), predict


def mlp(seed: int, **kw: Any) -> MLPClassifier:
    base: dict[str, Any] = {"hidden_layer_sizes": (64,), "alpha": 1e-4, "learning_rate_init": 1e-3, "batch_size": 64}
    base.update(kw)
    return MLPClassifier(random_state=seed, **base)


def sgd_logreg(seed: int, **kw: Any) -> SGDClassifier:
    base: dict[str, Any] = {"loss": "log_loss", "alpha": 1e-4, "learning_rate": "constant", "eta0": 0.01}
    base.update(kw)
    return SGDClassifier(random_state=seed, **base)


# --------------------------------------------------------------------------------------------


def quarters(v: list[float]) -> tuple[float, float]:
    """Means of the quarter before the midpoint and of the last quarter of a curve."""
    a = np.asarray(v)
    q = max(1, len(a) // 4)
    mid = len(a) // 2
    return float(a[mid - q : mid].mean()), float(a[-q:].mean())


def with_fresh(
    X: np.ndarray, y: np.ndarray, n_fresh: int, n_val: int, seed: int, n_train: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stratified fresh set held out first (to check a fix), then the training / validation split of the rest."""
    X_pool, X_fresh, y_pool, y_fresh = train_test_split(X, y, test_size=n_fresh, stratify=y, random_state=seed)
    X_tr, X_va, y_tr, y_va = split(X_pool, y_pool, n_val, seed, n_train=n_train)
    return X_tr, X_va, y_tr, y_va, X_fresh, y_fresh


def scaled(X_tr: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every array standardised with the scaler fitted on the training rows (the correct pipeline)."""
    sc = StandardScaler().fit(X_tr)
    return (sc.transform(X_tr), *(sc.transform(X) for X in others))
