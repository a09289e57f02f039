"""scikit-learn's ``MLPClassifier`` / ``MLPRegressor(verbose=True, early_stopping=True)`` output, as a console saves
it: real fits on the package's bundled data, three seeds each (threads pinned to one by the suite).

Before, the output was taken for a broken table ("line 2 has 1 fields but the header has 2").
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.io import read_history


def _printed(path: Path, model: MLPClassifier | MLPRegressor, X: np.ndarray, y: np.ndarray) -> None:
    with path.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        model.fit(X, y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_classifiers_validation_scores_are_its_accuracy(tmp_path: Path, seed: int) -> None:
    X, y = load_digits(return_X_y=True)
    model = MLPClassifier(
        hidden_layer_sizes=(32,), early_stopping=True, verbose=True, max_iter=40, n_iter_no_change=40, random_state=seed
    )
    log = tmp_path / "mlp.log"
    with pytest.warns(Warning):  # max_iter reached before convergence: the run as printed
        _printed(log, model, X / 16, y)
    history = read_history(log)
    assert history.n_points == model.n_iter_ == 40
    assert np.allclose(history.get("val_accuracy"), model.validation_scores_, atol=5e-7)  # type: ignore[arg-type]
    assert np.allclose(history.get("train_loss"), model.loss_curve_, atol=5e-9)  # type: ignore[arg-type]
    assert any("share of 180 rows" in note for note in history.notes), history.notes
    assert gapdoctor.diagnose(history=log).judged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_regressors_scores_below_zero_are_its_r2(tmp_path: Path, seed: int) -> None:
    X, y = load_diabetes(return_X_y=True)
    model = MLPRegressor(
        hidden_layer_sizes=(32,), early_stopping=True, verbose=True, max_iter=30, n_iter_no_change=30, random_state=seed
    )
    log = tmp_path / "mlp.log"
    with pytest.warns(Warning):
        _printed(log, model, StandardScaler().fit_transform(X), y / 100)
    history = read_history(log)
    assert min(model.validation_scores_) < 0  # the first iterations score below a mean's
    assert np.allclose(history.get("val_r2"), model.validation_scores_, atol=5e-7)  # type: ignore[arg-type]
    assert history.get("val_accuracy") is None
