"""PyTorch Lightning recipes, recorded with ``gapdoctor.integrations.lightning.GapdoctorCallback``.

What the user hands gapdoctor (README, "Inside your training loop", Lightning): the callback in
``L.Trainer(callbacks=[doctor])``; ``training_step`` and ``validation_step`` return
``{"loss": loss, "logits": logits}`` (the subgroup recipe also returns ``"groups"`` and ``"labels"``
from ``validation_step``, as the callback's docstring says); the module logs ``train_loss``,
``val_loss`` and ``val_accuracy`` with ``self.log(..., on_epoch=True)`` like any Lightning module;
batches are plain ``(x, y)`` from a ``TensorDataset`` (so row ids come from the sampler from the
second epoch, as the README says). ``doctor.diagnosis`` is read after ``trainer.fit``.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from .common import (
    Run,
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
from .torch_loop import mlp

FW = "lightning"
ROOT = str(Path(tempfile.gettempdir()) / "gapdoctor_outside_loops" / "lightning")


class Net(L.LightningModule):
    def __init__(
        self,
        d_in: int,
        n_classes: int,
        hidden: tuple[int, ...],
        lr: float,
        weight_decay: float,
        side: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        super().__init__()
        self.net = mlp(d_in, n_classes, hidden)
        self.lr, self.weight_decay = lr, weight_decay
        self.hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
        self.side = side or {}
        self.side_hist: dict[str, list[float]] = {k: [] for k in self.side}
        self._tl: list[tuple[float, int]] = []
        self._val: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        self._tl.append((loss.item() * len(y), len(y)))
        return {"loss": loss, "logits": logits}

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        x, y, *groups = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.log("val_loss", loss, on_epoch=True)
        self.log("val_accuracy", (logits.argmax(1) == y).float().mean(), on_epoch=True)
        if not self.trainer.sanity_checking:
            self._val.append((logits.detach(), y))
        out: dict[str, Any] = {"loss": loss, "logits": logits}
        if groups:
            out.update(groups=groups[0], labels=y)
        return out

    def on_validation_epoch_end(self) -> None:
        if self.trainer.sanity_checking or not self._val:
            return
        logits = torch.cat([v[0] for v in self._val])
        y = torch.cat([v[1] for v in self._val])
        self._val = []
        self.hist["val_loss"].append(F.cross_entropy(logits, y).item())
        self.hist["val_accuracy"].append(metric_of("accuracy", y.numpy(), torch.softmax(logits, 1).numpy()))
        for name, (Xs, ys) in self.side.items():
            with torch.no_grad():
                p = torch.softmax(self(torch.tensor(Xs, dtype=torch.float32)), 1).numpy()
            self.side_hist[name].append(metric_of("accuracy", ys, p))

    def on_train_epoch_end(self) -> None:
        self.hist["train_loss"].append(sum(a for a, _ in self._tl) / sum(n for _, n in self._tl))
        self._tl = []

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)

    def proba(self, X: np.ndarray) -> np.ndarray:
        self.eval()
        with torch.no_grad():
            return torch.softmax(self(torch.tensor(X, dtype=torch.float32)), 1).numpy().astype(np.float64)


def fit(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    n_classes: int,
    seed: int,
    diagnose: bool,
    *,
    hidden: tuple[int, ...] = (64,),
    epochs: int = 40,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    batch: int = 32,
    patience: int | None = None,
    groups_val: np.ndarray | None = None,
    side: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[Run, Net]:
    L.seed_everything(seed, verbose=False)
    model = Net(X_tr.shape[1], n_classes, hidden, lr, weight_decay, side)
    t = [torch.tensor(X_tr, dtype=torch.float32), torch.tensor(y_tr, dtype=torch.long)]
    v = [torch.tensor(X_va, dtype=torch.float32), torch.tensor(y_va, dtype=torch.long)]
    if groups_val is not None:
        v.append(torch.tensor(groups_val, dtype=torch.long))
    train_loader = DataLoader(TensorDataset(*t), batch_size=batch, shuffle=True)
    val_loader = DataLoader(TensorDataset(*v), batch_size=256)
    callbacks: list[Any] = []
    doctor = None
    passed: dict[str, Any] = {}
    if diagnose:
        import gapdoctor

        doctor = gapdoctor.integrations.lightning.GapdoctorCallback()
        callbacks.append(doctor)
        passed = {
            "integration": "gapdoctor.integrations.lightning.GapdoctorCallback()",
            "training_step": "returns {'loss': loss, 'logits': logits}; self.log('train_loss', on_epoch=True)",
            "validation_step": "returns {'loss': loss, 'logits': logits"
            + (", 'groups': groups, 'labels': y}" if groups_val is not None else "}")
            + "; self.log('val_loss'), self.log('val_accuracy')",
            "batches": "(x, y) from TensorDataset, shuffled",
            "diagnose": "doctor.diagnosis after trainer.fit",
        }
    if patience is not None:
        from lightning.pytorch.callbacks import EarlyStopping

        callbacks.append(EarlyStopping(monitor="val_loss", patience=patience))
    trainer = L.Trainer(
        max_epochs=epochs,
        callbacks=callbacks,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=ROOT,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(model, train_loader, val_loader)
    run = Run(metric="accuracy", history=model.hist, passed=passed, fit_seconds=time.perf_counter() - t0)
    if doctor is not None:
        run.diagnosis = doctor.diagnosis
        run.extra["gapdoctor_curves"] = sorted(doctor.recorder.curves)
        run.extra["gapdoctor_errors"] = [str(e) for e in doctor.recorder.errors]
    run.extra["side"] = {k: [r(x) for x in vs] for k, vs in model.side_hist.items()}
    return run, model


# --------------------------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------------------------


def moons_with_noise_dims(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    X, y = make_moons(n, noise=0.3, random_state=2000 + seed)
    extra = np.random.default_rng(2000 + seed).normal(size=(n, 8))
    return np.hstack([X, extra]), y.astype(np.int64)


@recipe("lightning_overfit_moons_80_rows", FW, "overfitting")
def overfit(seed: int, diagnose: bool) -> Run:
    """Moons plus 8 noise features, 80 training rows, a 256x256 MLP for 150 epochs."""
    X, y = moons_with_noise_dims(1000, seed)
    X_tr, X_va, y_tr, y_va = split(X, y, 400, seed, n_train=80)
    X_tr, X_va = standardise(X_tr, X_va)
    run, model = fit(X_tr, y_tr, X_va, y_va, 2, seed, diagnose, hidden=(256, 256), epochs=150, batch=16)
    run.sanity = overfit_facts(run.history, y_tr, model.proba(X_tr))
    return run


@recipe("lightning_label_noise_pairs_35", FW, "label_noise")
def label_noise(seed: int, diagnose: bool) -> Run:
    """Digits with 35% of every class's training labels moved to the next class (k -> k+1)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    y_noisy, flipped = flip_labels(y_tr, 0.35, 10, seed, pairs={k: (k + 1) % 10 for k in range(10)})
    run, model = fit(X_tr, y_noisy, X_va, y_va, 10, seed, diagnose, hidden=(256, 256), epochs=60)
    p = model.proba(X_tr)
    run.sanity = flip_facts(run.history, flipped, y_noisy, p)
    return run


@recipe("lightning_healthy_digits_early_stopping", FW, "healthy")
def healthy(seed: int, diagnose: bool) -> Run:
    """Digits, a 128-unit MLP with weight decay, Lightning's EarlyStopping on val_loss (patience 5)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    run, _ = fit(X_tr, y_tr, X_va, y_va, 10, seed, diagnose, hidden=(128,), epochs=60, weight_decay=1e-4, patience=5)
    run.sanity = curve_facts(run.history, "accuracy")
    return run


def two_populations(n: int, seed: int, share_b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group 0: an easy synthetic rule; group 1 (``share_b``): its own region, a checkerboard label."""
    rng = np.random.default_rng(3000 + seed)
    n_b = round(share_b * n)
    X_a, y_a = synthetic(n - n_b, 2, seed, n_features=10, n_informative=4, n_redundant=2, class_sep=1.5, flip_y=0.0)
    X_b = rng.normal(size=(n_b, 10))
    X_b[:, 0] += 5.0
    y_b = ((np.sin(2.5 * X_b[:, 1]) * np.sin(2.5 * X_b[:, 2])) > 0).astype(np.int64)
    X = np.vstack([X_a, X_b])
    y = np.r_[y_a, y_b]
    g = np.r_[np.zeros(len(y_a), np.int64), np.ones(n_b, np.int64)]
    order = rng.permutation(n)
    return X[order], y[order], g[order]


@recipe("lightning_subgroup_left_behind", FW, "subgroup_failure")
def subgroup(seed: int, diagnose: bool) -> Run:
    """15% of rows form their own region with a checkerboard rule; validation passes the groups."""
    X, y, g = two_populations(3000, seed, 0.15)
    strat = y * 2 + g
    from sklearn.model_selection import train_test_split

    X_tr, X_va, y_tr, y_va, g_tr, g_va = train_test_split(X, y, g, test_size=800, stratify=strat, random_state=seed)
    X_tr, X_va = standardise(X_tr, X_va)
    run, model = fit(X_tr, y_tr, X_va, y_va, 2, seed, diagnose, hidden=(128, 128), epochs=60, groups_val=g_va)
    pv, pt = model.proba(X_va).argmax(1), model.proba(X_tr).argmax(1)
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "share_group1": r(g_va.mean()),
        "val_acc_group0": r((pv == y_va)[g_va == 0].mean()),
        "val_acc_group1": r((pv == y_va)[g_va == 1].mean()),
        "train_acc_group1": r((pt == y_tr)[g_tr == 1].mean()),
    }
    return run


@recipe("lightning_small_validation_40_rows", FW, "small_validation_set")
def small_val(seed: int, diagnose: bool) -> Run:
    """40 validation rows; the model keeps improving on 3,000 fresh rows that the 40 cannot show."""
    X, y = synthetic(5000, 3, seed, class_sep=0.9, flip_y=0.0)
    X_tr, X_rest, y_tr, y_rest = split(X, y, 3040, seed)
    X_fresh, X_va, y_fresh, y_va = split(X_rest, y_rest, 40, seed)
    X_tr, X_va, X_fresh = standardise(X_tr, X_va, X_fresh)
    run, _ = fit(
        X_tr, y_tr, X_va, y_va, 3, seed, diagnose, hidden=(64,), epochs=40, lr=1e-3, side={"fresh": (X_fresh, y_fresh)}
    )
    before, after = (np.mean(v) for v in _q(run.extra["side"]["fresh"]))
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "n_val": len(y_va),
        "fresh_rows": len(y_fresh),
        "fresh_gain_late": r(after - before),
        "fresh_acc_final": run.extra["side"]["fresh"][-1],
    }
    return run


def _q(v: list[float]) -> tuple[list[float], list[float]]:
    q, mid = max(1, len(v) // 4), len(v) // 2
    return v[mid - q : mid], v[-q:]
