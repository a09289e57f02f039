"""Fitting the scoring policy on the calibration families and measuring it on the held-out ones:
an over-confident check is pulled down to what it is worth, and the held-out calibration error falls."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gapdoctor.bench.corpus.calibration import evaluate, fit_policy
from gapdoctor.stats.scoring import load_policy


def _lines(seed: int, datasets: tuple[str, ...], n: int) -> list[dict[str, object]]:
    """Scenarios whose 'overfitting' check is over-confident: right with probability strength**3."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        strength = float(rng.uniform(0.05, 0.95))
        right = bool(rng.uniform() < strength**3)
        lines.append(
            {
                "status": "diagnosed",
                "families": {"dataset": datasets[i % len(datasets)]},
                "causes": ["overfitting"] if right else ["label_noise"],
                "findings": [{"cause": "overfitting", "score": strength, "check": "overfitting.curves"}],
            }
        )
    return lines


def test_the_fit_pulls_an_over_confident_check_down_on_families_it_never_read(tmp_path: Path) -> None:
    calibrate = _lines(0, ("digits", "iris"), 600)
    report = _lines(1, ("wine", "breast_cancer"), 600)
    out = tmp_path / "fit.json"
    content = fit_policy(calibrate + report, out)
    assert content["fitted_on"]["calibration_scenarios"] == 600  # the held-out families were not read
    assert set(content["causes"]) == {"overfitting"} and content["causes"]["overfitting"]["slope"] > 0
    policy = load_policy(out)
    assert policy["overfitting"](0.6) < 0.4  # a strength of 0.6 is right 0.6**3 = 22% of the time
    before, after = evaluate(report, None), evaluate(report, policy)
    assert after.ece < before.ece / 2 and after.ece < 0.06
    assert sum(r["findings"] for r in after.reliability) == 600
    assert json.loads(out.read_text())["causes"]["overfitting"]["n_findings"] == 600


def test_a_cause_with_too_few_findings_is_kept_as_measured(tmp_path: Path) -> None:
    content = fit_policy(_lines(2, ("digits",), 10), tmp_path / "fit.json")
    assert content["causes"] == {} and "too few" in content["kept_as_measured"]["overfitting"]


@pytest.mark.parametrize("content", ["not json\n", '{"status": "diagnosed", "families": {}}\n', "[1, 2]\n"])
def test_the_fit_and_evaluate_commands_refuse_a_file_that_is_not_a_diagnose_output(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from gapdoctor.bench.corpus.__main__ import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    for command in ("fit", "evaluate"):
        assert main([command, str(bad), *(["--out", str(tmp_path / "fit.json")] if command == "fit" else [])]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("gapdoctor: bad input: lines:") and "diagnose output" in err[0]
    assert not (tmp_path / "fit.json").exists()
