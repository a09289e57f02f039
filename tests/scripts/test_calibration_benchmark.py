"""benchmarks/calibration.py: the one-command re-fit reads recorded lines, fits held out and with the
sides swapped without moving a headline, refuses bad input in one line, and leaves the engine's
policy as it found it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "calibration.py"
RECORDED = ROOT / "tests" / "data" / "corpus_findings.jsonl"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gapdoctor_calibration_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ECE_GUARD = 0.05
"""Issue 13's target (``ECE_TARGET``), met by the recorded corpus's held-out ECE (0.039 on the 2026-12-02 09:00
recording of 800 seeds, over reported findings alone 0.044; RESULTS.md)."""


def test_the_held_out_evaluation_of_the_recorded_corpus_halves_the_error_without_moving_a_headline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script()
    rows = script._read(RECORDED)
    (_, before), (_, after) = script._held_out_evaluation(rows, tmp_path / "fit.json", script.DEFAULT_HELD_OUT)
    assert "headlines gained 0, lost 0" in capsys.readouterr().out
    # issue 13's target (script.ECE_TARGET, 0.05), on families the fit never read: over every finding and over
    # the reported ones alone (whose bins the many weak findings cannot carry)
    assert before["ece"] > script.ECE_TARGET and after["ece"] < min(before["ece"] / 2, ECE_GUARD)
    assert script.reported_ece(after) < min(script.reported_ece(before) / 2, ECE_GUARD)
    assert (after["top1"], after["top3"], after["false_alarms"]) == (
        before["top1"],
        before["top3"],
        before["false_alarms"],
    )


@pytest.mark.parametrize(
    ("argv", "argument"),
    [
        (["missing.jsonl"], "LINES"),
        (["foreign.jsonl"], "LINES"),
        (["empty.jsonl"], "lines"),
        (["empty.jsonl", "--cache", "no-such-folder"], "--cache"),
        (["empty.jsonl", "--jobs", "0"], "--jobs"),
        (["recorded.jsonl", "--report-seeds", "400"], "--report-seeds"),
        (["recorded.jsonl", "--report-seeds", "800:400"], "--report-seeds"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], argument: str
) -> None:
    (tmp_path / "foreign.jsonl").write_text('{"status": "diagnosed", "findings": []}\n')
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "recorded.jsonl").write_text(RECORDED.read_text(encoding="utf-8"))
    paths = [str(tmp_path / a) if a.endswith((".jsonl", "folder")) else a for a in argv]
    assert _script().main(paths) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"calibration: bad input: {argument}:") and "\n" not in err
    assert not (tmp_path / "scoring_fit.json").exists()


def test_report_seeds_keep_the_calibration_side_whole_and_the_held_out_side_in_range() -> None:
    script = _script()
    rows = script._read(RECORDED)
    kept = script.keep_report_seeds(rows, "200:400")
    split, whole = script.split_by_family(kept), script.split_by_family(rows)
    assert len(split.calibrate) == len(whole.calibrate)
    assert split.report and all(200 <= r["seed"] < 400 for r in split.report)
    assert len(split.report) == sum(200 <= r["seed"] < 400 for r in whole.report)


def test_reported_ece_reads_only_the_bins_at_or_above_the_reporting_point() -> None:
    table = [
        {"bin": "0.1-0.2", "findings": 500, "mean_score": 0.15, "real": 0.9},
        {"bin": "0.5-0.6", "findings": 10, "mean_score": 0.55, "real": 0.45},
        {"bin": "0.9-1.0", "findings": 30, "mean_score": 0.95, "real": 0.95},
    ]
    assert _script().reported_ece({"reliability": table}) == pytest.approx(10 * 0.1 / 40)
