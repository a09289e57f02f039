"""A Trainer given an ``eval_dataset`` dict evaluates each set in turn and names its series ``eval_<set>_<metric>``:
the set named ``validation`` is the validation curve, ``test`` a test curve kept apart, and one evaluation is one
point (from the callback, the saved ``trainer_state.json`` and the Trainer's own TensorBoard events alike)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import digits_split
from tests.seeds import each_seed

transformers = pytest.importorskip("transformers")
import gapdoctor  # noqa: E402
from gapdoctor.integrations.transformers import GapdoctorCallback  # noqa: E402
from tests.integrations.test_transformers import DigitsConfig, DigitsModel, Rows, _trainer_args, accuracy  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*pin_memory.*:UserWarning"),
]


def _has_tensorboard() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def _trainer(tmp_path: Path, seed: int, strategy: str, callback: Any) -> Any:
    """40 epochs on 150 digits, 30% of them mislabelled (overfitting), evaluated on a validation and a test set."""
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    timing = {"eval_strategy": "epoch", "logging_strategy": "epoch"} if strategy == "epoch" else {}
    timing = timing or {"eval_strategy": "steps", "eval_steps": 10, "logging_steps": 10}
    # by epoch, the Trainer's own TensorBoard writer logs the run too (tags "eval/validation_loss", ...)
    report = {"report_to": "tensorboard"} if strategy == "epoch" and _has_tensorboard() else {}
    args = _trainer_args(tmp_path, num_train_epochs=40, learning_rate=1e-2, seed=seed, **timing, **report)
    transformers.set_seed(seed)
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig(hidden_size=256)),
        args=args,
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset={"validation": Rows(split.X_val, split.y_val), "test": Rows(split.X_val[:250], split.y_val[:250])},
        compute_metrics=accuracy,
        callbacks=[callback],
    )
    trainer.train()
    return trainer


@each_seed
@pytest.mark.parametrize("strategy", ["epoch", "steps"])
def test_the_set_named_validation_is_the_validation_curve(tmp_path: Path, seed: int, strategy: str) -> None:
    callback = GapdoctorCallback()
    trainer = _trainer(tmp_path, seed, strategy, callback)
    history = trainer.state.log_history
    validation = [e["eval_validation_loss"] for e in history if "eval_validation_loss" in e]
    assert len(validation) == (40 if strategy == "epoch" else 20)
    assert callback.recorder.epochs == len(validation)  # one point per evaluation, not one per set
    np.testing.assert_allclose(callback.recorder.curves["val_loss"], validation, rtol=1e-9)
    np.testing.assert_allclose(
        callback.recorder.curves["test_loss"], [e["eval_test_loss"] for e in history if "eval_test_loss" in e]
    )
    diagnosis = callback.diagnosis
    assert diagnosis is not None and any(f.cause == "overfitting" for f in diagnosis.reported), diagnosis.render()

    trainer.state.save_to_json(str(tmp_path / "trainer_state.json"))
    from_file = gapdoctor.diagnose(history=tmp_path / "trainer_state.json")
    np.testing.assert_allclose(from_file.curves["val_loss"], validation, rtol=1e-9)
    assert any(f.cause == "overfitting" for f in from_file.reported), from_file.render()
    assert any("test values kept apart" in note and "test_loss" in note for note in from_file.notes)
    events = sorted(tmp_path.glob("runs/*/events.out.tfevents*"))
    if strategy == "epoch" and _has_tensorboard():
        from_events = gapdoctor.diagnose(history=events[0])
        np.testing.assert_allclose(from_events.curves["val_loss"], validation, rtol=1e-6)
        assert any(f.cause == "overfitting" for f in from_events.reported), from_events.render()


@each_seed
def test_stop_when_stops_at_the_evaluation_that_decided(tmp_path: Path, seed: int) -> None:
    # the round's last set known from the first round, each later evaluation closes its point at once
    callback = GapdoctorCallback(store=False, stop_when=("overfitting",))
    trainer = _trainer(tmp_path, seed, "epoch", callback)
    decision = callback.recorder.stopping.decision
    assert decision is not None and decision.cause == "overfitting"
    assert callback.recorder.epochs == decision.epoch < 40 and trainer.state.epoch == decision.epoch
