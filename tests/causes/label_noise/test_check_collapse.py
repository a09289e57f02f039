"""label_noise: a model that cannot learn flags its own errors, not wrong labels (the control in plain errors)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import out_of_fold_probs, train_by_epoch
from tests.seeds import SEEDS

_N_TRAIN = 1200


def _label_noise(seed: int, lr: float, flip: float = 0.0) -> gapdoctor.Finding | None:
    """A one-hidden-layer MLP (SGD, batches of 8) on 4 classes, out-of-fold probabilities on 1,200 training rows."""
    X, y = make_classification(
        n_samples=2000, n_features=20, n_informative=10, n_classes=4, class_sep=1.5, random_state=seed
    )
    X = (X - X[:_N_TRAIN].mean(axis=0)) / X[:_N_TRAIN].std(axis=0)
    y_train: NDArray[np.int64] = y[:_N_TRAIN].copy()
    flipped = np.random.default_rng(seed).random(_N_TRAIN) < flip
    y_train[flipped] = (y_train[flipped] + np.random.default_rng(seed + 1).integers(1, 4, int(flipped.sum()))) % 4
    options = {"epochs": 20, "hidden": (32,), "lr": lr, "batch_size": 8, "solver": "sgd", "order": "epoch"}
    with threadpool_limits(limits=1), np.errstate(over="ignore", invalid="ignore"):
        train_probs = out_of_fold_probs(X[:_N_TRAIN], y_train, **options, seed=seed)
        val_probs = train_by_epoch(X[:_N_TRAIN], y_train, X[_N_TRAIN:], y[_N_TRAIN:], **options, seed=seed).val_probs
    d = gapdoctor.diagnose(y_train=y_train, train_probs=train_probs, y_val=y[_N_TRAIN:], val_probs=val_probs)
    return next((f for f in d.findings if f.check == "label_noise.confident_learning"), None)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_learning_rate_too_high_to_learn_is_not_label_noise(seed: int) -> None:
    # At lr 0.3 the MLP never learns: 26-27% accuracy on 4 balanced classes, the final model predicting
    # one class for 98% of the validation rows. Confident learning flags ~73% of the training labels,
    # every one it gets wrong; on the collapsed final model's validation split it finds 44% (seeds 1, 2:
    # reported at 0.90 on main), yet the model errs as often on validation labels as on training ones.
    finding = _label_noise(seed, lr=0.3)
    assert finding is not None
    assert finding.score < 0.5, finding.summary


@pytest.mark.parametrize("seed", SEEDS)
def test_the_same_model_at_a_learnable_rate_still_reports_flipped_labels(seed: int) -> None:
    # The bound costs injected noise little: with 30% of the labels flipped the model errs on about
    # 50% of the training labels against 28-34% of the (clean) validation ones, and the flags stand
    # (0.68-0.77 measured).
    finding = _label_noise(seed, lr=0.01, flip=0.3)
    assert finding is not None
    assert finding.score >= 0.5, finding.summary
