"""A validation loss that turned while the training loss was still falling, before the training loss climbed back.

``keras_history_noise_type_classification.json`` (held-out set 133, a Keras history saved with pandas): the
validation loss bottoms out at epoch 4 (0.48) and rises to 0.74 by epoch 11 while the training loss falls from 0.30 to
0.032 and the training accuracy reaches 0.99 beside a validation accuracy stuck at 0.71; then the training loss
spikes (0.45 at epoch 19) and only partly comes back (0.044 at epoch 25), the validation loss ending at 1.29. The
turn was judged only against the training loss's fall from its turn to the end, halves against halves, which the
spike cancels: main said healthy (optimization 0.29 the only finding). Judged up to the training loss's lowest too,
it is overfitting.

``keras_ipynb_97jay_intent_classification.ipynb`` (held-out set 125): the training loss also climbs back (from
epoch 87), but there the validation loss ends back at its best: no turn lasts to the end, and none is reported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import gapdoctor
from gapdoctor.causes.overfitting.check import _before_climb_back
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.inputs.history import smooth
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[2] / "data"
NOISE_TYPE = DATA / "real_logs_heldout133" / "keras_history_noise_type_classification.json"
INTENT = DATA / "real_logs_heldout125" / "keras_ipynb_97jay_intent_classification.ipynb"


def test_a_turn_before_the_training_loss_climbed_back_is_overfitting() -> None:
    diagnosis = gapdoctor.diagnose(history=NOISE_TYPE)
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and not top.weak, diagnosis.findings
    assert isinstance(top.result, OverfittingCurves)
    assert top.result.pattern == "turn" and top.result.train_loss_low_epoch == 11
    assert "to its lowest at epoch 11 (it climbed back after that" in top.summary, top.summary


def test_a_validation_loss_back_at_its_best_at_the_end_is_no_turn() -> None:
    history = read_history(INTENT)
    train = history.get("train_loss")
    assert (
        train is not None and _before_climb_back(train, smooth(train)) is not None
    )  # the training loss did climb back
    diagnosis = gapdoctor.diagnose(history=history)
    overfit = [f for f in diagnosis.findings if f.cause == "overfitting"]
    assert all(f.weak for f in overfit), overfit
    assert diagnosis.top is None or diagnosis.top.weak or diagnosis.top.cause != "overfitting"


def test_a_training_loss_that_kept_falling_or_levelled_off_did_not_climb_back() -> None:
    epochs = np.arange(30, dtype=float)
    wobble = 1 + 0.02 * np.random.default_rng(0).standard_normal(30)
    falling = 2.0 * np.exp(-epochs / 8.0) * wobble
    levelled = (0.3 + 2.0 * np.exp(-epochs / 3.0)) * wobble
    climbed = falling.copy()
    climbed[22:] = falling[21] * np.linspace(3.0, 2.0, 8)  # a spike at epoch 23, only partly undone
    assert (
        _before_climb_back(falling, smooth(falling)) is None and _before_climb_back(levelled, smooth(levelled)) is None
    )
    assert _before_climb_back(climbed, smooth(climbed)) in {20, 21}  # the lowest of the smoothed curve
