"""Every run a training loop records lands in the run store by default: epochs, diagnosis, name;
``gapdoctor runs`` lists it and ``gapdoctor compare`` compares two; a broken store never stops training."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.integrations.recorder import Recorder
from gapdoctor.io.store import STORE_ENV_VAR, RunStore
from tests.integrations.conftest import digits_split

torch = pytest.importorskip("torch")
from gapdoctor.torch import Monitor  # noqa: E402
from tests.integrations.test_torch_loop import train  # noqa: E402


def _finished(monitor: Monitor, epochs: int, lr: float = 3e-3) -> Monitor:
    train(digits_split(400), monitor, epochs=epochs, lr=lr)
    monitor.finish()
    return monitor


def test_a_torch_run_is_stored_by_default_epoch_by_epoch_with_its_diagnosis(tmp_path: Path) -> None:
    store_path = Path(os.environ[STORE_ENV_VAR])  # the default store (tests point it outside the checkout)
    with RunStore(store_path) as store:
        before = len(store.list_runs())
    monitor = _finished(Monitor(), epochs=5)
    assert monitor.run_log.path == store_path and monitor.errors == []
    with RunStore(store_path) as store:
        runs = store.list_runs()
        assert len(runs) == before + 1
        run = runs[-1]
        assert run.name == "PyTorch run" and run.n_epochs == 5
        stored = store.history(run.id)
        for name in ("train_loss", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(stored.get(name), monitor.curves[name], rtol=1e-12)
        diagnosis = store.diagnosis(run.id)
    assert diagnosis is not None and monitor.last_diagnosis is not None
    assert diagnosis["verdict"] == monitor.last_diagnosis.verdict()


def test_store_false_writes_nothing_and_a_path_writes_there(tmp_path: Path) -> None:
    off = _finished(Monitor(store=False), epochs=2)
    assert off.run_log.path is None
    chosen = tmp_path / "mine.sqlite"
    _finished(Monitor(store=chosen, run_name="lr 3e-3"), epochs=2)
    with RunStore(chosen) as store:
        assert [(r.name, r.n_epochs) for r in store.list_runs()] == [("lr 3e-3", 2)]


def test_a_store_that_cannot_be_written_is_said_once_and_training_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-folder"
    blocked.mkdir()  # a directory where the database file should be
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        monitor = _finished(Monitor(store=blocked), epochs=3)
    assert monitor.epochs == 3 and len(monitor.curves["val_loss"]) == 3
    told = [r.getMessage() for r in caplog.records if "run store" in r.getMessage()]
    assert len(told) == 1 and "training is not affected" in told[0]
    assert len(monitor.errors) == 1 and "run store" in monitor.errors[0]


@pytest.mark.parametrize("store", [0, "", 3.5, ["x"]])
def test_a_bad_store_argument_names_itself(store: object) -> None:
    with pytest.raises(GapdoctorInputError, match="store"):
        Recorder(store=store)  # type: ignore[arg-type]


def test_two_stored_runs_are_listed_and_compared_by_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    _finished(Monitor(store=store, run_name="careful"), epochs=4, lr=1e-3)
    _finished(Monitor(store=store, run_name="eager"), epochs=4, lr=3e-2)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def cli(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gapdoctor", *words], capture_output=True, text=True, env=environment, timeout=120
        )

    listed = cli("runs", "--store", str(store))
    assert listed.returncode == 0, listed.stderr
    assert "careful" in listed.stdout and "eager" in listed.stdout
    out = tmp_path / "compare.json"
    compared = cli("compare", "careful", "eager", "--store", str(store), "--json", str(out))
    assert compared.returncode == 0, compared.stderr
    content = json.loads(out.read_text())
    assert (content["first"]["name"], content["second"]["name"]) == ("careful", "eager")
    assert content["first"]["epochs"] == content["second"]["epochs"] == 4
    # the loop stored each run's diagnosis: compare reads it instead of diagnosing the curves again
    assert content["first"]["diagnosed_now"] is False and content["second"]["diagnosed_now"] is False
