"""Train a scikit-learn MLP epoch by epoch and record its curves, as a training loop would."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

from gapdoctor.stats.metrics import compute_metric

__all__ = ["SKLEARN_MLP", "EpochLog", "TrainedRun", "Trainer", "flip_labels", "out_of_fold_probs", "train_by_epoch"]

Order = Literal["model", "epoch", "none"]
"""How rows are ordered within an epoch: ``"model"`` lets scikit-learn shuffle them,
``"epoch"`` shuffles them here with a seeded generator (so the order is known and
recorded), ``"none"`` keeps the given order every epoch (an unshuffled loader)."""


def flip_labels(
    y: np.ndarray, fraction: float, n_classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Flip ``fraction`` of the labels to a different class chosen at random; return (noisy y, flipped rows)."""
    rows = rng.choice(len(y), size=round(fraction * len(y)), replace=False)
    noisy = y.copy()
    noisy[rows] = (y[rows] + rng.integers(1, n_classes, size=len(rows))) % n_classes
    return noisy, np.sort(rows)


@dataclass(frozen=True)
class TrainedRun:
    """The recorded curves and final predictions of one run.

    ``sample_losses`` (epochs x tracked rows) and ``label_order`` (the training labels
    in the order of the last epoch) are recorded when asked for, as a training-loop
    integration would; ``holdout_metric`` is the metric on an extra held-out set, per
    epoch (the bench uses it to verify a scenario's story; it is never diagnosed).
    """

    history: dict[str, list[float]]
    val_probs: NDArray[np.float64]
    train_probs_in_sample: NDArray[np.float64]
    sample_losses: NDArray[np.float64] | None = None
    label_order: NDArray[np.int64] | None = None
    holdout_metric: list[float] | None = None


class EpochLog:
    """What a bench trainer records each epoch, the same for every model family.

    ``add`` takes one epoch's learning rate and in-sample / validation probabilities;
    ``run`` assembles the :class:`TrainedRun`. Losses and metrics go through
    :func:`gapdoctor.stats.metrics.compute_metric`, so every trainer's curves mean the same.
    """

    def __init__(
        self,
        metric: str,
        y_train: NDArray[np.int64],
        y_val: NDArray[np.int64],
        track_rows: NDArray[np.int64] | None,
        holdout: tuple[NDArray[np.float64], NDArray[np.int64]] | None,
    ) -> None:
        names = ["train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"]
        if metric != "accuracy":
            names += [f"train_{metric}", f"val_{metric}"]
        self.history: dict[str, list[float]] = {k: [] for k in names}
        self.metric, self.y_train, self.y_val = metric, y_train, y_val
        self.track_rows, self.holdout = track_rows, holdout
        self._per_row: list[NDArray[np.float64]] = []
        self._holdout_curve: list[float] = []

    def add(
        self,
        rate: float,
        p_train: NDArray[np.float64],
        p_val: NDArray[np.float64],
        predict: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    ) -> None:
        """One epoch: its learning rate, the model's probabilities on both splits, and ``predict``
        (the model's ``predict_proba``) for the held-out set when there is one."""
        history, y_train, y_val = self.history, self.y_train, self.y_val
        history["train_loss"].append(compute_metric("log_loss", y_train, p_train))
        history["val_loss"].append(compute_metric("log_loss", y_val, p_val))
        history["train_accuracy"].append(compute_metric("accuracy", y_train, p_train))
        history["val_accuracy"].append(compute_metric("accuracy", y_val, p_val))
        history["lr"].append(rate)
        if self.metric != "accuracy":
            history[f"train_{self.metric}"].append(compute_metric(self.metric, y_train, p_train))
            history[f"val_{self.metric}"].append(compute_metric(self.metric, y_val, p_val))
        if self.track_rows is not None:
            picked = p_train[self.track_rows, y_train[self.track_rows]]
            self._per_row.append(-np.log(np.clip(picked, 1e-15, 1.0)))
        if self.holdout is not None:
            self._holdout_curve.append(compute_metric(self.metric, self.holdout[1], predict(self.holdout[0])))

    def run(
        self, p_train: NDArray[np.float64], p_val: NDArray[np.float64], label_order: NDArray[np.int64] | None
    ) -> TrainedRun:
        """The recorded run, ending with the last epoch's probabilities."""
        return TrainedRun(
            history=self.history,
            val_probs=p_val,
            train_probs_in_sample=p_train,
            sample_losses=None if self.track_rows is None else np.vstack(self._per_row),
            label_order=label_order,
            holdout_metric=self._holdout_curve if self.holdout is not None else None,
        )


def _mlp(
    hidden: tuple[int, ...],
    lr: float,
    alpha: float,
    seed: int,
    batch_size: int,
    solver: str = "adam",
    momentum: float = 0.9,
    shuffle: bool = True,
) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=hidden,
        learning_rate_init=lr,
        alpha=alpha,
        batch_size=batch_size,
        random_state=seed,
        solver=solver,
        momentum=momentum,
        shuffle=shuffle,
    )


def _set_learning_rate(model: MLPClassifier, lr: float) -> None:
    """Change the learning rate of a model between ``partial_fit`` calls (a schedule)."""
    optimizer = getattr(model, "_optimizer", None)
    if optimizer is None:  # before the first call the constructor's rate applies
        model.set_params(learning_rate_init=lr)
        return
    optimizer.learning_rate_init = lr
    optimizer.learning_rate = lr


def _fit_epoch(
    model: MLPClassifier, X: NDArray[np.float64], y: NDArray[np.int64], classes: NDArray[Any], epoch: int
) -> None:
    """One ``partial_fit`` call; a diverged solver raises :class:`FloatingPointError`, as the torch trainer's does.

    scikit-learn stops a run whose weights became non-finite (a learning rate far too high) with a
    ``ValueError``; the corpus reads a diverged run as an attempt with no run to check (it draws again),
    not as a broken recipe.
    """
    try:
        model.partial_fit(X, y, classes=classes)
    except ValueError as error:
        if "non-finite" not in str(error):
            raise
        raise FloatingPointError(f"the scikit-learn MLP diverged at epoch {epoch + 1} (non-finite weights)") from error


def _epoch_rows(n: int, order: Order, rng: np.random.Generator) -> NDArray[np.int64]:
    if order == "epoch":
        return rng.permutation(n)
    return np.arange(n)


def train_by_epoch(
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
) -> TrainedRun:
    """Train an MLP one epoch per ``partial_fit`` call and log losses and metrics.

    Parameters
    ----------
    X_train, y_train, X_val, y_val : ndarray
        Labels are class ids ``0..k-1``.
    epochs : int
    hidden : tuple of int, default=(128,)
    lr : float, default=1e-3
    alpha : float, default=0.0
        L2 penalty.
    batch_size : int, default=32
    seed : int, default=0
    metric : str, default="accuracy"
        Also logged as ``train_<metric>`` / ``val_<metric>`` when not accuracy.
    solver : {"adam", "sgd"}, default="adam"
    momentum : float, default=0.9
        SGD momentum.
    order : {"model", "epoch", "none"}, default="model"
        Row order within an epoch (see :data:`Order`).
    lr_schedule : callable, optional
        ``lr_schedule(epoch_index) -> learning rate`` applied before each epoch.
    track_rows : ndarray of int, optional
        Training rows whose loss is recorded every epoch.
    holdout : (X, y), optional
        An extra held-out set scored with ``metric`` every epoch.

    Returns
    -------
    TrainedRun
        ``history`` holds train_loss, val_loss, train_accuracy, val_accuracy, lr (and
        the metric's series).

    Raises
    ------
    FloatingPointError
        When the solver's weights become non-finite (scikit-learn stops such a run), or its
        probabilities do while the weights stay finite (logits past float64's range).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> run = train_by_epoch(X[::2], y[::2], X[1::2], y[1::2], epochs=3, hidden=(8,), order="epoch")
    >>> len(run.history["train_loss"]), run.label_order.shape
    (3, (75,))
    """
    classes = np.arange(int(max(y_train.max(), y_val.max())) + 1)
    model = _mlp(hidden, lr, alpha, seed, batch_size, solver, momentum, shuffle=order == "model")
    log = EpochLog(metric, y_train, y_val, track_rows, holdout)
    rng = np.random.default_rng(seed)
    rows = np.arange(len(y_train))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for i in range(epochs):
            rate = lr if lr_schedule is None else float(lr_schedule(i))
            if lr_schedule is not None:
                _set_learning_rate(model, rate)
            rows = _epoch_rows(len(y_train), order, rng)
            _fit_epoch(model, X_train[rows], y_train[rows], classes, i)
            with np.errstate(over="ignore", invalid="ignore"):  # overflowing logits: raised just below
                p_train = model.predict_proba(X_train)
                p_val = model.predict_proba(X_val)
            if not (np.isfinite(p_train).all() and np.isfinite(p_val).all()):
                raise FloatingPointError(f"the MLP diverged at epoch {i + 1} (non-finite probabilities)")
            log.add(rate, p_train, p_val, model.predict_proba)
    return log.run(p_train, p_val, None if order == "model" else np.asarray(y_train[rows], dtype=np.int64))


def out_of_fold_probs(
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
) -> NDArray[np.float64]:
    """Out-of-fold predicted probabilities of the same MLP, by stratified K-fold.

    The training options are those of :func:`train_by_epoch`; each fold's model is
    trained for ``epochs`` epochs and predicts its held-out rows.
    """
    classes = np.arange(int(y.max()) + 1)
    out = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for fit_rows, held_rows in splitter.split(X, y):
            model = _mlp(hidden, lr, alpha, seed, batch_size, solver, momentum, shuffle=order == "model")
            for i in range(epochs):
                if lr_schedule is not None:
                    _set_learning_rate(model, float(lr_schedule(i)))
                rows = fit_rows[_epoch_rows(len(fit_rows), order, rng)]
                _fit_epoch(model, X[rows], y[rows], classes, i)
            out[held_rows] = model.predict_proba(X[held_rows])
    return out


@dataclass(frozen=True)
class Trainer:
    """A model family the scenarios can train: one epoch-by-epoch run and its out-of-fold probabilities.

    ``train`` takes the arguments of :func:`train_by_epoch` and returns a :class:`TrainedRun`;
    ``out_of_fold`` those of :func:`out_of_fold_probs`. ``hidden=()`` trains no hidden layer:
    a multinomial logistic regression fitted by the same mini-batch optimiser.
    """

    name: str
    train: Callable[..., TrainedRun]
    out_of_fold: Callable[..., NDArray[np.float64]]


SKLEARN_MLP = Trainer("sklearn_mlp", train_by_epoch, out_of_fold_probs)
"""scikit-learn's MLPClassifier, trained one ``partial_fit`` per epoch (every bench scenario)."""
