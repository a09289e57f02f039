from __future__ import annotations

import json
from pathlib import Path

import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.io import read_history
from tests.helpers import run_cli


def test_csv_history_with_lenient_names(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss,val_acc,eval_runtime\n0,1.0,1.1,0.5,3\n1,0.8,,0.6,3\n")
    history = read_history(path)
    assert sorted(history.series) == ["train_loss", "val_accuracy", "val_loss"]
    assert history.ignored == ("eval_runtime",)
    assert history.source == str(path)


def test_json_records_history(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text(json.dumps([{"epoch": 0, "train_loss": 1.0}, {"epoch": 1, "train_loss": 0.7}]))
    values = read_history(path).get("train_loss")
    assert values is not None and values.tolist() == [1.0, 0.7]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "is empty"),
        ("bad.json", "[1, 2", "not valid JSON"),
        ("log.txt", "x", "no series"),
        ("names.csv", "foo,bar\n1,2\n", "no series"),
        # prose with a comma-separated line further down is no table: what the file is not is said, not which line
        # broke a table (a research repo's console log, tests/data/real_logs_heldout14/loop_txt_conclr.txt)
        (
            "train.log",
            "Seeding training.\nModel built\nepoch 0 iter 50: loss = 6.4,  smooth loss = 7.9\n",
            "no training output gapdoctor recognises",
        ),
        ("bad_row.log", "epoch,loss,val_loss\n1,0.5,0.6\n2,0.4\n", "line 3 has 2 fields but the header has 3"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(gapdoctor.GapdoctorInputError, match=message) as info:
        read_history(path)
    assert name in str(info.value)


def test_a_keras_history_saved_with_a_marker_of_its_own_is_read_and_the_marker_said(tmp_path: Path) -> None:
    """``json.dump({**history.history, "phase_split": 27})`` (a real repository's two fits joined, held-out set
    seventeen): the lists are read, the scalar named as not read; a file of scalars only is still refused."""
    path = tmp_path / "history.json"
    path.write_text('{"loss": [0.9, 0.6, 0.5, 0.4], "val_loss": [1.0, 0.8, 0.7, 0.72], "phase_split": 2}')
    history = read_history(path)
    assert history.get("val_loss").tolist() == [1.0, 0.8, 0.7, 0.72]  # type: ignore[union-attr]
    assert "entries that are no list of values, not read: phase_split" in history.notes
    path.write_text('{"loss": 0.4, "val_loss": 0.7}')
    with pytest.raises(gapdoctor.GapdoctorInputError, match="entry 'loss' is not a list of values"):
        read_history(path)


def test_empty_history_path_is_refused_not_read_as_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "metrics.csv").write_text("epoch,train_loss\n0,1.0\n")  # would be found by a scan
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        with pytest.raises(GapdoctorInputError, match=r"^history: is an empty path"):
            gapdoctor.diagnose(history=empty)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("deep.json", "[" * 100_000, "too deeply"),
        ("t.json", '{"log_history":[{"epoch": NaN, "loss": 1.0}]}', "step or an epoch"),
        ("t.json", '{"log_history":[{"epoch": 1e400, "loss": 1.0}]}', "step or an epoch"),
        ("h.csv", "epoch,loss\n0," + "1" * 200_000 + "\n", "field larger"),
        ("h.csv", "epoch,val_loss,val_loss\n0,1,2\n", "two different columns"),
        ("h.csv", bytes(range(256)) * 8, "binary"),
    ],
)
def test_diagnose_on_a_hostile_log_path_raises_only_the_input_error(
    tmp_path: Path, name: str, content: str | bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(GapdoctorInputError, match=problem) as caught:
        gapdoctor.diagnose(history=str(path))
    assert caught.value.argument == str(path)
    with pytest.raises(GapdoctorInputError, match="not a regular file"):
        gapdoctor.diagnose(history="/dev/zero")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_comment_lines_appended_to_a_csv_history_are_left_out_and_said(tmp_path: Path, seed: int) -> None:
    """A real loop's history saved with pandas, then notes appended as ``#`` lines (the twenty-fifth held-out set's
    classifier appends its temperature and threshold so): refused whole before ("line 78 has 1 fields")."""
    import pandas as pd

    rows = [{**row, "val_accuracy": 0.9} for row in _sgd_history(seed, 15, 0.01)]
    path = tmp_path / "history.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as out:
        out.write("# temperature_scaling_T=0.235723\n# sensitivity_opt_threshold=0.350000\n")
    history = read_history(path)
    assert history.n_points == 15
    assert history.get("val_loss").tolist() == pytest.approx([row["val_loss"] for row in rows])  # type: ignore[union-attr]
    assert "2 comment line(s) starting with '#' not read (the first at line 17)" in history.notes
    assert gapdoctor.diagnose(history=path).judged


def _sgd_history(seed: int, epochs: int, eta0: float) -> list[dict[str, float]]:
    """Per-epoch losses of a real SGD logistic regression on the breast-cancer data (a loop's own history)."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=eta0, random_state=seed)
    rows = []
    for epoch in range(1, epochs + 1):
        model.partial_fit(X_train, y_train, classes=np.unique(y))
        rows.append(
            {
                "epoch": epoch,
                "train_loss": log_loss(y_train, model.predict_proba(X_train)),
                "val_loss": log_loss(y_val, model.predict_proba(X_val)),
            }
        )
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_json_history_whose_epochs_start_again_is_read_from_its_last_run(tmp_path: Path, seed: int) -> None:
    """A loop's two phases saved in one ``{"epochs": [...], "train_loss": [...]}`` dict, ``epochs`` starting again at 1
    (the twenty-fifth held-out set's pre-training then fine-tuning): read as one curve of 31 points before, its loss
    jumping at the seam; now the last run, said. A column ``epochs`` holding the run's length is no counter."""
    first, second = _sgd_history(seed, 10, 0.05), _sgd_history(seed + 10, 14, 0.005)
    phases = [*first, *second]
    saved = {
        "epochs": [row["epoch"] for row in phases],
        "train_loss": [row["train_loss"] for row in phases],
        "val_loss": [row["val_loss"] for row in phases],
    }
    path = tmp_path / "history.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    history = read_history(path)
    assert history.n_points == 14
    assert history.get("val_loss").tolist() == pytest.approx([row["val_loss"] for row in second])  # type: ignore[union-attr]
    assert any("2 runs (the epoch counter starts again)" in note for note in history.notes), history.notes
    saved["epochs"] = [24] * 24  # the run's length on every row: each position is an epoch
    path.write_text(json.dumps(saved), encoding="utf-8")
    assert read_history(path).n_points == 24


def test_a_console_log_whose_first_line_has_commas_is_no_table_with_a_bad_row() -> None:
    """Held-out set 153's ``loop_txt_nba_correlation.log`` opens with ``Attention Config: BETA=0.001, epochs=150,
    ckpt_dir=...`` and prints its epochs as ``train recon 0.4863  kl/dim 0.533 | val recon 0.4707`` (a VAE's terms,
    no loss gapdoctor can name). It was refused as a table with a bad row ("line 2 has 2 fields but the header has
    3"): a first line with commas made it a table. A table's first two lines split alike; this file's do not, so it is
    refused as holding no training output gapdoctor recognises, the table's complaint kept in brackets."""
    path = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout153" / "loop_txt_nba_correlation.log"
    with pytest.raises(GapdoctorInputError, match="holds no training output gapdoctor recognises") as caught:
        read_history(path)
    assert "and is no table either (line 2 has 2 fields" in str(caught.value)
    result = run_cli("diagnose", "--history", str(path))  # the CLI: exit 2, one line, no traceback
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "holds no training output" in result.stderr
