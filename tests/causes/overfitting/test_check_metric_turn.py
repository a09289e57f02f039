"""A validation metric that turns while the validation loss keeps falling is not an overfitting turn.

Corpus seed 1030, recorded once by tests/data/record_metric_turn_loss_falling.py: a logistic regression
on digits (SGD, learning rate 0.2), validation accuracy best at epoch 13 (0.95) and 2.5 rows of 491 lower
at the end, the validation loss at its lowest at the last epoch. The metric's turn alone headlined
overfitting (0.78 calibrated, strength 0.56); memorising makes the validation loss rise first, and
stopping at the metric's best would give up the loss's fall.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import gapdoctor

FIXTURE = Path(__file__).parents[2] / "data" / "metric_turn_loss_falling.json"
RUN: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))["runs"]["corpus-seed1030"]


def test_a_metric_turn_with_the_validation_loss_still_falling_is_not_overfitting() -> None:
    history = RUN["history"]
    accuracy, val_loss = np.asarray(history["val_accuracy"]), np.asarray(history["val_loss"])
    assert int(np.argmax(accuracy)) < len(accuracy) // 2 and accuracy[-1] < accuracy.max()  # the metric turned
    assert int(np.argmin(val_loss)) >= len(val_loss) - 3  # ... while the loss reached its low at the end
    diagnosis = gapdoctor.diagnose(history=history, metric=RUN["metric"], val_size=RUN["val_size"])
    overfitting = [f for f in diagnosis.findings if f.cause == "overfitting"]
    assert all(f.score < 0.3 for f in overfitting)  # before: 0.78, the headline
    assert diagnosis.top is None or diagnosis.top.cause != "overfitting"


def test_a_metric_turn_with_the_validation_loss_rising_stays_overfitting() -> None:
    history = {k: list(v) for k, v in RUN["history"].items()}
    n = len(history["val_loss"])
    turn = int(np.argmax(history["val_accuracy"]))
    low = history["val_loss"][turn]
    history["val_loss"] = history["val_loss"][: turn + 1] + [
        low * (1 + 0.4 * (i + 1) / (n - turn)) for i in range(n - turn - 1)
    ]
    diagnosis = gapdoctor.diagnose(history=history, metric=RUN["metric"], val_size=RUN["val_size"])
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting"  # the loss rose 40%: memorising
