"""MLflow runs logged as people log them: values with no ``step=`` (MLflow writes step 0), summaries after the loop.

Each run is a real scikit-learn MLP trained epoch by epoch on the digits, logged by MLflow itself to its file
store and to its SQLite store; the reader must give back the curve the loop logged, on the loop's epochs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gapdoctor.io import read_history
from gapdoctor.io.mlflow_steps import placed_on_steps

SEEDS = (0, 1, 2)


def _train_and_log(mlflow, seed: int, stepless: bool) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """A digits MLP trained for 12 epochs; validation loss logged without a step when ``stepless``, the accuracy
    at its epoch, and the best validation loss logged again after the loop with no step (a summary)."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X / 16.0, y, test_size=0.3, random_state=seed)
    model = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=seed)
    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    with mlflow.start_run():
        for epoch in range(1, 13):
            model.partial_fit(X_train, y_train, classes=np.arange(10))
            values = {
                "train_loss": float(model.loss_),
                "val_loss": float(log_loss(y_val, model.predict_proba(X_val), labels=np.arange(10))),
                "val_accuracy": float(model.score(X_val, y_val)),
            }
            for name, value in values.items():
                logged[name].append(value)
            if stepless:
                mlflow.log_metric("val_loss", values["val_loss"])  # no step: MLflow writes step 0
                mlflow.log_metrics({k: v for k, v in values.items() if k != "val_loss"}, step=epoch)
            else:
                mlflow.log_metrics(values, step=epoch)
        if not stepless:
            mlflow.log_metric("val_loss", min(logged["val_loss"]))  # the summary, at step 0 after step 12
    return logged


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("store", ["file", "sqlite"])
@pytest.mark.parametrize("stepless", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_loop_logging_partly_without_a_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, stepless: bool, store: str
) -> None:
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 keeps the file store behind a flag
    if store == "sqlite":
        pytest.importorskip("sqlalchemy")
    uri = f"file://{tmp_path / 'mlruns'}" if store == "file" else f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    try:
        logged = _train_and_log(mlflow, seed, stepless)
    finally:
        mlflow.set_tracking_uri(None)
    history = read_history(tmp_path / "mlruns" if store == "file" else tmp_path / "mlflow.db")
    assert history.n_points == 12 and history.steps is not None and history.steps.tolist() == list(range(1, 13))
    for name, values in logged.items():
        assert np.allclose(history.get(name), values, rtol=1e-12), name  # type: ignore[arg-type]
    said = " ".join(history.notes)
    assert ("placed in the order logged on the steps" in said) == stepless, history.notes
    assert ("read as summaries" in said and "val_loss (1)" in said) == (not stepless), history.notes


def test_values_that_cannot_be_paired_are_left_and_said() -> None:
    """A per-batch loss (5 values) and a per-epoch validation loss (2), neither with a step: no pairing exists, so
    the values are left where they were logged and the reader says why."""
    notes: list[str] = []
    points = [("loss", 0, v) for v in (0.9, 0.8, 0.7, 0.6, 0.5)] + [("val_loss", 0, 0.85), ("val_loss", 0, 0.65)]
    assert placed_on_steps(list(points), notes) == points
    assert len(notes) == 1 and "not placed: loss, val_loss" in notes[0], notes  # said, beside "one evaluation"


def test_a_stepless_metric_with_no_stepped_twin_of_its_length_is_noted() -> None:
    notes: list[str] = []
    points = [("acc", 1, 0.5), ("acc", 2, 0.6), ("acc", 3, 0.7), ("val_loss", 0, 0.9), ("val_loss", 0, 0.8)]
    assert placed_on_steps(list(points), notes) == points
    assert len(notes) == 1 and "not placed" in notes[0] and "val_loss" in notes[0], notes
