"""A small torch MLP trained epoch by epoch, recorded as :func:`gapdoctor.bench.training.train_by_epoch` records.

Needs the ``torch`` extra (``pip install torch`` first, then ``gapdoctor[torch]``); imported
only when a corpus scenario of the ``torch_mlp`` family is built. One thread, seeded:
deterministic on one machine. The loop takes the network from a builder (``build``), so the
other torch family, :mod:`gapdoctor.bench.corpus.torch_cnn`, trains and is recorded the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold

from gapdoctor.bench.training import EpochLog, Order, TrainedRun, Trainer

__all__ = ["TORCH_MLP", "NetBuilder", "mlp", "torch_module", "torch_out_of_fold_probs", "torch_train_by_epoch"]

NetBuilder = Callable[[int, int, tuple[int, ...]], Any]
"""Builds a torch module from (inputs, classes, hidden layer widths); it outputs one logit per class."""


def torch_module() -> Any:
    """``torch``, imported on first use (the ``torch`` extra), with a clear error without it."""
    try:
        import torch
    except ImportError as error:  # pragma: no cover - the family is drawn only when torch is installed
        raise ImportError(
            "the torch model families (torch_mlp, torch_cnn) need torch: pip install 'gapdoctor[torch]'"
        ) from error
    return torch


def mlp(n_in: int, n_out: int, hidden: tuple[int, ...]) -> Any:
    """An MLP: ReLU hidden layers of widths ``hidden`` (none: a multinomial logistic regression)."""
    torch = torch_module()
    layers: list[Any] = []
    width = n_in
    for size in hidden:
        layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
        width = size
    layers.append(torch.nn.Linear(width, n_out))
    return torch.nn.Sequential(*layers)


class _Model:
    """A network from ``build``, its optimiser and learning-rate setter."""

    def __init__(
        self,
        build: NetBuilder,
        shape: tuple[int, int, tuple[int, ...]],
        lr: float,
        alpha: float,
        solver: str,
        momentum: float,
    ) -> None:
        torch = torch_module()
        self.net = build(*shape).double()
        params = self.net.parameters()
        if solver == "sgd":
            self.optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=alpha)
        else:
            self.optimizer = torch.optim.Adam(params, lr=lr, weight_decay=alpha)

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def epoch(self, X: NDArray[np.float64], y: NDArray[np.int64], rows: NDArray[np.int64], batch_size: int) -> None:
        torch = torch_module()
        self.net.train()
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            self.optimizer.zero_grad()
            logits = self.net(torch.from_numpy(X[batch]))
            loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y[batch]))
            loss.backward()
            self.optimizer.step()

    def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        torch = torch_module()
        self.net.eval()
        with torch.no_grad():
            probs = torch.softmax(self.net(torch.from_numpy(np.ascontiguousarray(X))), dim=1).numpy()
        return np.asarray(probs, dtype=np.float64)


def _rows(n: int, order: Order, rng: np.random.Generator) -> NDArray[np.int64]:
    return rng.permutation(n) if order in ("epoch", "model") else np.arange(n)


def torch_train_by_epoch(
    X_train: NDArray[np.float64],
    y_train: NDArray[np.int64],
    X_val: NDArray[np.float64],
    y_val: NDArray[np.int64],
    *,
    epochs: int,
    hidden: tuple[int, ...] = (128,),
    lr: float = 1e-3,
    alpha: float = 0.0,
    batch_size: int = 32,
    seed: int = 0,
    metric: str = "accuracy",
    solver: str = "adam",
    momentum: float = 0.9,
    order: Order = "model",
    lr_schedule: Callable[[int], float] | None = None,
    track_rows: NDArray[np.int64] | None = None,
    holdout: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None,
    build: NetBuilder = mlp,
) -> TrainedRun:
    """Train a torch network (an MLP by default) one epoch at a time; the arguments and the record are
    those of :func:`gapdoctor.bench.training.train_by_epoch` (``alpha`` is the optimiser's weight decay;
    ``build`` makes the network from the inputs, classes and ``hidden``).

    Raises
    ------
    FloatingPointError
        When the outputs become non-finite (a learning rate far too high): unlike
        scikit-learn's MLP, torch does not stop a diverging run by itself.
    """
    torch = torch_module()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        classes = np.arange(int(max(y_train.max(), y_val.max())) + 1)
        model = _Model(build, (X_train.shape[1], len(classes), hidden), lr, alpha, solver, momentum)
        log = EpochLog(metric, y_train, y_val, track_rows, holdout)
        rng = np.random.default_rng(seed)
        rows = np.arange(len(y_train))
        for i in range(epochs):
            rate = lr if lr_schedule is None else float(lr_schedule(i))
            model.set_lr(rate)
            rows = _rows(len(y_train), order, rng)
            model.epoch(X_train, y_train, rows, batch_size)
            p_train, p_val = model.predict_proba(X_train), model.predict_proba(X_val)
            if not (np.isfinite(p_train).all() and np.isfinite(p_val).all()):
                raise FloatingPointError(f"the torch network diverged at epoch {i + 1} (non-finite outputs)")
            log.add(rate, p_train, p_val, model.predict_proba)
    finally:
        torch.set_num_threads(threads)
    return log.run(p_train, p_val, np.asarray(y_train[rows], dtype=np.int64))


def torch_out_of_fold_probs(
    X: NDArray[np.float64],
    y: NDArray[np.int64],
    *,
    epochs: int,
    hidden: tuple[int, ...] = (128,),
    lr: float = 1e-3,
    alpha: float = 0.0,
    batch_size: int = 32,
    folds: int = 5,
    seed: int = 0,
    solver: str = "adam",
    momentum: float = 0.9,
    order: Order = "model",
    lr_schedule: Callable[[int], float] | None = None,
    build: NetBuilder = mlp,
) -> NDArray[np.float64]:
    """Out-of-fold probabilities of the same torch network (``build``, an MLP by default), by stratified K-fold.

    Raises
    ------
    FloatingPointError
        When a fold's outputs are non-finite (it diverged, as :func:`torch_train_by_epoch` says of the
        final model): probabilities with NaN are no run to diagnose (two CNN corpus seeds, 200070 and
        200221, errored on them at a learning rate drawn too high).
    """
    torch = torch_module()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        classes = np.arange(int(y.max()) + 1)
        out = np.zeros((len(y), len(classes)))
        rng = np.random.default_rng(seed)
        for fit_rows, held_rows in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y):
            model = _Model(build, (X.shape[1], len(classes), hidden), lr, alpha, solver, momentum)
            for i in range(epochs):
                model.set_lr(lr if lr_schedule is None else float(lr_schedule(i)))
                model.epoch(X, y, fit_rows[_rows(len(fit_rows), order, rng)], batch_size)
            held = model.predict_proba(X[held_rows])
            if not np.isfinite(held).all():
                raise FloatingPointError("an out-of-fold torch network diverged (non-finite outputs)")
            out[held_rows] = held
    finally:
        torch.set_num_threads(threads)
    return out


TORCH_MLP = Trainer("torch_mlp", torch_train_by_epoch, torch_out_of_fold_probs)
"""The small torch MLP as a :class:`~gapdoctor.bench.training.Trainer`."""
