"""ErrorGuard: reports go to logging, a refusing handler never raises, each kind reported once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gapdoctor.integrations.guard import ErrorGuard, describe
from tests.integrations._faults import HostileHandler, HostileMessage


@pytest.fixture
def hostile_handler() -> Iterator[HostileHandler]:
    handler = HostileHandler()
    logging.getLogger("gapdoctor").addHandler(handler)
    yield handler
    logging.getLogger("gapdoctor").removeHandler(handler)


def test_a_refusing_handler_is_recorded_not_raised(hostile_handler: HostileHandler) -> None:
    guard = ErrorGuard()
    assert guard.report("something %s", "happened") is False
    assert hostile_handler.calls == 1
    assert len(guard.errors) == 1 and guard.errors[0].startswith("logging: RuntimeError: hostile handler")


def test_each_kind_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    guard = ErrorGuard()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        assert [guard.report_once("rows", "rows %d", i) for i in range(3)] == [True, False, False]
    assert [r.getMessage() for r in caplog.records] == ["rows 0"]


def test_describe_survives_a_hostile_exception() -> None:
    try:
        raise HostileMessage
    except HostileMessage as error:
        line = describe(error)
    assert line.startswith("HostileMessage: <message unavailable> (at test_guard.py:")


def test_interrupts_are_not_caught() -> None:
    from gapdoctor.integrations.recorder import Recorder

    recorder = Recorder()
    with pytest.raises(KeyboardInterrupt), recorder.guard("test"):
        raise KeyboardInterrupt
    with recorder.guard("test"):
        raise ValueError("caught")
    assert recorder.errors == [recorder.errors[0]] and "ValueError: caught" in recorder.errors[0]
