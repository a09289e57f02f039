"""Every row-level check under a budget: sampling stated, memory bounded, large inputs finish.

The scale cases run in a fresh process (tests/stats/budget_worker.py) so that the peak
resident memory measured is the diagnosis's own; no timing is asserted (speed is in
benchmarks/budget.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.label_noise import check as label_noise
from gapdoctor.findings import CheckRun
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.budget import recording_sampling, sample_rows, state_sampling, validation_sample
from tests.causes.label_noise_data import flip_labels

REPO = Path(__file__).resolve().parents[2]
MAX_EXTRA_GB = 0.75
"""Working memory a diagnosis may add to its inputs (1M x 128 float64 per split is 1 GB)."""
MAX_PEAK_GB = 3.0


def _worker(case: str, tmp_path: Path, *cli: str) -> dict[str, Any]:
    out = tmp_path / f"{case}.json"
    src = str(Path(gapdoctor.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + str(REPO), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.stats.budget_worker", case, str(out), *cli],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _runs(diagnosis: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in diagnosis["checks"]}


def test_sample_rows_states_the_sampling_only_past_the_budget() -> None:
    with recording_sampling() as notes:
        assert sample_rows(100, 100, what="X_train rows").tolist() == list(range(100))
        assert notes == []
        first = sample_rows(1_000, 10, what="X_train rows")
        state_sampling(1_000, 10, "X_train rows")  # the same statement is made once
    assert notes == ["sampled 10 of 1,000 X_train rows"]
    assert np.array_equal(first, sample_rows(1_000, 10)), "a fixed seed: the same rows every time"
    assert np.all(np.diff(first) > 0) and first.max() < 1_000


def test_validation_sample_cuts_the_validation_arrays_together() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 500)
    probs = rng.dirichlet(np.ones(3), size=500)
    evidence = build_evidence(y_val=y, val_probs=probs, groups_val=np.arange(500) % 4)
    assert validation_sample(evidence, 500) is evidence
    with recording_sampling() as notes:
        cut = validation_sample(evidence, 100)
    assert notes == ["sampled 100 of 500 validation rows"]
    assert cut.y_val is not None and cut.val_probs is not None and cut.groups_val is not None
    assert len(cut.y_val) == len(cut.val_probs) == len(cut.groups_val) == 100
    rows = sample_rows(500, 100)
    assert np.array_equal(cut.val_probs, evidence.val_probs[rows])  # type: ignore[index]
    assert cut.val_size == 500, "the metric's noise is judged for the real validation size"


def test_a_sampled_check_states_it_in_its_run_and_in_its_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    n = 5_000
    y_true = rng.integers(0, 2, n)
    y = flip_labels(y_true, 0.2, "symmetric")
    probs = np.clip(np.eye(2)[y_true] * 0.8 + rng.uniform(0.0, 0.2, size=(n, 1)), 0.0, 1.0)
    probs = probs / probs.sum(axis=1, keepdims=True)
    full = gapdoctor.diagnose(y_train=y, train_probs=probs)
    monkeypatch.setattr(label_noise, "LABEL_PASS_CELLS", 2 * 1_000)  # 1,000 rows of 2 classes
    sampled = gapdoctor.diagnose(y_train=y, train_probs=probs)

    statement = "sampled 1,000 of 5,000 training rows for confident learning"
    run = _runs(sampled.to_dict())["label_noise.confident_learning"]
    assert run["note"] == statement
    assert _runs(full.to_dict())["label_noise.confident_learning"]["note"] == ""
    (finding,) = [f for f in sampled.findings if f.check == "label_noise.confident_learning"]
    (unsampled,) = [f for f in full.findings if f.check == "label_noise.confident_learning"]
    assert finding.evidence["sampling"] == statement and "sampling" not in unsampled.evidence
    assert finding.evidence["training_rows"] == 1_000
    width = finding.evidence["noise_rate_high_pct"] - finding.evidence["noise_rate_low_pct"]
    full_width = unsampled.evidence["noise_rate_high_pct"] - unsampled.evidence["noise_rate_low_pct"]
    assert width > 1.5 * full_width, "the interval reflects the 1,000 rows read, not the 5,000 given"
    read = set(sample_rows(n, 1_000).tolist())  # the budget seed, not the 0 that flipped the labels
    assert finding.rows and set(finding.rows) <= read, "flagged rows are numbered in the whole split"
    flipped = np.flatnonzero(y != y_true)
    assert len(set(finding.rows) & set(flipped.tolist())) > 0.8 * len(finding.rows)


def test_check_run_note_is_part_of_the_json_contract() -> None:
    run = CheckRun("x.y", "overfitting", "ran", note="sampled 1 of 2 rows")
    assert run.to_dict()["note"] == "sampled 1 of 2 rows"
    assert CheckRun.from_dict(run.to_dict()) == run
    legacy = {k: v for k, v in run.to_dict().items() if k != "note"}  # a diagnosis stored before the note
    assert CheckRun.from_dict(legacy).note == ""


def test_one_million_identical_rows_in_both_splits_finish_in_bounded_memory(tmp_path: Path) -> None:
    report = _worker("identical", tmp_path)
    diagnosis = report["diagnosis"]
    runs = _runs(diagnosis)
    assert diagnosis["verdict"]
    assert not [c for c in diagnosis["checks"] if c["status"] == "errored"]
    duplicates = runs["preprocessing_leakage.duplicates"]
    # every row is a copy of every other: within training as across the splits, so the
    # copies are natural and the check says why it cannot call them leakage
    assert duplicates["status"] == "skipped"
    assert "100% of training rows have a copy within training" in duplicates["reason"]
    assert "100% of validation rows" in duplicates["reason"]
    assert "sampled 20,000 of 1,000,000 X_train rows" in runs["distribution_shift.covariate"]["note"]
    assert report["peak_gb"] - report["before_gb"] < MAX_EXTRA_GB, report
    assert report["peak_gb"] < MAX_PEAK_GB, report


def test_low_cardinality_features_finish_with_a_verdict(tmp_path: Path) -> None:
    report = _worker("low_cardinality", tmp_path)
    diagnosis = report["diagnosis"]
    assert diagnosis["verdict"] and diagnosis["healthy"], "random labels on 8 possible rows: nothing to report"
    assert not [c for c in diagnosis["checks"] if c["status"] == "errored"]
    duplicates = _runs(diagnosis)["preprocessing_leakage.duplicates"]
    assert duplicates["status"] == "skipped" and "100% of training rows" in duplicates["reason"]
    assert report["peak_gb"] - report["before_gb"] < MAX_EXTRA_GB, report


def test_copies_among_distinct_rows_are_reported_at_scale(tmp_path: Path) -> None:
    report = _worker("copies", tmp_path)
    diagnosis = report["diagnosis"]
    top = diagnosis["findings"][0]
    assert top["check"] == "preprocessing_leakage.duplicates" and not top["weak"]
    assert top["evidence"]["val_rows_exact_duplicates"] == 10_000
    assert top["evidence"]["val_rows_near_duplicates"] == 10_000
    assert top["evidence"]["train_share_duplicated_within_train"] == 0.0
    assert sorted(top["rows"]) == list(range(20_000))
    assert report["peak_gb"] - report["before_gb"] < MAX_EXTRA_GB, report


def _npz(path: Path, X: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> str:
    """A compressed .npz as np.savez_compressed writes it, at zlib's fastest level (its default, 6, takes 7 s on
    a gigabyte of ones, the fastest under 3: the reader sees the same members either way)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, values in (("X", X), ("label", y)):
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, values, allow_pickle=False)
    return str(path)


def test_cli_on_a_small_npz_expanding_to_a_million_identical_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ones = np.ones((1_000_000, 128))
    train = _npz(tmp_path / "train.npz", ones, rng.integers(0, 2, 1_000_000))
    val = _npz(tmp_path / "val.npz", ones, rng.integers(0, 2, 1_000_000))
    del ones
    assert os.path.getsize(train) < 8_000_000, "a few MB on disk, 1 GB in memory"
    out = tmp_path / "d.json"
    args = ("diagnose", "--train", train, "--val", val, "--label", "label", "--json", str(out))
    report = _worker("cli", tmp_path, *args)
    assert report["exit"] == 0, report  # checks ran and none reported
    diagnosis = json.loads(out.read_text())
    assert diagnosis["inputs"]["X_train"] == [1_000_000, 128]
    assert _runs(diagnosis)["preprocessing_leakage.duplicates"]["status"] == "skipped"
    assert not [c for c in diagnosis["checks"] if c["status"] == "errored"]
    assert report["peak_gb"] < MAX_PEAK_GB, report


def test_cli_on_low_cardinality_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train = _npz(tmp_path / "t.npz", rng.integers(0, 2, (100_000, 3)).astype(float), rng.integers(0, 2, 100_000))
    val = _npz(tmp_path / "v.npz", rng.integers(0, 2, (10_000, 3)).astype(float), rng.integers(0, 2, 10_000))
    out = tmp_path / "d.json"
    args = ("diagnose", "--train", train, "--val", val, "--label", "label", "--json", str(out))
    report = _worker("cli", tmp_path, *args)
    assert report["exit"] == 0, report
    diagnosis = json.loads(out.read_text())
    assert sum(c["status"] == "ran" for c in diagnosis["checks"]) >= 4
    assert report["peak_gb"] - report["before_gb"] < MAX_EXTRA_GB, report
