"""Fault injection into a real hand-written PyTorch loop: no fault reaches the loop.

Each fault is injected into a real training run (a small MLP on the digits data) with a
:class:`~gapdoctor.torch.Monitor` recording everything (per-row tracking, label order,
early diagnosis every 2 epochs). For every fault: training runs to its end, gapdoctor
raises nothing into the loop (and ``finish`` nothing either), the final weights are
bit-identical to the same run without gapdoctor, and what gapdoctor recorded is what the
fault allows (the least switched off). A real user interrupt still propagates.
"""

from __future__ import annotations

import dataclasses
import math
import signal
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations import _faults as hostile
from tests.integrations.conftest import digits_split

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import gapdoctor.engine  # noqa: E402
from gapdoctor import Diagnosis  # noqa: E402
from gapdoctor.integrations.recorder import Recorder  # noqa: E402
from gapdoctor.integrations.tracked_rows import TrackedRows  # noqa: E402
from gapdoctor.torch import Monitor, RowIndexed  # noqa: E402


@dataclass(frozen=True)
class Loop:
    n_train: int = 300
    flip: float = 0.0
    hidden: int = 32
    lr: float = 3e-3
    epochs: int = 6
    autocast_bf16: bool = False
    seed: int = 0


Batch = dict[str, Any]


@dataclass(frozen=True)
class Fault:
    name: str
    check: Callable[[Monitor, hostile.Context, Diagnosis | None], None]
    options: Callable[[hostile.Context], dict[str, Any]] = lambda ctx: {}
    batch: Callable[[Batch, int, int], Batch] | None = None  # what log_batch gets, by (epoch, step)
    epoch_values: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # what end_epoch gets
    resume: Callable[[Monitor, hostile.Context], Monitor] | None = None  # after epoch RESUME_AT
    loop: Loop = field(default_factory=Loop)


RESUME_AT = 3  # epochs recorded before a fault's resume


def train(loop: Loop, monitor: Monitor | None = None, fault: Fault | None = None, ctx: Any = None) -> Any:
    """The tutorial loop; returns (final weights, the monitor in use at the end)."""
    split = digits_split(loop.n_train, flip_fraction=loop.flip, seed=loop.seed)
    torch.manual_seed(loop.seed)
    model = nn.Sequential(nn.Linear(64, loop.hidden), nn.ReLU(), nn.Linear(loop.hidden, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=loop.lr)
    if monitor is not None and monitor.optimizer is None:
        monitor.optimizer = optimizer
    data = RowIndexed(TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train)))
    loader = DataLoader(data, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(loop.seed))
    X_val, y_val = torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)
    for epoch in range(loop.epochs):
        model.train()
        for step, (rows, X, y) in enumerate(loader):
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=loop.autocast_bf16):
                logits = model(X)
                per_row = F.cross_entropy(logits, y, reduction="none")
            loss = per_row.mean()
            loss.backward()
            optimizer.step()
            if monitor is not None:
                given: Batch = {
                    "loss": loss,
                    "labels": y,
                    "rows": rows,
                    "sample_losses": per_row,
                    "predictions": logits,
                }
                monitor.log_batch(**(fault.batch(given, epoch, step) if fault and fault.batch else given))
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).float()
            values = {
                "val_loss": F.cross_entropy(val_logits, y_val).item(),
                "val_accuracy": (val_logits.argmax(1) == y_val).float().mean().item(),
            }
        if monitor is not None:
            monitor.end_epoch(**(fault.epoch_values(values) if fault and fault.epoch_values else values))
            if fault and fault.resume and epoch + 1 == RESUME_AT:
                monitor = fault.resume(monitor, ctx)
    return {name: value.detach().clone() for name, value in model.state_dict().items()}, monitor


@cache
def reference_weights(loop: Loop) -> dict[str, Any]:
    weights, _ = train(loop)
    return weights  # type: ignore[no-any-return]


def default_options(loop: Loop) -> dict[str, Any]:
    split = digits_split(loop.n_train, flip_fraction=loop.flip, seed=loop.seed)
    return {"y_train": split.y_train, "track_rows": 64, "diagnose_every": 2}


# ---------------------------------------------------------------- what faults leave
def recorded(monitor: Monitor, epochs: int = Loop().epochs) -> None:
    assert monitor.enabled and monitor.epochs == epochs
    assert {len(series) for series in (*monitor.curves.values(), *monitor.extra_curves.values())} == {epochs}
    assert np.isfinite(monitor.curves["val_loss"]).all() and np.isfinite(monitor.curves["val_accuracy"]).all()


def tracked(monitor: Monitor, epochs: int = Loop().epochs) -> None:
    losses = np.asarray(monitor.sample_losses)
    assert losses.shape == (epochs, 64) and np.isfinite(losses).all(), "per-row losses recorded every epoch"
    predictions = np.asarray(monitor.sample_predictions)
    assert (predictions >= 0).all() and (predictions < 10).all(), "predictions recorded every epoch"


def tracking_off(monitor: Monitor) -> None:
    assert len(monitor.sample_losses) == monitor.epochs, "epochs stay aligned"
    assert np.isnan(np.asarray(monitor.sample_losses)[-1]).all(), "tracking was switched off"
    assert any("per-row tracking" in line or "sample_losses" in line or "rows" in line for line in monitor.errors)


def diagnosed(diagnosis: Diagnosis | None) -> None:
    assert isinstance(diagnosis, Diagnosis) and any(run.status == "ran" for run in diagnosis.checks)
    assert not [run.reason for run in diagnosis.checks if run.status == "errored"]


def full_run(monitor: Monitor, ctx: hostile.Context, diagnosis: Diagnosis | None) -> None:
    recorded(monitor)
    tracked(monitor)
    diagnosed(diagnosis)
    assert monitor.errors == []


def hostile_logging(monitor: Monitor, ctx: hostile.Context, diagnosis: Diagnosis | None) -> None:
    recorded(monitor, epochs=ctx.seen["epochs"])
    hostile.reported_through_hostile_logging(ctx, monitor.errors)


def value_dropped(name: str) -> Callable[[Monitor, hostile.Context, Diagnosis | None], None]:
    def check(monitor: Monitor, ctx: hostile.Context, diagnosis: Diagnosis | None) -> None:
        recorded(monitor)
        assert any(f"value {name!r}" in line for line in monitor.errors), monitor.errors
        diagnosed(diagnosis)

    return check


def with_tracking_off(monitor: Monitor, ctx: hostile.Context, diagnosis: Diagnosis | None) -> None:
    recorded(monitor)
    tracking_off(monitor)
    diagnosed(diagnosis)


def resumed(note: str, *, curves_kept: bool = True) -> Callable[[Monitor, hostile.Context, Diagnosis | None], None]:
    def check(monitor: Monitor, ctx: hostile.Context, diagnosis: Diagnosis | None) -> None:
        before: Monitor = ctx.seen["before"]
        assert any(note in line for line in ctx.seen["notes"]), ctx.seen["notes"]
        if curves_kept:
            recorded(monitor)
            np.testing.assert_array_equal(monitor.curves["val_loss"][:RESUME_AT], before.curves["val_loss"])
        else:
            recorded(monitor, epochs=Loop().epochs - RESUME_AT)
        assert len(monitor.sample_losses) == monitor.epochs
        diagnosed(diagnosis)

    return check


def resume_with(make_state: Callable[[Monitor], Any], **options: Any) -> Callable[[Monitor, hostile.Context], Monitor]:
    """Resume the run in a new Monitor (``options`` changed) from ``make_state(old monitor)``."""

    def resume(monitor: Monitor, ctx: hostile.Context) -> Monitor:
        fresh = Monitor(**{**default_options(Loop()), **options})
        fresh.optimizer = monitor.optimizer
        ctx.seen["notes"] = fresh.load_state_dict(make_state(monitor))
        ctx.seen["before"] = monitor
        return fresh

    return resume


def patched(target: Any, name: str, error: BaseException) -> Callable[[hostile.Context], dict[str, Any]]:
    def install(ctx: hostile.Context) -> dict[str, Any]:
        def broken(*args: Any, **kwargs: Any) -> Any:
            raise error

        ctx.monkeypatch.setattr(target, name, broken)
        return {}

    return install


def replace(**changes: Callable[[Batch], Any]) -> Callable[[Batch, int, int], Batch]:
    """From the second epoch on, log_batch gets ``change(batch)`` for each named argument."""

    def batch(given: Batch, epoch: int, step: int) -> Batch:
        return {**given, **{k: f(given) for k, f in changes.items()}} if epoch >= 1 else given

    return batch


def failing_hook_and(install: Callable[[hostile.Context], Any]) -> Callable[[hostile.Context], dict[str, Any]]:
    """Install a hostile logging piece, and make a report happen (a hook failing at epoch 2)."""

    def options(ctx: hostile.Context) -> dict[str, Any]:
        install(ctx)
        return {"on_epoch_end": hostile.failing_hook(OSError("disk full"))}

    return options


def garbage_state(monitor: Monitor) -> Any:
    return {"version": "x", "curves": 5, "tracked": "rows", "label_order": {"a": 1}, "alerts": [1], "errors": None}


FAULTS = [
    # --- hostile logging: the case, and every other way logging can raise
    Fault(
        "handler_raises_on_alerts",  # Monitor(diagnose_every=2) on an overfitting run: the alert's log raises
        lambda m, ctx, d: (hostile_logging(m, ctx, d), m.alerts or pytest.fail("no alert was made")),
        options=lambda ctx: hostile.add_handler(ctx) and {},
        loop=Loop(n_train=150, flip=0.3, hidden=256, lr=1e-2, epochs=40),
    ),
    Fault(
        "handler_raises_on_an_error_report",
        hostile_logging,
        options=failing_hook_and(hostile.add_handler),
    ),
    Fault(
        "root_handler_raises",
        hostile_logging,
        options=failing_hook_and(lambda ctx: hostile.add_handler(ctx, "")),
    ),
    Fault(
        "logging_filter_raises",
        hostile_logging,
        options=failing_hook_and(hostile.add_filter),
    ),
    Fault(
        "log_record_factory_raises",
        hostile_logging,
        options=failing_hook_and(hostile.add_record_factory),
    ),
    # --- failures inside gapdoctor, or in what it calls
    Fault(
        "diagnosis_raises",
        lambda m, ctx, d: (recorded(m), tracked(m), d is None or pytest.fail("diagnosis should have failed")),
        options=patched(gapdoctor.engine, "diagnose", RuntimeError("injected into diagnose()")),
    ),
    Fault(
        "on_epoch_end_hook_raises",
        lambda m, ctx, d: (recorded(m), tracked(m), diagnosed(d)),
        options=lambda ctx: {"on_epoch_end": hostile.failing_hook(OSError("disk full"))},
    ),
    Fault(
        "exception_whose_message_raises",
        lambda m, ctx, d: (recorded(m), any("<message unavailable>" in e for e in m.errors) or pytest.fail()),
        options=lambda ctx: {"on_epoch_end": hostile.failing_hook(hostile.HostileMessage())},
    ),
    Fault(
        "store_folder_unwritable",
        lambda m, ctx, d: (recorded(m), any("on_epoch_end" in e for e in m.errors) or pytest.fail()),
        options=lambda ctx: {"on_epoch_end": hostile.unwritable_store_hook(ctx)},
    ),
    Fault(
        "store_folder_deleted_mid_run",
        lambda m, ctx, d: (recorded(m), tracked(m), diagnosed(d)),
        options=lambda ctx: {"on_epoch_end": hostile.store_deleted_mid_run_hook(ctx)},
    ),
    Fault(
        "memory_error_while_tracking",
        with_tracking_off,
        options=patched(TrackedRows, "flush", MemoryError("injected")),
    ),
    Fault(
        "recursion_error_in_the_epoch_reduction",
        lambda m, ctx, d: (
            m.enabled and pytest.fail(),
            len(m.errors) == 1 or pytest.fail(),
            d is None or pytest.fail(),
        ),
        options=patched(Recorder, "_reduce", RecursionError("injected")),
    ),
    # --- what the loop passes: precision, types, shapes
    Fault("bf16_autocast_logits", full_run, loop=Loop(autocast_bf16=True)),
    Fault(
        "bf16_losses_and_logits",
        full_run,
        batch=replace(
            loss=lambda b: b["loss"].bfloat16(),
            sample_losses=lambda b: b["sample_losses"].bfloat16(),
            predictions=lambda b: b["predictions"].bfloat16(),
        ),
    ),
    Fault(
        "fp16_losses_and_logits",
        full_run,
        batch=replace(
            loss=lambda b: b["loss"].half(),
            sample_losses=lambda b: b["sample_losses"].half(),
            predictions=lambda b: b["predictions"].half(),
        ),
    ),
    Fault(
        "nan_and_inf_losses",
        lambda m, ctx, d: (recorded(m), not math.isfinite(m.curves["train_loss"][1]) or pytest.fail(), diagnosed(d)),
        batch=lambda b, epoch, step: {
            **b,
            "loss": torch.tensor(math.nan if step == 0 else math.inf) if epoch == 1 and step < 2 else b["loss"],
            "sample_losses": b["sample_losses"].detach().clone().fill_(math.inf) if step == 0 else b["sample_losses"],
        },
    ),
    Fault("loss_as_python_float_and_numpy", full_run, batch=replace(loss=lambda b: np.float32(b["loss"].item()))),
    Fault("loss_is_a_string", value_dropped("loss"), batch=replace(loss=lambda b: "0.42 nats")),
    Fault("loss_has_one_value_per_row", value_dropped("loss"), batch=replace(loss=lambda b: b["sample_losses"])),
    Fault(
        "loss_too_large_for_a_float", value_dropped("loss"), batch=lambda b, e, s: {**b, "loss": 10**400, "weight": 2}
    ),
    Fault("weight_is_not_a_number", value_dropped("weight"), batch=replace(weight=lambda b: "thirty-two")),
    Fault(
        "per_row_losses_of_wrong_shape",
        with_tracking_off,
        batch=replace(sample_losses=lambda b: b["sample_losses"][:, None].expand(-1, 3)),
    ),
    Fault(
        "per_row_losses_of_wrong_length",
        with_tracking_off,
        batch=replace(sample_losses=lambda b: b["sample_losses"][1:]),
    ),
    Fault("rows_outside_the_training_set", with_tracking_off, batch=replace(rows=lambda b: b["rows"] + 10_000)),
    Fault("negative_rows", with_tracking_off, batch=replace(rows=lambda b: b["rows"] - 10_000)),
    Fault(
        "predictions_of_wrong_shape",
        with_tracking_off,
        batch=replace(predictions=lambda b: b["predictions"][..., None]),
    ),
    Fault(
        "labels_missing",
        lambda m, ctx, d: (recorded(m), tracked(m), diagnosed(d), m.label_order == [] or pytest.fail()),
        batch=lambda b, e, s: {**b, "labels": None},
    ),
    Fault(
        "labels_one_hot",
        lambda m, ctx, d: (full_run(m, ctx, d), len(m.label_order) == 300 or pytest.fail(m.label_order[:5])),
        batch=lambda b, e, s: {**b, "labels": F.one_hot(b["labels"], 10).float()},
    ),
    Fault(
        "labels_of_another_type_than_y_train",
        lambda m, ctx, d: (recorded(m), diagnosed(d), len(d.inputs["classes"]) == 10 or pytest.fail(d.inputs)),
        batch=lambda b, e, s: {**b, "labels": [f"class {int(v)}" for v in b["labels"]]},
    ),
    Fault(
        "labels_without_a_length",
        lambda m, ctx, d: (recorded(m), tracked(m), m.label_order == [] or pytest.fail()),
        batch=lambda b, e, s: {**b, "labels": torch.tensor(3)},
    ),
    Fault(
        "epoch_values_that_are_not_numbers",
        lambda m, ctx, d: (recorded(m), "val_f1" not in m.curves or pytest.fail(), diagnosed(d)),
        epoch_values=lambda v: {
            **v,
            "val_f1": np.array([0.1, 0.9]),
            "val_auc": "n/a",
            "val_top5": 1 + 2j,
            "lr": 10**400,
        },
    ),
    Fault(
        "optimizer_without_param_groups",
        lambda m, ctx, d: (recorded(m), "lr" not in m.curves or pytest.fail(), m.errors == [] or pytest.fail()),
        options=lambda ctx: {"optimizer": object()},
    ),
    # --- checkpoints: other options, other versions, missing keys, garbage
    Fault(
        "state_saved_with_other_track_rows",
        resumed("another sample"),
        resume=resume_with(lambda m: m.state_dict(), track_rows=16),
    ),
    Fault(
        "state_from_another_training_set_size",
        resumed("another sample"),
        resume=resume_with(
            lambda m: {**m.state_dict(), "tracked": Monitor(n_train=5000, track_rows=64).state_dict()["tracked"]}
        ),
    ),
    Fault(
        "state_from_an_older_version",
        resumed("state version 0"),
        resume=resume_with(
            lambda m: {k: v for k, v in m.state_dict().items() if k not in ("alerted", "errors")} | {"version": 0}
        ),
    ),
    Fault(
        "state_with_missing_keys",
        resumed("missing 'tracked'"),
        resume=resume_with(lambda m: {"version": 1, "curves": m.state_dict()["curves"]}),
    ),
    Fault(
        "state_of_garbage_types",
        resumed("not a mapping", curves_kept=False),
        resume=resume_with(garbage_state),
    ),
    Fault(
        "state_that_is_not_a_mapping", resumed("not a mapping", curves_kept=False), resume=resume_with(lambda m: [1, 2])
    ),
]


def test_at_least_22_distinct_faults() -> None:
    assert len({fault.name for fault in FAULTS}) == len(FAULTS) >= 22


ALERT_FAULT = next(fault for fault in FAULTS if fault.name == "handler_raises_on_alerts")
OTHER_SEEDS = [  # the one fault that needs a trajectory (an alert) holds for two more seeds
    dataclasses.replace(
        ALERT_FAULT, name=f"{ALERT_FAULT.name}_seed{s}", loop=Loop(**{**vars(ALERT_FAULT.loop), "seed": s})
    )
    for s in (1, 2)
]


@pytest.mark.parametrize("fault", [*FAULTS, *OTHER_SEEDS], ids=lambda fault: fault.name)
def test_no_fault_reaches_the_training_loop(fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = reference_weights(fault.loop)
    with ExitStack() as stack:
        ctx = hostile.Context(tmp_path, monkeypatch, stack, {"epochs": fault.loop.epochs})
        monitor = Monitor(**{**default_options(fault.loop), **fault.options(ctx)})
        weights, monitor = train(fault.loop, monitor, fault, ctx)  # a fault that escaped fails the test here
        diagnosis = monitor.finish()
    for name, value in reference.items():
        assert torch.equal(weights[name], value), f"{name}: training was changed"
    fault.check(monitor, ctx, diagnosis)


# ---------------------------------------------------------------- a user's interrupt is never swallowed
def interrupt_at_epoch_2(recorder: Recorder) -> None:
    if recorder.epochs == 2:
        signal.raise_signal(signal.SIGINT)  # a real Ctrl-C, delivered while gapdoctor runs


def interrupted(self: TrackedRows) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "install_interrupt",
    [
        pytest.param(lambda mp: {"on_epoch_end": interrupt_at_epoch_2}, id="sigint_in_the_hook"),
        pytest.param(lambda mp: {"on_epoch_end": hostile.failing_hook(KeyboardInterrupt())}, id="hook_raises_it"),
        pytest.param(lambda mp: mp.setattr(TrackedRows, "flush", interrupted) or {}, id="inside_gapdoctor"),
    ],
)
def test_a_user_interrupt_propagates(install_interrupt: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not Python's default KeyboardInterrupt here")
    monitor = Monitor(**{**default_options(Loop()), **install_interrupt(monkeypatch)})
    with pytest.raises(KeyboardInterrupt):
        train(Loop(), monitor)
    assert monitor.epochs in (1, 2) and monitor.enabled, "the run so far stays usable after the interrupt"
    monkeypatch.undo()
    assert isinstance(monitor.finish(), Diagnosis)


def test_system_exit_from_a_hook_propagates() -> None:
    monitor = Monitor(on_epoch_end=hostile.failing_hook(SystemExit(3)))
    with pytest.raises(SystemExit):
        train(Loop(), monitor)
