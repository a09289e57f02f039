"""The command line end to end: real files in, exit codes and reports out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine

import gapdoctor
from gapdoctor.bench.training import TrainedRun
from tests.helpers import run_cli
from tests.recorded import RecordedRun


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _history_csv(path: Path, history: dict[str, list[float]]) -> Path:
    names = list(history)
    rows = [[i, *(history[n][i] for n in names)] for i in range(len(history[names[0]]))]
    return _write_csv(path, ["epoch", *names], rows)


def test_diagnose_history_csv_with_findings_exits_1_and_writes_json(tmp_path: Path, overfit_run: RecordedRun) -> None:
    history = _history_csv(tmp_path / "history.csv", overfit_run.history)
    out = tmp_path / "d.json"
    result = run_cli("diagnose", "--history", str(history), "--json", str(out))
    assert result.returncode == 1, result.stderr
    assert "overfitting" in result.stdout
    loaded = json.loads(out.read_text())
    assert loaded["findings"][0]["cause"] == "overfitting"
    assert loaded["inputs"]["history"]["epochs"] == 150


def test_diagnose_healthy_run_exits_0(tmp_path: Path, healthy_run: TrainedRun) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps(healthy_run.history))
    result = run_cli("diagnose", "--history", str(history))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No cause reaches the reporting threshold" in result.stdout


def test_diagnose_reads_data_splits_and_probabilities(tmp_path: Path) -> None:
    X, y = load_wine(return_X_y=True)
    names = [f"f{i}" for i in range(X.shape[1])]
    train = _write_csv(
        tmp_path / "train.csv", [*names, "label"], [[*row, int(t)] for row, t in zip(X[::2], y[::2], strict=True)]
    )
    val = tmp_path / "val.npz"
    np.savez(val, X=X[1::2], label=y[1::2])
    probs = tmp_path / "val_probs.npy"
    np.save(probs, np.full((len(y[1::2]), 3), 1 / 3))
    out = tmp_path / "d.json"
    result = run_cli(
        "diagnose", "--train", str(train), "--val", str(val), "--val-probs", str(probs), "--json", str(out)
    )
    assert result.returncode in (0, 1), result.stderr
    loaded = json.loads(out.read_text())
    assert loaded["inputs"]["X_train"] == [89, 13]
    assert loaded["inputs"]["X_val"] == [89, 13]
    assert loaded["inputs"]["val_probs"] == [89, 3]


@pytest.mark.parametrize(
    ("files", "args", "named"),
    [
        ({}, ["--history", "missing.csv"], "missing.csv"),
        ({"h.csv": "epoch,train_loss\n0,1.0\n1,0.9,7\n"}, ["--history", "h.csv"], "line 3"),
        ({"h.json": '{"train_loss": [1.0, 0.9'}, ["--history", "h.json"], "not valid JSON"),
        ({"t.csv": "a,b\n1,2\n"}, ["--train", "t.csv"], "no label column"),
        ({"h.csv": "train_loss,val_loss\n1,2\n"}, ["--history", "h.csv", "--metric", "fancy"], "metric"),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_it(
    tmp_path: Path, files: dict[str, str], args: list[str], named: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_cli("diagnose", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert named in result.stderr and "Fix:" in result.stderr


def test_demo_end_to_end_names_the_injected_problem(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    html = tmp_path / "demo.html"
    result = run_cli("demo", "--json", str(out), "--html", str(html))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(out.read_text())
    # 30% flipped labels: label noise when its check is installed, else the overfitting it causes
    assert loaded["findings"][0]["cause"] in {"label_noise", "overfitting"}
    assert not loaded["findings"][0]["weak"]
    assert "demo took" in result.stdout
    seconds = float(result.stdout.rsplit("demo took ", 1)[1].split(" s")[0])
    assert seconds < 60
    assert "<html" in html.read_text()


def test_diagnose_reads_parquet_splits(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X, y = load_wine(return_X_y=True)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]).assign(cls=y)
    frame.iloc[::2].to_parquet(tmp_path / "train.parquet")
    frame.iloc[1::2].to_parquet(tmp_path / "val.parquet")
    out = tmp_path / "d.json"
    result = run_cli(
        "diagnose",
        "--train",
        str(tmp_path / "train.parquet"),
        "--val",
        str(tmp_path / "val.parquet"),
        "--label",
        "cls",
        "--json",
        str(out),
    )
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(out.read_text())["inputs"]["classes"] == ["0", "1", "2"]


def _parquet_folder(folder: Path, X: np.ndarray, y: np.ndarray, probs: np.ndarray, files: int) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(y)), files)):
        columns = {f"f{j}": X[rows, j] for j in range(X.shape[1])} | {"label": y[rows]}
        columns |= {f"prob_{k}": probs[rows, k] for k in range(probs.shape[1])}
        pq.write_table(pa.table(columns), folder / f"part-{i}.parquet")
    return folder


def test_diagnose_reads_parquet_dataset_folders_through_dask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dask")
    from tests.scale.faulty_data import faulty_data

    monkeypatch.setenv("DASK_SCHEDULER", "synchronous")  # dask's own setting; the default is a 2-worker cluster
    data = faulty_data()
    train = _parquet_folder(tmp_path / "train", data["X_train"], data["y_train"], data["train_probs"], 4)
    val = _parquet_folder(tmp_path / "val", data["X_val"], data["y_val"], data["val_probs"], 2)
    out = tmp_path / "d.json"
    result = run_cli(
        "diagnose", "--train", str(train), "--val", str(val), "--probs-prefix", "prob_", "--json", str(out)
    )
    assert result.returncode == 1, result.stderr
    loaded = json.loads(out.read_text())
    assert loaded["inputs"]["dask"]["splits"]["train"] == {"rows": 4000, "partitions": 4, "rows_read_by_checks": 4000}
    assert loaded["inputs"]["X_train"] == [4000, 8] and loaded["inputs"]["train_probs"] == [4000, 3]
    in_memory = gapdoctor.diagnose(**{k: v for k, v in data.items() if k not in ("flipped", "groups_val")})
    expected = json.loads(in_memory.to_json())["findings"]  # the same rounding as the file's
    assert [(f["cause"], f["score"]) for f in loaded["findings"]] == [(f["cause"], f["score"]) for f in expected]
    assert {f["cause"] for f in loaded["findings"]} >= {"label_noise", "distribution_shift"}
    assert "Dask, on the Dask scheduler 'synchronous'" in result.stdout


def test_probs_prefix_without_a_dataset_folder_exits_2(tmp_path: Path) -> None:
    table = _write_csv(tmp_path / "t.csv", ["a", "label"], [[0.1, 0], [0.2, 1]])
    result = run_cli("diagnose", "--train", str(table), "--probs-prefix", "p_")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "gapdoctor: bad input: --probs-prefix: needs a Parquet dataset folder. Fix: pass --train/--val DIR."
    ]
