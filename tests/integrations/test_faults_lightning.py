"""Fault injection into real Lightning fits: no fault reaches ``trainer.fit``.

Each fault runs a real ``Trainer.fit`` on the digits data with ``GapdoctorCallback``;
training must end normally with weights bit-identical to the same fit without gapdoctor.
Includes the issue's case: resuming ``trainer.fit(ckpt_path=...)`` with changed callback
options, and checkpoints whose gapdoctor state is missing keys or garbage.
"""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations import _faults as hostile
from tests.integrations.conftest import LIGHTNING_WARNINGS, digits_split, quiet_trainer

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import gapdoctor.engine  # noqa: E402
import gapdoctor.integrations.recorder  # noqa: E402
from gapdoctor.integrations.lightning import GapdoctorCallback  # noqa: E402
from gapdoctor.torch import RowIndexed  # noqa: E402

pytestmark = [
    *LIGHTNING_WARNINGS,
    pytest.mark.filterwarnings("ignore:.*precision.*:UserWarning"),  # bf16-mixed on the CPU
    pytest.mark.filterwarnings("ignore:.*checkpoint.*:UserWarning"),
]

N_TRAIN = 300
Extras = Callable[[dict[str, Any]], dict[str, Any]]


class Classifier(L.LightningModule):
    def __init__(self, extras: Extras | None = None) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        self.extras = extras

    def training_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        rows, X, y = batch
        logits = self.net(X)
        per_row = F.cross_entropy(logits, y, reduction="none")
        loss = per_row.mean()
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        out = {"loss": loss, "rows": rows, "sample_losses": per_row.detach(), "predictions": logits.detach()}
        return self.extras(out) if self.extras else out

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        X, y = batch
        logits = self.net(X).float()
        self.log("val_loss", F.cross_entropy(logits, y), on_epoch=True)
        self.log("val_acc", (logits.argmax(1) == y).float().mean(), on_epoch=True)

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=3e-3)


def fit(
    callback: Any,
    root: Path,
    *,
    epochs: int = 4,
    precision: str = "32-true",
    extras: Extras | None = None,
    resume_from: Path | None = None,
    save_to: Path | None = None,
    checkpointing: bool = False,
) -> Any:
    split = digits_split(N_TRAIN)
    torch.manual_seed(0)
    model = Classifier(extras)
    train = DataLoader(
        RowIndexed(TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train))),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    trainer = quiet_trainer(
        max_epochs=epochs,
        precision=precision,
        default_root_dir=root,
        callbacks=[] if callback is None else [callback],
        enable_checkpointing=checkpointing,
    )
    trainer.fit(model, train, val, ckpt_path=resume_from)
    if save_to is not None:
        trainer.save_checkpoint(save_to)
    return model


def weights(model: Any) -> dict[str, Any]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


@cache
def reference(precision: str = "32-true", resumed: bool = False) -> dict[str, Any]:
    """Final weights of the same fit without gapdoctor (resumed: 2 epochs, a checkpoint, 2 more)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        if not resumed:
            return weights(fit(None, Path(folder), precision=precision))
        fit(None, Path(folder), epochs=2, save_to=Path(folder) / "half.ckpt")
        return weights(fit(None, Path(folder), resume_from=Path(folder) / "half.ckpt"))


def assert_same_training(model: Any, expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        assert torch.equal(weights(model)[name], value), f"{name}: training was changed"


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[hostile.Context]:
    with ExitStack() as stack:
        yield hostile.Context(tmp_path, monkeypatch, stack)


def test_hostile_logging_handler(ctx: hostile.Context) -> None:
    expected = reference()
    hostile.add_handler(ctx)
    callback = GapdoctorCallback(diagnose_every=1, on_epoch_end=hostile.failing_hook(OSError("disk full")))
    assert_same_training(fit(callback, ctx.tmp_path), expected)
    assert callback.recorder.epochs == 4 and callback.recorder.enabled
    hostile.reported_through_hostile_logging(ctx, callback.recorder.errors)


def test_diagnosis_raises(ctx: hostile.Context) -> None:
    expected = reference()
    ctx.monkeypatch.setattr(gapdoctor.engine, "diagnose", _raise(RuntimeError("injected into diagnose()")))
    callback = GapdoctorCallback(diagnose_every=1)
    assert_same_training(fit(callback, ctx.tmp_path), expected)
    assert callback.diagnosis is None and callback.recorder.epochs == 4


def test_bf16_mixed_precision_is_recorded_row_by_row(ctx: hostile.Context) -> None:
    expected = reference("bf16-mixed")
    callback = GapdoctorCallback(n_train=N_TRAIN, track_rows=64)
    assert_same_training(fit(callback, ctx.tmp_path, precision="bf16-mixed"), expected)
    recorder = callback.recorder
    assert recorder.errors == [] and np.asarray(recorder.sample_losses).shape == (4, 64)
    assert np.isfinite(recorder.sample_losses).all() and (np.asarray(recorder.sample_predictions) >= 0).all()


@pytest.mark.parametrize(
    "extras",
    [
        pytest.param(lambda out: {**out, "rows": out["rows"] + 10_000}, id="rows_outside_the_training_set"),
        pytest.param(lambda out: {**out, "sample_losses": out["sample_losses"][:-1]}, id="per_row_losses_too_short"),
        pytest.param(lambda out: {**out, "predictions": "cat"}, id="predictions_a_string"),
        pytest.param(lambda out: {**out, "loss": out["loss"]} | {"sample_losses": None}, id="losses_missing"),
    ],
)
def test_per_row_outputs_that_do_not_fit(ctx: hostile.Context, extras: Extras) -> None:
    expected = reference()
    callback = GapdoctorCallback(n_train=N_TRAIN, track_rows=64)
    assert_same_training(fit(callback, ctx.tmp_path, extras=extras), expected)
    assert callback.recorder.enabled and callback.recorder.epochs == 4
    assert len(callback.recorder.sample_losses) == 4 and callback.diagnosis is not None


def test_checkpoint_saved_while_the_state_cannot_be_made(ctx: hostile.Context) -> None:
    expected = reference()

    def broken(recorder: Any) -> Any:
        raise RuntimeError("injected into state_dict()")

    ctx.monkeypatch.setattr(gapdoctor.integrations.recorder, "recorder_state", broken)
    callback = GapdoctorCallback()
    model = fit(callback, ctx.tmp_path, checkpointing=True, save_to=ctx.tmp_path / "last.ckpt")
    assert_same_training(model, expected)
    assert (ctx.tmp_path / "last.ckpt").exists() and any("state_dict" in e for e in callback.recorder.errors)


def _rewrite_state(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    checkpoint = torch.load(path, weights_only=False)
    (key,) = [k for k in checkpoint["callbacks"] if "GapdoctorCallback" in k]
    checkpoint["callbacks"][key] = change(checkpoint["callbacks"][key])
    torch.save(checkpoint, path)


@pytest.mark.parametrize(
    ("options", "change", "note"),
    [
        pytest.param({"track_rows": 16}, None, "another sample", id="changed_track_rows"),  # the case
        pytest.param({"track_rows": 64, "seed": 7}, None, "another sample", id="changed_seed"),
        pytest.param({}, lambda s: {k: v for k, v in s.items() if k != "tracked"}, "missing", id="missing_keys"),
        pytest.param({}, lambda s: {**s, "version": 99}, "state version 99", id="newer_version"),
        pytest.param({}, lambda s: {"curves": "garbage", "tracked": 5}, "not a mapping", id="garbage_types"),
        pytest.param({}, lambda s: ["not", "a", "state"], "not a mapping", id="state_is_a_list"),
    ],
)
def test_resuming_from_a_checkpoint_that_does_not_fit(
    ctx: hostile.Context, options: dict[str, Any], change: Any, note: str, caplog: pytest.LogCaptureFixture
) -> None:
    expected = reference(resumed=True)
    half = ctx.tmp_path / "half.ckpt"
    first = GapdoctorCallback(n_train=N_TRAIN, track_rows=64)
    fit(first, ctx.tmp_path, epochs=2, save_to=half)
    if change is not None:
        _rewrite_state(half, change)
    resumed = GapdoctorCallback(n_train=N_TRAIN, **{"track_rows": 64, **options})
    assert_same_training(fit(resumed, ctx.tmp_path, resume_from=half), expected)
    recorder = resumed.recorder
    assert recorder.enabled and recorder.errors == []
    assert [r.getMessage() for r in caplog.records if note in r.getMessage()], "what did not fit is said once"
    assert len(recorder.sample_losses) == recorder.epochs and recorder.epochs in (2, 4)
    if recorder.epochs == 4:
        np.testing.assert_array_equal(recorder.curves["val_loss"][:2], first.recorder.curves["val_loss"])


def test_a_user_interrupt_reaches_lightning(ctx: hostile.Context) -> None:
    """Lightning turns Ctrl-C into a graceful shutdown (SystemExit): gapdoctor must not swallow it first."""
    handler = signal.getsignal(signal.SIGINT)
    ctx.stack.callback(signal.signal, signal.SIGINT, handler)  # Lightning ignores SIGINT once interrupted
    callback = GapdoctorCallback(on_epoch_end=hostile.failing_hook(KeyboardInterrupt()))
    with pytest.raises(SystemExit):
        fit(callback, ctx.tmp_path)
    assert callback.recorder.epochs == 2


def _raise(error: BaseException) -> Callable[..., Any]:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise error

    return broken


def test_nan_and_inf_validation_values(ctx: hostile.Context) -> None:
    expected = reference()

    class NanValidation(Classifier):
        def validation_step(self, batch: Any, batch_idx: int) -> None:
            super().validation_step(batch, batch_idx)
            self.log("val_f1", math.nan if self.current_epoch % 2 else math.inf, on_epoch=True)

    callback = GapdoctorCallback()
    split = digits_split(N_TRAIN)
    torch.manual_seed(0)
    model = NanValidation()
    trainer = quiet_trainer(
        max_epochs=4,
        callbacks=[callback],
        default_root_dir=ctx.tmp_path,
    )
    train = DataLoader(
        RowIndexed(TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train))),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    trainer.fit(model, train, val)
    assert_same_training(model, expected)
    assert callback.recorder.epochs == 4 and callback.recorder.errors == []
    assert math.isinf(callback.recorder.curves["val_f1"][0]) and math.isnan(callback.recorder.curves["val_f1"][1])
