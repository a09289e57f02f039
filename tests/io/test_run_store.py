"""The SQLite run store: round trips, bad input, and a writer killed with SIGKILL mid-run."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor import Diagnosis, GapdoctorInputError
from gapdoctor.io.store import STORE_ENV_VAR, RunStore, default_store_path

SRC = str(Path(gapdoctor.__file__).resolve().parents[1])
N_EXTRA = 500  # extra values per epoch, so that each epoch's transaction has many rows to cut through

# A real training process: an SGD classifier on digits, one partial_fit per epoch, each epoch
# recorded in the store; it prints the epoch after the commit returned.
WRITER = f"""
import sys
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from gapdoctor.io.store import RunStore

store = RunStore(sys.argv[1])
run = store.start_run("sgd-digits", {{"lr": 0.01}})
print("run", run, flush=True)
X, y = load_digits(return_X_y=True)
X = X / 16.0
model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, random_state=0)
classes = np.unique(y)
for epoch in range(100000):
    model.partial_fit(X[:1200], y[:1200], classes=classes)
    values = {{
        "train_loss": log_loss(y[:1200], model.predict_proba(X[:1200]), labels=classes),
        "val_loss": log_loss(y[1200:], model.predict_proba(X[1200:]), labels=classes),
        "val_accuracy": model.score(X[1200:], y[1200:]),
    }}
    values.update({{f"extra_{{i}}": epoch + i / 1000 for i in range({N_EXTRA})}})
    store.log_epoch(run, epoch, values)
    print("committed", epoch, flush=True)
"""


def _kill_writer_mid_run(store_path: Path, seconds_after_first_epoch: float) -> tuple[int, int]:
    """Start the writer, SIGKILL it after a while; return (run id, last epoch it reported committed)."""
    env = {**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert writer.stdout is not None
    run_line = writer.stdout.readline().split()
    assert run_line[0] == "run", run_line
    first = writer.stdout.readline()
    assert first.startswith("committed"), first
    time.sleep(seconds_after_first_epoch)
    writer.send_signal(signal.SIGKILL)
    output = writer.communicate(timeout=30)[0]
    assert writer.returncode == -signal.SIGKILL
    committed = [int(line.split()[1]) for line in [first, *output.splitlines()] if line.startswith("committed")]
    return int(run_line[1]), committed[-1]


def test_writer_killed_with_sigkill_loses_at_most_the_last_epoch(tmp_path: Path) -> None:
    store_path = tmp_path / "runs.sqlite"
    rng = random.Random(0)
    outcomes = []
    for _ in range(3):  # three kills at random moments, each on a new run of the same store
        outcomes.append(_kill_writer_mid_run(store_path, rng.uniform(0.05, 0.4)))

    raw = sqlite3.connect(store_path)  # a plain SQLite client, independent of RunStore
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with RunStore(store_path) as store:
        assert store.integrity_check() == "ok"
        for run_id, last_reported in outcomes:
            history = store.history(run_id)
            stored_epochs = history.n_epochs
            # everything reported committed survived; at most the one epoch in flight more
            assert last_reported + 1 <= stored_epochs <= last_reported + 2
            # no epoch is partial: every epoch has every value (one transaction per epoch)
            counts = raw.execute(
                "SELECT epoch, COUNT(*) FROM epoch_values WHERE run_id = ? GROUP BY epoch ORDER BY epoch", (run_id,)
            ).fetchall()
            assert {n for _, n in counts} == {3 + N_EXTRA}
            assert [epoch for epoch, _ in counts] == list(range(stored_epochs))
            assert np.isfinite(history.get("val_accuracy")).all()  # type: ignore[arg-type]
        assert len(store.list_runs()) == 3
        # the store is still writable after the crashes
        run = store.start_run("after-crash")
        store.log_epoch(run, 0, {"train_loss": 1.0})
        assert store.history(run).n_epochs == 1
    raw.close()


def test_round_trip_history_and_diagnosis(tmp_path: Path) -> None:
    e = np.arange(30, dtype=float)
    curves = {
        "train_loss": 1.2 * np.exp(-e / 6) + 0.02,
        "val_loss": 0.55 + 0.0025 * (e - 10) ** 2,
        "val_accuracy": 0.85 - 0.004 * np.abs(e - 10),
    }
    with RunStore(tmp_path / "runs.sqlite") as store:
        run = store.start_run("overfit", {"lr": 0.1, "layers": [64, 64], "ratio": np.float32(0.5)})
        for epoch in range(30):
            values = {name: float(v[epoch]) for name, v in curves.items()}
            if epoch % 2:
                values["val_accuracy"] = math.nan  # validated every other epoch
            store.log_epoch(run, epoch, values)
        history = store.history(run)
        assert np.allclose(history.get("train_loss"), curves["train_loss"])  # type: ignore[arg-type]
        assert np.isnan(history.series["val_accuracy"][1::2]).all()
        assert store.diagnosis(run) is None

        diagnosis = gapdoctor.diagnose(history=history)
        store.save_diagnosis(run, diagnosis)
        store.finish_run(run)
        stored = store.diagnosis(run)
        assert stored == json.loads(diagnosis.to_json())
        assert Diagnosis.from_dict(stored).render() == diagnosis.render()

        (info,) = store.list_runs()
        assert (info.name, info.n_epochs, info.top_cause) == ("overfit", 30, "overfitting")
        assert info.finished_at is not None and info.meta == {"lr": 0.1, "layers": [64, 64], "ratio": 0.5}
        assert store.find_run("overfit").id == run == store.find_run(str(run)).id


def test_path_from_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORE_ENV_VAR, str(tmp_path / "elsewhere" / "store.sqlite"))
    assert default_store_path() == tmp_path / "elsewhere" / "store.sqlite"
    with RunStore() as store:
        store.start_run("x")
    assert (tmp_path / "elsewhere" / "store.sqlite").is_file()
    monkeypatch.delenv(STORE_ENV_VAR)
    assert default_store_path() == Path(".gapdoctor") / "runs.sqlite"


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "runs.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(GapdoctorInputError, match="is not a gapdoctor run store") as caught:
        RunStore(bogus)
    assert str(bogus) in str(caught.value)


def test_bad_arguments_name_the_argument(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite") as store:
        run = store.start_run("r")
        with pytest.raises(GapdoctorInputError, match=r"^run_id: no run 99"):
            store.log_epoch(99, 0, {"train_loss": 1.0})
        with pytest.raises(GapdoctorInputError, match=r"^epoch: "):
            store.log_epoch(run, -1, {"train_loss": 1.0})
        with pytest.raises(GapdoctorInputError, match=r"^values\['train_loss'\]: 'abc' is not a number"):
            store.log_epoch(run, 0, {"train_loss": "abc"})  # type: ignore[dict-item]
        with pytest.raises(GapdoctorInputError, match=r"^name: "):
            store.start_run("")
        with pytest.raises(GapdoctorInputError, match=r"^meta: "):
            store.start_run("r", meta=[1, 2])  # type: ignore[arg-type]
        with pytest.raises(GapdoctorInputError, match=r"^diagnosis: "):
            store.save_diagnosis(run, "overfitting")  # type: ignore[arg-type]
        with pytest.raises(GapdoctorInputError, match=r"^run_id: run .* has no recorded epoch"):
            store.history(run)
        with pytest.raises(GapdoctorInputError, match=r"^RUN: no run 'nope'"):
            store.find_run("nope")
        # a failed write leaves nothing behind
        assert store.list_runs()[0].n_epochs == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"score": "high"},
        {"findings": [{"cause": "overfitting", "score": "high"}]},
        {"findings": [{"cause": "not_a_cause", "score": 0.9}]},
        {"findings": "overfitting"},
        {"findings": [], "checks": [{"name": "x"}]},
    ],
)
def test_save_diagnosis_refuses_what_does_not_read_back(tmp_path: Path, bad: dict[str, object]) -> None:
    with RunStore(tmp_path / "runs.sqlite") as store:
        run = store.start_run("r")
        with pytest.raises(GapdoctorInputError, match=r"^diagnosis: "):
            store.save_diagnosis(run, bad)
        assert store.diagnosis(run) is None and not store.list_runs()[0].diagnosed


def test_deleted_store_loses_writes_with_one_warning_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A real training loop keeps going when the store's folder is removed mid-run."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    model = SGDClassifier(loss="log_loss", random_state=0)
    folder = tmp_path / "store"
    store = RunStore(folder / "runs.sqlite")
    run = store.start_run("sgd")
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for epoch in range(8):
            model.partial_fit(X[:1200], y[:1200], classes=np.arange(10))
            store.log_epoch(run, epoch, {"val_accuracy": model.score(X[1200:], y[1200:])})
            if epoch == 2:
                shutil.rmtree(folder)  # someone cleans up while the run records
        store.finish_run(run)
        store.save_diagnosis(run, gapdoctor.diagnose(history={"val_accuracy": [0.5] * 8}))
    store.close()
    warnings = [r for r in caplog.records if r.name == "gapdoctor" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "deleted or replaced" in warnings[0].getMessage() and str(folder) in warnings[0].getMessage()
    assert store.lost_writes is not None and not folder.exists()
    assert model.score(X[1200:], y[1200:]) > 0.8  # the loop itself ran to the end


def test_run_names_with_control_characters_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gapdoctor.cli import main

    path = tmp_path / "runs.sqlite"
    evil = "run\x1b[2J\x1b]0;owned\x07\u202e\udcff"
    with RunStore(path) as store:
        run = store.start_run(evil)
        for epoch in range(6):
            store.log_epoch(run, epoch, {"train_loss": 1.0 / (epoch + 1), "val_loss": 1.2 / (epoch + 1)})
    assert main(["runs", "--store", str(path)]) == 0
    listing = capsys.readouterr().out
    assert main(["show", str(run), "--store", str(path)]) in (0, 1)
    shown = capsys.readouterr().out
    for out in (listing, shown):
        assert not any(c in out for c in "\x1b\x07\u202e\udcff"), repr(out)
        assert "run\\x1b[2J" in out


def test_old_rows_that_do_not_read_back_are_tolerated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gapdoctor.cli import main

    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        bad_score, bad_json = store.start_run("bad-score"), store.start_run("bad-json")
        for run in (bad_score, bad_json):
            for epoch in range(6):
                store.log_epoch(run, epoch, {"train_loss": 1.0 / (epoch + 1), "val_loss": 1.0})
    raw = sqlite3.connect(path)  # rows as an older version wrote them, without validation
    raw.execute(
        "INSERT INTO diagnoses (run_id, created_at, top_cause, top_score, diagnosis) VALUES (?, 'x', ?, ?, ?)",
        (bad_score, "overfitting", "high", json.dumps({"findings": [{"cause": "overfitting", "score": "high"}]})),
    )
    raw.execute(
        "INSERT INTO diagnoses (run_id, created_at, top_cause, top_score, diagnosis) VALUES (?, 'x', NULL, NULL, ?)",
        (bad_json, "{not json"),
    )
    raw.execute("UPDATE runs SET meta = 'not json' WHERE id = ?", (bad_json,))
    raw.commit()
    raw.close()
    assert main(["runs", "--store", str(path)]) == 0
    listing = capsys.readouterr().out
    assert "bad-score" in listing and "overfitting" in listing and "bad-json" in listing
    assert main(["show", "bad-score", "--store", str(path)]) in (0, 1, 3)
    assert "cannot be read back" in capsys.readouterr().out
    assert main(["show", "bad-json", "--store", str(path)]) in (0, 1, 3)
    assert "not readable JSON" in capsys.readouterr().out


def test_not_judged_diagnosis_shown_from_the_store_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gapdoctor.cli import main

    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run = store.start_run("short")
        store.log_epoch(run, 0, {"train_loss": 1.0})
        diagnosis = gapdoctor.diagnose(history=store.history(run))
        assert not diagnosis.judged and not diagnosis.healthy
        store.save_diagnosis(run, diagnosis)
        assert store.list_runs()[0].top_cause is None
    assert main(["show", "short", "--store", str(path)]) == 3
    assert "Not enough to judge" in capsys.readouterr().out


def test_a_write_sqlite_refuses_is_reported_once_and_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run("r")
    store.log_epoch(run, 0, {"train_loss": 1.0})
    store._connection.execute("PRAGMA query_only = ON")  # SQLite now refuses every write, as on a full disk
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for epoch in range(1, 4):
            store.log_epoch(run, epoch, {"train_loss": 1.0 / (epoch + 1)})
        store.finish_run(run)
    assert len(caplog.records) == 1 and "could not be written" in caplog.records[0].getMessage()
    with pytest.raises(GapdoctorInputError, match=r"^epoch: "):
        store.log_epoch(run, -1, {"train_loss": 1.0})  # bad input is still raised
    assert store.history(run).n_epochs == 1  # what was committed before is intact
    store.close()
