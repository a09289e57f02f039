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
from gapdoctor.inputs.history import RunHistory
from gapdoctor.io import read_history


def _fit_printed(
    path: Path, kind: type[MLPClassifier | MLPRegressor], epochs: int, seed: int, X: np.ndarray, y: np.ndarray
) -> tuple[MLPClassifier | MLPRegressor, RunHistory]:
    """A verbose fit with early stopping's validation scores, its console saved to ``path``, read back."""
    model = kind(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        verbose=True,
        max_iter=epochs,
        n_iter_no_change=epochs,
        random_state=seed,
    )
    # max_iter reached before convergence warns: the run as printed
    with pytest.warns(Warning), path.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        model.fit(X, y)
    return model, read_history(path)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_classifiers_validation_scores_are_its_accuracy(tmp_path: Path, seed: int) -> None:
    X, y = load_digits(return_X_y=True)
    model, history = _fit_printed(tmp_path / "mlp.log", MLPClassifier, 40, seed, X / 16, y)
    assert history.n_points == model.n_iter_ == 40
    assert np.allclose(history.get("val_accuracy"), model.validation_scores_, atol=5e-7)  # type: ignore[arg-type]
    assert np.allclose(history.get("train_loss"), model.loss_curve_, atol=5e-9)  # type: ignore[arg-type]
    assert any("share of 180 rows" in note for note in history.notes), history.notes
    assert gapdoctor.diagnose(history=tmp_path / "mlp.log").judged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_regressors_scores_below_zero_are_its_r2(tmp_path: Path, seed: int) -> None:
    X, y = load_diabetes(return_X_y=True)
    model, history = _fit_printed(
        tmp_path / "mlp.log", MLPRegressor, 30, seed, StandardScaler().fit_transform(X), y / 100
    )
    assert min(model.validation_scores_) < 0  # the first iterations score below a mean's
    assert np.allclose(history.get("val_r2"), model.validation_scores_, atol=5e-7)  # type: ignore[arg-type]
    assert history.get("val_accuracy") is None
