"""A validation curve NaN at every evaluation beside a finite training loss: the validation side is broken.

A real Keras fit whose validation split holds a column of missing values (never imputed there), logged by
its ``CSVLogger``; a real Keras TensorBoard pair from a public repository (held-out set five); and the
boundaries: a run that diverged (NaN training loss) is not this, and a finite curve is the curve checks' to
judge (this check stands aside).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import gapdoctor
from tests.helpers import keras_on_torch

STOCKDATA = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout5" / "tb_keras_stockdata"


def _status(diagnosis: gapdoctor.Diagnosis) -> str:
    return next(c.status for c in diagnosis.checks if c.name == "pipeline_bug.nan_validation")


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", (0, 1))
def test_keras_fit_with_missing_values_in_the_validation_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    keras = keras_on_torch(monkeypatch)
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    train, val = order[:400], order[400:]
    scaler = StandardScaler().fit(X[train])
    X_train, X_val = scaler.transform(X[train]), scaler.transform(X[val])
    X_val[rng.random(len(val)) < 0.1, 3] = np.nan  # a column the validation file leaves blank on some rows
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(2)])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    log = tmp_path / "training.log"
    model.fit(
        X_train, y[train], validation_data=(X_val, y[val]), epochs=8, batch_size=32, verbose=0,
        callbacks=[keras.callbacks.CSVLogger(str(log))],
    )  # fmt: skip
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.check == "pipeline_bug.nan_validation", diagnosis.findings
    assert diagnosis.top.evidence["series"] == "val_loss"  # the accuracy counts rows, NaN logits included
    assert "every one of the 8 evaluations" in diagnosis.top.summary


def test_a_real_keras_tensorboard_pair_with_a_nan_validation_folder() -> None:
    """``huangyuan3h/StockData``: validation/epoch_loss and epoch_mae NaN at all 20 epochs, training finite."""
    diagnosis = gapdoctor.diagnose(history=STOCKDATA)
    assert diagnosis.top is not None and diagnosis.top.cause == "pipeline_bug"
    assert diagnosis.top.evidence["series"] == "val_loss, val_mae"
    assert diagnosis.top.evidence["points_logged"] == 20


def test_recorded_curves_and_the_boundaries() -> None:
    falling = list(np.linspace(1.0, 0.3, 10))
    nan = [float("nan")] * 10
    broken = gapdoctor.diagnose(history={"train_loss": falling, "val_loss": nan, "val_accuracy": nan})
    assert broken.top is not None and broken.top.check == "pipeline_bug.nan_validation"
    assert broken.top.evidence["series"] == "val_loss, val_accuracy"
    diverged = gapdoctor.diagnose(history={"train_loss": falling[:5] + nan[:5], "val_loss": nan})
    assert _status(diverged) == "skipped" and not any(
        f.check == "pipeline_bug.nan_validation" for f in diverged.findings
    )
    # a finite curve is the curve checks' to judge: this check stands aside, so it never makes a run "judged"
    healthy = gapdoctor.diagnose(history={"train_loss": falling, "val_loss": list(np.linspace(1.1, 0.5, 10))})
    assert _status(healthy) == "skipped" and not any(f.cause == "pipeline_bug" for f in healthy.findings)
    few = gapdoctor.diagnose(history={"train_loss": falling[:2], "val_loss": [1.0, 0.9]})
    assert _status(few) == "skipped" and not few.judged
