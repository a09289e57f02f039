"""The torch model family records what the scikit-learn recorder records, deterministically."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from gapdoctor.bench.corpus.torch_mlp import TORCH_MLP  # imports torch only when a model trains
from gapdoctor.bench.training import train_by_epoch

pytest.importorskip("torch")


def _wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X[::2], y[::2], X[1::2], y[1::2]


def test_same_record_as_the_sklearn_recorder_and_it_learns() -> None:
    X_train, y_train, X_val, y_val = _wine()
    options = {"epochs": 12, "hidden": (16,), "lr": 3e-3, "seed": 0, "order": "epoch", "metric": "f1"}
    ours = TORCH_MLP.train(X_train, y_train, X_val, y_val, track_rows=np.arange(10), **options)
    reference = train_by_epoch(X_train, y_train, X_val, y_val, track_rows=np.arange(10), **options)
    assert sorted(ours.history) == sorted(reference.history)
    assert ours.sample_losses is not None and ours.sample_losses.shape == (12, 10)
    assert ours.val_probs.shape == reference.val_probs.shape
    np.testing.assert_allclose(ours.val_probs.sum(axis=1), 1.0)
    assert ours.history["train_loss"][-1] < 0.7 * ours.history["train_loss"][0]
    assert ours.history["val_accuracy"][-1] > 0.8


def test_same_seed_same_run_and_out_of_fold_probabilities() -> None:
    X_train, y_train, X_val, y_val = _wine()
    a = TORCH_MLP.train(X_train, y_train, X_val, y_val, epochs=5, seed=3, solver="sgd", lr=0.05)
    b = TORCH_MLP.train(X_train, y_train, X_val, y_val, epochs=5, seed=3, solver="sgd", lr=0.05)
    assert a.history == b.history
    oof = TORCH_MLP.out_of_fold(X_train, y_train, epochs=5, seed=3)
    np.testing.assert_array_equal(oof, TORCH_MLP.out_of_fold(X_train, y_train, epochs=5, seed=3))
    assert oof.shape == (len(y_train), 3)
