"""Fault injection into real HF ``Trainer`` runs: no fault reaches ``trainer.train()``.

A tiny ``PreTrainedModel`` built from a config (no download) trains on the digits data
with ``GapdoctorCallback``; each fault must leave training running to its end with
weights bit-identical to the same run without gapdoctor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations import _faults as hostile
from tests.integrations.conftest import digits_split

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import gapdoctor.engine  # noqa: E402
from gapdoctor.integrations.transformers import GapdoctorCallback  # noqa: E402
from tests.integrations.test_transformers import DigitsConfig, DigitsModel, Rows  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*pin_memory.*:UserWarning"),
]

Metrics = Callable[[Any], dict[str, Any]]


def accuracy(prediction: Any) -> dict[str, Any]:
    return {"accuracy": float((np.argmax(prediction.predictions, axis=1) == prediction.label_ids).mean())}


def odd_metrics(prediction: Any) -> dict[str, Any]:
    """What a user's compute_metrics may return: NaN, inf, text, a per-class array."""
    return {**accuracy(prediction), "f1": math.nan, "auc": math.inf, "note": "n/a", "per_class": np.zeros(10)}


class LogMangler(transformers.TrainerCallback):  # type: ignore[misc]
    """Another callback, called before gapdoctor's, that writes odd values into the shared ``logs``."""

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if logs is not None and "loss" in logs:
            logs.update(loss=math.inf, grad_norm=torch.tensor([1.0, 2.0]), learning_rate="3e-3", extra=None)


def train(callbacks: list[Any], root: Path, *, metrics: Metrics = accuracy, epochs: int = 3) -> Any:
    split = digits_split(300)
    transformers.set_seed(0)
    args = transformers.TrainingArguments(
        output_dir=str(root),
        num_train_epochs=epochs,
        per_device_train_batch_size=32,
        per_device_eval_batch_size=256,
        learning_rate=3e-3,
        lr_scheduler_type="constant",
        eval_strategy="epoch",
        logging_strategy="epoch",
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        seed=0,
    )
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig(hidden_size=32)),
        args=args,
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        compute_metrics=metrics,
        callbacks=callbacks,
    )
    trainer.train()
    return {name: value.detach().clone() for name, value in trainer.model.state_dict().items()}


@cache
def reference(metrics: Metrics = accuracy, mangled: bool = False) -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return train([LogMangler()] if mangled else [], Path(folder), metrics=metrics)


def assert_same_training(weights: dict[str, Any], expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        assert torch.equal(weights[name], value), f"{name}: training was changed"


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[hostile.Context]:
    with ExitStack() as stack:
        yield hostile.Context(tmp_path, monkeypatch, stack)


def test_hostile_logging_handler(ctx: hostile.Context) -> None:
    expected = reference()
    hostile.add_handler(ctx)
    callback = GapdoctorCallback(diagnose_every=1, on_epoch_end=hostile.failing_hook(OSError("disk full")))
    assert_same_training(train([callback], ctx.tmp_path), expected)
    assert callback.recorder.epochs == 3 and callback.recorder.enabled
    hostile.reported_through_hostile_logging(ctx, callback.recorder.errors)


def test_diagnosis_raises(ctx: hostile.Context) -> None:
    expected = reference()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected into diagnose()")

    ctx.monkeypatch.setattr(gapdoctor.engine, "diagnose", broken)
    callback = GapdoctorCallback(diagnose_every=1)
    assert_same_training(train([callback], ctx.tmp_path), expected)
    assert callback.diagnosis is None and callback.recorder.epochs == 3


@pytest.mark.parametrize(
    "make_hook",
    [
        pytest.param(hostile.unwritable_store_hook, id="store_folder_unwritable"),
        pytest.param(hostile.store_deleted_mid_run_hook, id="store_folder_deleted_mid_run"),
    ],
)
def test_a_run_store_that_fails(ctx: hostile.Context, make_hook: Any) -> None:
    expected = reference()
    callback = GapdoctorCallback(on_epoch_end=make_hook(ctx))
    assert_same_training(train([callback], ctx.tmp_path), expected)
    assert callback.recorder.epochs == 3 and callback.diagnosis is not None


def test_compute_metrics_returning_odd_values(ctx: hostile.Context) -> None:
    expected = reference(odd_metrics)
    callback = GapdoctorCallback()
    assert_same_training(train([callback], ctx.tmp_path, metrics=odd_metrics), expected)
    curves = callback.recorder.curves
    assert callback.recorder.epochs == 3 and np.isfinite(curves["val_loss"]).all()
    assert math.isinf(curves["val_roc_auc"][0]) and "note" not in callback.recorder.extra_curves


def test_another_callback_writing_odd_values_into_the_logs(ctx: hostile.Context) -> None:
    expected = reference(mangled=True)
    callback = GapdoctorCallback()
    assert_same_training(train([LogMangler(), callback], ctx.tmp_path), expected)
    assert callback.recorder.epochs == 3 and callback.recorder.enabled
    assert math.isinf(callback.recorder.curves["train_loss"][0]) and "grad_norm" not in callback.recorder.curves


def test_a_user_interrupt_propagates(ctx: hostile.Context) -> None:
    callback = GapdoctorCallback(on_epoch_end=hostile.failing_hook(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        train([callback], ctx.tmp_path)
    assert callback.recorder.epochs == 2 and callback.recorder.finish() is not None
