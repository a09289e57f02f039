"""The torch CNN family: it learns, takes any number of features, and records what the other families record."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.preprocessing import StandardScaler

from gapdoctor.bench.corpus.families import trainer_for
from gapdoctor.bench.corpus.torch_cnn import TORCH_CNN, cnn  # imports torch only when a model trains
from gapdoctor.bench.training import train_by_epoch

torch = pytest.importorskip("torch")


def _split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X = StandardScaler().fit_transform(X)
    return X[::2], y[::2], X[1::2], y[1::2]


def test_the_network_convolves_and_has_one_logit_per_class() -> None:
    net = cnn(64, 10, (32,))
    kinds = [type(layer).__name__ for layer in net]
    assert kinds.count("Conv1d") == 2 and kinds.count("MaxPool1d") == 2 and kinds[-1] == "Linear"
    assert tuple(net(torch.zeros(5, 64)).shape) == (5, 10)
    for n_in in (4, 13, 65, 100):  # iris, wine, digits plus a leaking column, a wide synthetic set
        assert tuple(cnn(n_in, 3, ())(torch.zeros(2, n_in)).shape) == (2, 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_it_learns_digits_and_records_what_the_sklearn_recorder_records(seed: int) -> None:
    X_train, y_train, X_val, y_val = _split(*load_digits(return_X_y=True))
    options = {"epochs": 8, "hidden": (64,), "lr": 3e-3, "seed": seed, "order": "epoch", "metric": "accuracy"}
    ours = trainer_for("torch_cnn").train(X_train, y_train, X_val, y_val, track_rows=np.arange(10), **options)
    reference = train_by_epoch(X_train[:200], y_train[:200], X_val, y_val, **{**options, "epochs": 2})
    assert sorted(ours.history) == sorted(reference.history)
    assert ours.sample_losses is not None and ours.sample_losses.shape == (8, 10)
    np.testing.assert_allclose(ours.val_probs.sum(axis=1), 1.0)
    assert ours.history["train_loss"][-1] < 0.3 * ours.history["train_loss"][0]
    assert ours.history["val_accuracy"][-1] > 0.85  # ten classes: chance is 0.1


def test_same_seed_same_run_and_out_of_fold_probabilities() -> None:
    X_train, y_train, X_val, y_val = _split(*load_iris(return_X_y=True))
    a = TORCH_CNN.train(X_train, y_train, X_val, y_val, epochs=4, seed=3, hidden=(16,))
    b = TORCH_CNN.train(X_train, y_train, X_val, y_val, epochs=4, seed=3, hidden=(16,))
    assert a.history == b.history
    oof = TORCH_CNN.out_of_fold(X_train, y_train, epochs=4, seed=3, hidden=(16,))
    np.testing.assert_array_equal(oof, TORCH_CNN.out_of_fold(X_train, y_train, epochs=4, seed=3, hidden=(16,)))
    assert oof.shape == (len(y_train), 3)
    np.testing.assert_allclose(oof.sum(axis=1), 1.0)


def test_a_diverged_out_of_fold_network_is_no_run() -> None:
    X_train, y_train, _, _ = _split(*load_iris(return_X_y=True))
    with pytest.raises(FloatingPointError, match="diverged"):  # the corpus redraws such a recipe
        TORCH_CNN.out_of_fold(X_train, y_train, epochs=3, seed=0, solver="sgd", lr=1e200)
