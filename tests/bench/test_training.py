"""The bench's scikit-learn trainer: a run whose weights diverge is reported as a diverged run."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from gapdoctor.bench.training import out_of_fold_probs, train_by_epoch


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_diverged_solver_raises_floating_point_error(seed: int) -> None:
    X, y = make_classification(600, n_features=40, random_state=seed)
    options = {"epochs": 30, "hidden": (32,), "lr": 5.0, "alpha": 1e-4, "solver": "sgd", "batch_size": 8, "seed": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow on the way, where this CPU says so
        with pytest.raises(FloatingPointError, match="diverged at epoch") as raised:
            train_by_epoch(X[::2], y[::2], X[1::2], y[1::2], **options)  # type: ignore[arg-type]
        assert isinstance(raised.value.__cause__, ValueError)  # scikit-learn's own error, kept as the cause
        with pytest.raises(FloatingPointError, match="non-finite weights"):
            out_of_fold_probs(X, y, **options)  # type: ignore[arg-type]


def test_other_solver_errors_are_not_read_as_divergence() -> None:
    X, y = make_classification(100, n_features=5, random_state=0)
    X[3, 2] = np.nan  # bad input is scikit-learn's ValueError, unchanged
    with pytest.raises(ValueError, match="NaN"):
        train_by_epoch(X[::2], y[::2], X[1::2], y[1::2], epochs=2, hidden=(4,))


def test_probabilities_past_float64_with_finite_weights_are_a_diverged_run() -> None:
    # corpus seed 29158's third attempt (this CPU): finite weights whose logits overflow, so the softmax
    # subtracts inf from inf; the epoch log's loss then raised scikit-learn's "Input contains NaN" and the seed
    # errored instead of being drawn again. Validation rows of +-1e308 overflow a 3-class softmax the same way.
    X, y = make_classification(300, n_features=5, n_informative=3, n_classes=3, random_state=0)
    X_val = np.repeat([[1e308] * 5, [-1e308] * 5, [1e308, -1e308] * 2 + [1e308]], 10, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflow is read, not warned about
        with pytest.raises(FloatingPointError, match="diverged at epoch 1 \\(non-finite probabilities\\)"):
            train_by_epoch(X, y, X_val, y[:30], epochs=3, hidden=(4,))
