"""The flagged-rows table: real label noise on digits (out-of-fold probabilities of a real
logistic regression), real duplicated rows, the CSV the CLI writes, bad arrays refused."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

import gapdoctor
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise, LateFittedRows, Suspect
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.rows import ROW_COLUMNS, rows_table, write_rows_csv
from tests.causes.label_noise_data import noisy_split
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def noisy_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis]:
    clean, noisy, probs = noisy_split("digits", 0.2)
    return clean, noisy, probs, gapdoctor.diagnose(y_train=noisy, train_probs=probs)


def test_every_flagged_row_has_its_labels_and_the_checks_own_suggestion(
    noisy_digits: tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis],
) -> None:
    clean, noisy, probs, diagnosis = noisy_digits
    finding = next(f for f in diagnosis.findings if f.cause == "label_noise")
    assert isinstance(finding.result, ConfidentLearningNoise)
    suspects = finding.result.suspects
    assert finding.rows is not None and len(finding.rows) > len(suspects)  # rows beyond the detail
    table = [r for r in rows_table(diagnosis, y_train=noisy, train_probs=probs) if r["cause"] == "label_noise"]
    assert [r["row"] for r in table] == list(finding.rows)
    assert [r["rank"] for r in table] == list(range(1, len(table) + 1))
    for record in table:
        row = record["row"]
        assert record["given_label"] == str(noisy[row])
        assert record["suggested_label"] != record["given_label"]
        assert record["confidence"] == pytest.approx(probs[row, int(record["suggested_label"])], abs=1e-4)
    # the first rows come from the check's own detail: the filled-in rows follow the same rule
    detailed = [(s["row"], s["given"], s["suggested"], s["confidence"]) for s in suspects]
    assert [(r["row"], r["given_label"], r["suggested_label"], r["confidence"]) for r in table[: len(suspects)]] == (
        detailed
    )
    filled = rows_table(Diagnosis([finding], [], inputs=diagnosis.inputs), y_train=noisy, train_probs=probs)
    undetailed = replace(finding.result, suspects=[])  # every row filled in from train_probs
    refilled = rows_table(
        Diagnosis([replace(finding, result=undetailed)], [], inputs=diagnosis.inputs),
        y_train=noisy,
        train_probs=probs,
    )
    assert [r["suggested_label"] for r in refilled] == [r["suggested_label"] for r in filled]
    # and they are mostly the truly flipped rows, suggested back to their true class
    wrong = noisy != clean
    assert np.mean([wrong[r["row"]] for r in table]) > 0.6
    fixed = [r["suggested_label"] == str(clean[r["row"]]) for r in table if wrong[r["row"]]]
    assert np.mean(fixed) > 0.6


def test_without_arrays_only_the_detailed_rows_have_labels(
    noisy_digits: tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis],
) -> None:
    _, _, _, diagnosis = noisy_digits
    table = [r for r in diagnosis.rows_table() if r["cause"] == "label_noise"]
    result = next(f.result for f in diagnosis.findings if f.cause == "label_noise")
    assert isinstance(result, ConfidentLearningNoise)
    n_detailed = len(result.suggestions())
    assert all(r["given_label"] is not None for r in table[:n_detailed])
    assert all(r["given_label"] is None and r["confidence"] is None for r in table[n_detailed:])


def test_the_payload_type_not_the_cause_name_makes_a_labelling_finding(
    noisy_digits: tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis],
) -> None:
    _, noisy, probs, diagnosis = noisy_digits
    finding = next(f for f in diagnosis.findings if f.cause == "label_noise")
    rows = (finding.rows or ())[:40]
    late = LateFittedRows(
        late_fitted_pct=4.0,
        late_fitted_low_pct=2.9,
        late_fitted_high_pct=5.4,
        late_fitted_rows=len(rows),
        never_fitted_rows=0,
        tracked_rows=len(noisy),
        bulk_fitted_epoch=3.0,
        late_after_epoch=6.0,
        markers={"bulk_fitted_epoch": 3},
    )
    kinds = {
        "memorisation": Finding("label_noise", 0.8, "late rows", rows=rows, check=late.CHECK, result=late),
        "no payload": Finding("label_noise", 0.8, "a plug-in's rows", rows=rows),
        "stored": Finding.from_dict(finding.to_dict()),  # payload rebuilt from its evidence and data
    }
    tables = {
        kind: rows_table(Diagnosis([f], [], inputs=diagnosis.inputs), y_train=noisy, train_probs=probs)
        for kind, f in kinds.items()
    }
    suggested = [r["suggested_label"] for r in tables["memorisation"]]
    assert all(s is not None and s != str(noisy[row]) for s, row in zip(suggested, rows, strict=True))
    assert [r["given_label"] for r in tables["no payload"]] == [str(noisy[row]) for row in rows]
    assert all(r["suggested_label"] is None and r["confidence"] is None for r in tables["no payload"])
    whole = rows_table(Diagnosis([finding], [], inputs=diagnosis.inputs), y_train=noisy, train_probs=probs)
    assert tables["stored"] == whole


def test_duplicated_rows_have_their_given_label_and_no_suggestion() -> None:
    X, y = load_digits(return_X_y=True)
    X_train, y_train, X_val, y_val = X[:1000], y[:1000], X[1000:1300].copy(), y[1000:1300].copy()
    X_val[:60], y_val[:60] = X_train[:60], y_train[:60]  # 60 training rows copied into validation
    diagnosis = gapdoctor.diagnose(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val)
    table = [r for r in diagnosis.rows_table(y_train=y_train) if r["cause"] == "preprocessing_leakage"]
    assert {r["row"] for r in table} >= set(range(60))
    assert all(r["given_label"] == str(y_train[r["row"]]) for r in table)
    assert all(r["suggested_label"] is None and r["confidence"] is None for r in table)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"y_train": [0, 1]}, "y_train"),
        ({"y_train": np.zeros(2000, dtype=int), "train_probs": np.ones((2000, 3)) / 3}, "train_probs"),
        ({"train_probs": np.ones((2000, 10)) / 10}, "train_probs"),
    ],
)
def test_arrays_that_do_not_fit_the_findings_name_the_argument(
    noisy_digits: tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis], kwargs: dict[str, object], named: str
) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match=named):
        noisy_digits[3].rows_table(**kwargs)  # type: ignore[arg-type]


def test_csv_cells_cannot_become_spreadsheet_formulas(tmp_path: Path) -> None:
    suspects: list[Suspect] = [{"row": 2, "given": "=HYPERLINK(1)", "suggested": "-3", "confidence": 0.9}]
    result = ConfidentLearningNoise(
        noise_rate_pct=33.3,
        noise_rate_low_pct=1.0,
        noise_rate_high_pct=90.0,
        flagged_rows=1,
        training_rows=3,
        out_of_fold_error_pct=33.3,
        floor_pct=2.0,
        noise_matrix={"classes": ["=HYPERLINK(1)", "-3"], "counts": [[1, 1], [0, 1]]},
        suspects=suspects,
    )
    finding = Finding("label_noise", 0.8, "x", rows=(2,), check=result.CHECK, result=result)
    path = write_rows_csv(rows_table(Diagnosis([finding], [])), tmp_path / "rows.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(ROW_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["given_label"] == "'=HYPERLINK(1)" and record["suggested_label"] == "-3"  # a label -3 stays


def test_cli_writes_every_flagged_row(tmp_path: Path) -> None:
    clean, noisy, probs = noisy_split("digits", 0.2)
    train = tmp_path / "train.npz"
    np.savez(train, X=np.zeros((len(noisy), 1)), label=noisy)
    train_probs = tmp_path / "train_probs.npy"
    np.save(train_probs, probs)
    out = tmp_path / "rows.csv"
    result = run_cli("diagnose", "--train", str(train), "--train-probs", str(train_probs), "--rows", str(out))
    assert result.returncode == 1, result.stderr
    expected = gapdoctor.diagnose(y_train=noisy, train_probs=probs, X_train=np.zeros((len(noisy), 1)))
    flagged = sum(len(f.rows or ()) for f in expected.findings)
    assert f"{flagged:,} flagged row(s)" in result.stdout
    with out.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == flagged and list(records[0]) == list(ROW_COLUMNS)
    noise = [r for r in records if r["cause"] == "label_noise"]
    assert noise and all(r["given_label"] == str(noisy[int(r["row"])]) for r in noise)
    assert all(r["suggested_label"] and 0 < float(r["confidence"]) <= 1 for r in noise)
    assert np.mean([noisy[int(r["row"])] != clean[int(r["row"])] for r in noise]) > 0.6


def test_cli_refuses_an_unwritable_rows_path_before_any_work(tmp_path: Path) -> None:
    result = run_cli("diagnose", "--history", "missing.csv", "--rows", str(tmp_path / "no" / "rows.csv"))
    assert result.returncode == 2 and "--rows" in result.stderr and len(result.stderr.splitlines()) == 1


def test_show_exports_the_rows_of_a_stored_diagnosis(
    noisy_digits: tuple[np.ndarray, np.ndarray, np.ndarray, Diagnosis], tmp_path: Path
) -> None:
    from gapdoctor.io.store import RunStore

    diagnosis = noisy_digits[3]
    with RunStore(tmp_path / "runs.sqlite") as store:
        run = store.start_run("noisy digits")
        store.log_epoch(run, 0, {"train_loss": 1.0})
        store.save_diagnosis(run, diagnosis)
    out = tmp_path / "rows.csv"
    result = run_cli("show", str(run), "--store", str(tmp_path / "runs.sqlite"), "--rows", str(out))
    assert result.returncode == 1, result.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    expected = rows_table(diagnosis)  # stored: only the rows the findings detail have labels
    assert [r["row"] for r in records] == [str(r["row"]) for r in expected]
    assert [r["given_label"] for r in records] == [r["given_label"] or "" for r in expected]


def test_pseudo_label_rows_come_with_their_source_finding_and_suggestions() -> None:
    from tests.causes.pseudo_label_noise.test_check import _pseudo_labelled

    clean, given, probs, sources = _pseudo_labelled("digits", pseudo_share=0.4, pseudo_flip=0.25, human_flip=0.0)
    diagnosis = gapdoctor.diagnose(y_train=given, train_probs=probs, sources_train=sources)
    table = diagnosis.rows_table(y_train=given, train_probs=probs)
    pseudo = [r for r in table if r["cause"] == "pseudo_label_noise"]
    finding = next(f for f in diagnosis.findings if f.cause == "pseudo_label_noise")
    assert [r["row"] for r in pseudo] == list(finding.rows or ())
    assert all(sources[r["row"]] == "pseudo" and r["check"] == finding.check for r in pseudo)
    assert all(r["given_label"] == str(given[r["row"]]) and r["suggested_label"] != r["given_label"] for r in pseudo)
    assert np.mean([given[r["row"]] != clean[r["row"]] for r in pseudo]) >= 0.6
    findings_in_table = {r["finding"] for r in table}
    assert findings_in_table == {i for i, f in enumerate(diagnosis.findings, 1) if f.rows}
