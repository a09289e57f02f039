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


def _line(causes: list[str], findings: list[tuple[str, float, str]]) -> dict[str, object]:
    return {
        "status": "diagnosed",
        "families": {"dataset": "wine"},
        "causes": causes,
        "findings": [{"cause": c, "score": s, "check": f"{c}.x", "truth": t} for c, s, t in findings],
    }


def test_an_observed_symptom_is_right_per_finding_but_not_the_root_causes_headline() -> None:
    lines = [
        # label noise injected; the run really overfits, and overfitting headlines (label noise is weak)
        _line(["label_noise"], [("overfitting", 0.9, "observed"), ("label_noise", 0.4, "injected")]),
        # an optimisation run whose validation set is also too small: optimisation does not explain that
        _line(["optimization"], [("small_validation_set", 0.8, "observed")]),
        # a healthy run with a reported finding its data do not show
        _line([], [("subgroup_failure", 0.6, "wrong")]),
    ]
    result = evaluate(lines, None)
    assert result.top1 == 0.0 and result.top3 == 0.0  # no headline names an injected cause
    assert result.top1_real == pytest.approx(1 / 3)  # the second run's real, unexplained symptom
    assert (result.false_alarms, result.unobserved_alarms, result.healthy) == (1, 1, 1)
    assert result.ranked_first == 0.0 and result.headline_hits == (False, False, False)
    shares = {row["bin"]: row["real"] for row in result.reliability}
    assert shares["0.8-0.9"] == 1.0 and shares["0.9-1.0"] == 1.0 and shares["0.6-0.7"] == 0.0
    assert result.by_cause["overfitting"] == {"findings": 1, "right": 1.0, "mean_score": 0.9}
    assert result.confusion == {
        "label_noise": {"overfitting": 1},
        "none": {"subgroup_failure": 1},
        "optimization": {"small_validation_set": 1},
    }


def test_evaluate_prints_markdown_with_a_chosen_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gapdoctor.bench.corpus.__main__ import main

    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in _lines(3, ("digits", "wine"), 200)) + "\n")
    assert main(["fit", str(path), "--out", str(tmp_path / "fit.json")]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(path), "--policy", str(tmp_path / "fit.json"), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| report families (100 scenarios) | top-1 |") and "| overfitting | 100 |" in out
    (tmp_path / "bad.json").write_text("not json")
    for argv in (["--policy", str(tmp_path / "missing.json")], ["--policy", str(tmp_path / "bad.json")]):
        assert main(["evaluate", str(path), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("gapdoctor: bad input: --policy:") and "\n" not in err
    assert main(["fit", str(path), "--hold-out", "planet=mars", "--out", str(tmp_path / "x.json")]) == 2
    assert "unknown family axis" in capsys.readouterr().err
