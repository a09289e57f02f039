"""Hostile things a user's environment does to gapdoctor, shared by the fault-injection suites."""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapdoctor.io.store import RunStore


class HostileHandler(logging.Handler):
    """A user's logging handler whose ``emit`` raises (no ``handleError``: it escapes ``logger.warning``)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.calls += 1
        raise RuntimeError("hostile handler: the log server is down")


class HostileFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def filter(self, record: logging.LogRecord) -> bool:
        self.calls += 1
        raise ValueError("hostile filter")


class HostileMessage(Exception):
    """An exception whose message itself raises."""

    def __str__(self) -> str:
        raise RuntimeError("hostile __str__")


@dataclass
class Context:
    """What a fault needs to install itself, and what it leaves for its checks."""

    tmp_path: Path
    monkeypatch: Any
    stack: ExitStack
    seen: dict[str, Any] = field(default_factory=dict)


def add_handler(ctx: Context, logger_name: str = "gapdoctor") -> HostileHandler:
    handler = HostileHandler()
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    ctx.stack.callback(logger.removeHandler, handler)
    ctx.seen["handler"] = handler
    return handler


def add_filter(ctx: Context) -> HostileFilter:
    hostile = HostileFilter()
    logger = logging.getLogger("gapdoctor")
    logger.addFilter(hostile)
    ctx.stack.callback(logger.removeFilter, hostile)
    ctx.seen["handler"] = hostile
    return hostile


def add_record_factory(ctx: Context) -> None:
    original = logging.getLogRecordFactory()
    calls = {"n": 0}

    def hostile(*args: Any, **kwargs: Any) -> logging.LogRecord:
        calls["n"] += 1
        raise RuntimeError("hostile record factory")

    logging.setLogRecordFactory(hostile)
    ctx.stack.callback(logging.setLogRecordFactory, original)
    ctx.seen["factory_calls"] = calls


def failing_hook(error: BaseException, *, at_epoch: int = 2) -> Callable[[Any], None]:
    """An ``on_epoch_end`` hook that raises ``error`` when ``at_epoch`` epochs are recorded."""

    def hook(recorder: Any) -> None:
        if recorder.epochs == at_epoch:
            raise error

    return hook


def unwritable_store_hook(ctx: Context) -> Callable[[Any], None]:
    """A hook saving each epoch into a run store whose folder cannot exist (its parent is a file)."""
    blocker = ctx.tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")

    def hook(recorder: Any) -> None:
        store = RunStore(blocker / "store" / "runs.sqlite")
        store.log_epoch(store.start_run("run"), recorder.epochs - 1, {"x": 1.0})

    return hook


def store_deleted_mid_run_hook(ctx: Context, *, delete_after: int = 2) -> Callable[[Any], None]:
    """A hook saving each epoch into a real run store whose folder is deleted after ``delete_after`` epochs."""
    folder = ctx.tmp_path / "store"
    store = RunStore(folder / "runs.sqlite")
    ctx.stack.callback(store.close)
    run = store.start_run("run")

    def hook(recorder: Any) -> None:
        values = {name: series[-1] for name, series in recorder.curves.items() if math.isfinite(series[-1])}
        store.log_epoch(run, recorder.epochs - 1, values)
        if recorder.epochs == delete_after:
            shutil.rmtree(folder)

    return hook


def reported_through_hostile_logging(ctx: Context, errors: list[str]) -> None:
    """The hostile logging was reached (so the guard was tested) and its failure recorded, not raised."""
    calls = ctx.seen["handler"].calls if "handler" in ctx.seen else ctx.seen["factory_calls"]["n"]
    assert calls >= 1, "the fault was not exercised: nothing was logged"
    assert any(line.startswith("logging:") for line in errors), errors
