"""MLflow's SQLite store (``mlflow.db``, written by the real MLflow): which run is read, and bad input.

One store holds every run logged into it: a run is picked with ``#<run id | prefix | name>``; without one,
the store must hold one run with values. Each error names the store, what was wrong and how to pick.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.io import read_history

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SQLAlchemy's, raised inside MLflow's store

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "mlflow_db" / "cnn_pytorch_mlflow.db"
CURVES = {
    "train_loss": [1.0, 0.7, 0.5, 0.35, 0.25, 0.18],
    "val_loss": [0.9, 0.8, 0.78, 0.8, 0.85, 0.9],
    "val_accuracy": [0.6, 0.66, 0.68, 0.67, 0.66, 0.65],
}


def _log(mlflow: Any, name: str, *, step: bool = True, nan_at: int | None = None) -> str:
    with mlflow.start_run(run_name=name) as run:
        for epoch in range(len(CURVES["train_loss"])):
            for key, values in CURVES.items():
                value = float("nan") if key == "train_loss" and epoch == nan_at else values[epoch]
                if step:
                    mlflow.log_metric(key, value, step=epoch)
                else:
                    mlflow.log_metric(key, value)  # no step: MLflow writes step 0
    return str(run.info.run_id)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One store: runs 'first', 'stepless', 'diverged', a deleted run, and 'twin' twice."""
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    root = tmp_path_factory.mktemp("mlflow")
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    try:
        ids = {name: _log(mlflow, name) for name in ("first", "twin")}
        ids["stepless"] = _log(mlflow, "stepless", step=False)
        ids["diverged"] = _log(mlflow, "diverged", nan_at=4)
        ids["gone"] = _log(mlflow, "gone")
        mlflow.delete_run(ids["gone"])
        ids["twin2"] = _log(mlflow, "twin")
    finally:
        mlflow.set_tracking_uri(None)
    return {"path": root / "mlflow.db", "ids": ids}


def test_a_run_is_picked_by_id_prefix_or_name(store: dict[str, Any]) -> None:
    first = store["ids"]["first"]
    for pick in (first, first[:8], "first"):
        history = read_history(f"{store['path']}#{pick}")
        for key, values in CURVES.items():
            assert np.allclose(history.get(key), values, rtol=1e-12), (pick, key)  # type: ignore[arg-type]
        assert any(f"read MLflow run {first} (first)" in note for note in history.notes)


def test_several_runs_and_none_picked_lists_them_latest_first(store: dict[str, Any]) -> None:
    with pytest.raises(GapdoctorInputError) as caught:
        read_history(store["path"])
    message = str(caught.value)
    ids = store["ids"]
    assert str(store["path"]) in message and "holds 5 MLflow runs with metric values" in message
    assert message.index(ids["twin2"]) < message.index(ids["first"])  # latest first
    assert ids["gone"] not in message  # deleted runs are not offered
    assert f"mlflow.db#{ids['twin2']}" in message
    with pytest.raises(GapdoctorInputError, match="holds 5 MLflow runs"):
        read_history(f"{store['path']}#")  # nothing after the mark: no run picked, unnamed runs not matched


def test_a_pick_naming_none_or_several_runs_says_so(store: dict[str, Any]) -> None:
    with pytest.raises(GapdoctorInputError, match="has 2 runs matching 'twin'"):
        read_history(f"{store['path']}#twin")
    with pytest.raises(GapdoctorInputError, match="names no live run \\('gone'\\)"):
        read_history(f"{store['path']}#gone")  # deleted
    with pytest.raises(GapdoctorInputError, match="names no live run"):
        read_history(f"{store['path']}#{store['ids']['first'][:3]}")  # too short a prefix to pick by


def test_values_logged_without_a_step_are_read_in_the_order_logged(store: dict[str, Any]) -> None:
    history = read_history(f"{store['path']}#stepless")
    assert history.n_points == len(CURVES["train_loss"])
    assert np.allclose(history.get("val_loss"), CURVES["val_loss"])  # type: ignore[arg-type]
    assert any("read in the order logged" in note for note in history.notes)


def test_a_nan_logged_is_read_as_nan(store: dict[str, Any]) -> None:
    history = read_history(f"{store['path']}#diverged")
    assert history.diverged_at is not None or np.isnan(history.get("train_loss")).any()  # type: ignore[arg-type]


def test_a_pick_on_a_log_that_is_no_store(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("epoch,train_loss,val_loss\n0,1.0,0.9\n", encoding="utf-8")
    with pytest.raises(GapdoctorInputError, match="picks a run of an MLflow SQLite store"):
        read_history(f"{log}#abc123")


def test_sqlite_files_that_are_no_mlflow_store(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(GapdoctorInputError, match="without MLflow's runs / metrics tables") as caught:
        read_history(other)
    assert str(other) in str(caught.value)
    broken = tmp_path / "mlflow.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x07" * 200)  # the header, then no database
    with pytest.raises(GapdoctorInputError, match="is an SQLite file that cannot be read"):
        read_history(broken)
    from gapdoctor.io.store import RunStore

    RunStore(tmp_path / "runs.sqlite").close()
    with pytest.raises(GapdoctorInputError, match="gapdoctor's own run store"):
        read_history(tmp_path / "runs.sqlite")


def test_cli_names_the_runs_in_one_line_and_exits_2(store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    from gapdoctor.cli import EXIT_BAD_INPUT, EXIT_FINDINGS, main

    assert main(["diagnose", "--history", str(store["path"])]) == EXIT_BAD_INPUT
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("gapdoctor: bad input: ") and "Fix: pick one" in lines[0]
    assert main(["diagnose", "--history", f"{store['path']}#first"]) == EXIT_FINDINGS  # its val loss turns up


def test_a_store_an_older_mlflow_wrote_as_a_repository_commits_it() -> None:
    """Another schema revision (44 tables, not 3.18's 71): two runs listed, one picked by name, five metrics
    logged once each read as one point, so nothing is judged."""
    with pytest.raises(GapdoctorInputError, match="holds 2 MLflow runs with metric values") as caught:
        read_history(COMMITTED)
    assert "placid-crab-483" in str(caught.value) and "stylish-squid-490" in str(caught.value)
    history = read_history(f"{COMMITTED}#placid-crab-483")
    assert history.n_points == 1 and {"train_loss", "train_accuracy"} <= set(history.series)
    assert not gapdoctor.diagnose(history=f"{COMMITTED}#02e69eea").judged
