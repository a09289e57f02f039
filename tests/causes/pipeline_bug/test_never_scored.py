"""A validation metric logged 0 at every evaluation while the loss fell: the metric never scored the model.

Real Keras 3 fits of a regression compiled with ``metrics=["accuracy"]`` (continuous targets no prediction equals:
the accuracy is 0 throughout while the loss falls), beside the same network compiled with MAE and a classifier whose
accuracy is its own; a real HF Trainer state from a public repository whose BLEU is 0.0 at all 5 evaluations
(held-out set nineteen); recorded curves for what the check must leave alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

import gapdoctor
from gapdoctor.inputs.history import RunHistory
from tests.helpers import keras_on_torch

CHECK = "pipeline_bug.metric_never_scored"
BLEU_ZERO = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout19" / "hf_women_mental_tracker_bleu.json"


def _keras_fit(monkeypatch: pytest.MonkeyPatch, seed: int, task: str, metric: str) -> dict[str, list[float]]:
    keras = keras_on_torch(monkeypatch)
    keras.utils.set_random_seed(seed)
    if task == "regression":
        X, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()  # standardised targets, as people fit them
        head, loss = keras.layers.Dense(1), "mse"
    else:
        X, y = load_breast_cancer(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        head, loss = keras.layers.Dense(1, activation="sigmoid"), "binary_crossentropy"
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order].astype("float32"), y[order].astype("float32")
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(32, activation="relu"), head])
    model.compile("adam", loss, metrics=[metric])
    history = model.fit(X, y, validation_split=0.25, epochs=12, batch_size=32, verbose=0)
    return {name: [float(v) for v in values] for name, values in history.history.items()}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_keras_accuracy_on_a_regression(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """``metrics=["accuracy"]`` on the diabetes targets (standardised): the validation accuracy is 0.0 at all 12
    epochs while the loss falls; the headline is the broken comparison, near-certain, with the fix naming MAE / RMSE."""
    logged = _keras_fit(monkeypatch, seed, "regression", "accuracy")
    assert not any(logged["val_accuracy"]) and logged["val_loss"][-1] < 0.95 * logged["val_loss"][0]
    diagnosis = gapdoctor.diagnose(history=logged)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and top.score >= 0.9, diagnosis.findings
    assert "accuracy is 0 at every one of its 12 evaluations" in top.summary
    assert any("MAE or RMSE" in fix for fix in top.fixes)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("task", "metric"), [("regression", "mae"), ("classification", "accuracy")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_that_score_the_model_are_left_alone(
    monkeypatch: pytest.MonkeyPatch, seed: int, task: str, metric: str
) -> None:
    logged = _keras_fit(monkeypatch, seed, task, metric)
    diagnosis = gapdoctor.diagnose(history=logged)
    assert not any(f.check == CHECK for f in diagnosis.findings), diagnosis.findings
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "no validation accuracy" in run.reason


def test_a_bleu_of_zero_in_a_real_trainer_state() -> None:
    """BLEU 0.0 at all 5 evaluations while the validation loss fell 6.07 -> 5.11 (read healthy before: the curve
    checks read the loss): reported, and no more than likely — the outputs may also be too poor for a 4-gram."""
    diagnosis = gapdoctor.diagnose(history=BLEU_ZERO)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and 0.5 <= top.score < 0.8, diagnosis.findings
    assert "bleu is 0 at every one of its 5 evaluations" in top.summary
    assert any("predict_with_generate=True" in fix for fix in top.fixes)


@pytest.mark.parametrize(
    ("curves", "val_size", "reason"),
    [
        (
            {"val_loss": [2.0, 2.0, 2.01, 2.0, 2.0], "train_loss": [2.1, 2.1, 2.09, 2.1, 2.1], "val_bleu": [0.0] * 5},
            None,
            "no loss fell",
        ),  # a model that learnt nothing
        ({"val_loss": [2.0, 1.6, 1.3, 1.1, 1.0], "val_f1": [0.0] * 5}, None, "no validation accuracy"),  # threshold
        ({"val_loss": [2.0, 1.6, 1.3], "val_accuracy": [0.0] * 3}, None, "no validation accuracy"),  # 3 evaluations
        ({"val_loss": [2.0, 1.6, 1.3, 1.1], "val_accuracy": [0.0, 0.0, 0.1, 0.0]}, None, "no validation accuracy"),
        ({"val_loss": [2.0, 1.6, 1.3, 1.1, 1.0], "val_accuracy": [0.0] * 5}, 12, "too few to read"),
    ],
)
def test_zeros_that_say_nothing(curves: dict[str, list[float]], val_size: int | None, reason: str) -> None:
    history = RunHistory.from_any({"train_loss": list(np.geomspace(1.0, 0.1, len(curves["val_loss"]))), **curves})
    diagnosis = gapdoctor.diagnose(history=history, val_size=val_size)
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and reason in run.reason, run


def test_a_small_validation_set_leaves_only_the_metric_its_size_cannot_explain() -> None:
    """12 validation rows: an accuracy of 0 may be a handful of hard rows, a BLEU of 0 beside it is still read,
    at the strength of its own two readings."""
    curves = {"val_loss": [2.0, 1.6, 1.3, 1.1, 1.0], "val_accuracy": [0.0] * 5, "val_bleu": [0.0] * 5}
    history = RunHistory.from_any({"train_loss": list(np.geomspace(1.0, 0.1, 5)), **curves})
    diagnosis = gapdoctor.diagnose(history=history, val_size=12)
    found = [f for f in diagnosis.findings if f.check == CHECK]
    assert len(found) == 1 and "bleu is 0" in found[0].summary and "accuracy" not in found[0].summary
    assert 0.5 <= found[0].score < 0.8, found


def test_an_accuracy_of_zero_on_a_class_the_model_hardly_saw_is_a_shift() -> None:
    """Real MLPs trained on the digits 0-8 and two 9s, validated on the other 9s alone: the validation accuracy is 0 at
    every epoch (for most seeds) because the model never answers 9, not because the metric is broken. Given the
    labels, the check sees classes the model answers that no validation row holds and leaves the zero to the shift
    checks (blind corpus batches 112-114 held five covariate-shift runs whose validation rows were all of one class,
    read so at 0.98 beside the shift headline before)."""
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    train = y != 9
    train[np.flatnonzero(y == 9)[:2]] = True
    val = ~train
    zero_runs = 0
    for seed in range(5):  # a trajectory differs by machine: a zero throughout on most seeds, each read so
        model = MLPClassifier(hidden_layer_sizes=(32,), random_state=seed)
        curves: dict[str, list[float]] = {"train_loss": [], "val_accuracy": []}
        for _ in range(8):
            model.partial_fit(X[train], y[train], classes=np.arange(10))
            curves["train_loss"].append(float(model.loss_))
            curves["val_accuracy"].append(float(model.score(X[val], y[val])))
        if any(curves["val_accuracy"]):
            continue
        zero_runs += 1
        diagnosis = gapdoctor.diagnose(history=curves, y_train=y[train], y_val=y[val])
        assert not any(f.check == CHECK for f in diagnosis.findings), diagnosis.findings
        run = next(c for c in diagnosis.checks if c.name == CHECK)
        assert run.status == "skipped" and "the validation rows hold no class 0" in run.reason, run
    assert zero_runs >= 2
