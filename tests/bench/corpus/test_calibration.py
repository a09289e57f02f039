"""Fitting the scoring policy on the calibration families and measuring it on the held-out ones: the
one monotone map pulls over-confident strengths to what they are worth, lowers the held-out
calibration error, and keeps every diagnosis's order and reported set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.bench.corpus.calibration import evaluate, fit_policy, fit_score_map, read_lines
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT, FAMILY_AXES, split_by_family
from gapdoctor.stats.scoring import load_policy

DATA = Path(__file__).parents[2] / "data"
RECORDED = DATA / "corpus_findings.jsonl"
"""The findings of main's whole-corpus diagnosis (tests/data/record_corpus_findings.py)."""


def _lines(seed: int, datasets: tuple[str, ...], n: int) -> list[dict[str, object]]:
    """Scenarios whose 'overfitting' check is over-confident below 0.5: right with probability strength**3.

    A second, generic finding ('small_validation_set', right when observed) rides along, so each
    diagnosis has an order to keep."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        strength = float(rng.uniform(0.02, 0.98))
        right = bool(rng.uniform() < strength**3)
        other = float(rng.uniform(0.02, 0.98))
        lines.append(
            {
                "status": "diagnosed",
                "families": {"dataset": datasets[i % len(datasets)]},
                "causes": ["overfitting"] if right else ["label_noise"],
                "findings": [
                    {"cause": "overfitting", "score": strength, "check": "overfitting.curves"},
                    {
                        "cause": "small_validation_set",
                        "score": other,
                        "truth": "observed" if rng.uniform() < other else "wrong",
                    },
                ],
            }
        )
    return lines


def test_the_fit_pulls_over_confident_strengths_down_on_families_it_never_read(tmp_path: Path) -> None:
    calibrate = _lines(0, ("digits", "iris"), 600)
    report = _lines(1, ("wine", "breast_cancer"), 600)
    out = tmp_path / "fit.json"
    content = fit_policy(calibrate + report, out)
    assert content["fitted_on"]["calibration_scenarios"] == 600  # the held-out families were not read
    assert content["map"]["n_findings"] == 1200 and set(content["by_cause_not_applied"]) == {
        "overfitting",
        "small_validation_set",
    }
    policy = load_policy(out)
    assert policy is not None and policy(0.5) == 0.5
    # the two checks pooled: right with probability (s**3 + s) / 2, 0.15 at s = 0.3 (strength says 0.3)
    assert policy(0.3) == pytest.approx((0.3**3 + 0.3) / 2, abs=0.06)
    before, after = evaluate(report, None), evaluate(report, policy)
    # above 0.5 the map stays >= 0.5 where the pooled share right is lower (0.41 at 0.6): what is left
    assert after.ece < before.ece / 2
    assert policy(0.6) == pytest.approx(0.5, abs=0.02)
    assert sum(r["findings"] for r in after.reliability) == 1200
    assert after.headline_hits == before.headline_hits and (after.top1, after.top3) == (before.top1, before.top3)


def test_the_map_keeps_every_order_and_the_reported_set() -> None:
    rng = np.random.default_rng(3)
    strengths = rng.uniform(0, 1, 500)
    fitted = fit_score_map(strengths, rng.uniform(0, 1, 500) < strengths**2)
    grid = np.r_[np.linspace(0, 1, 2001), 0.5 - 1e-9, 0.5 + 1e-9]
    grid.sort()
    scores = np.array([fitted(s) for s in grid])
    assert np.all(np.diff(scores) > 0)  # strictly increasing: no order changes, no new ties
    assert np.array_equal(scores >= 0.5, grid >= 0.5)  # reported exactly when the check reported
    assert scores.min() >= 0 and scores.max() <= 1


def test_a_side_without_findings_keeps_the_identity_and_a_lone_finding_is_pooled() -> None:
    fitted = fit_score_map([0.7] * 30 + [0.97], [True] * 21 + [False] * 9 + [False])
    assert fitted(0.2) == pytest.approx(0.2) and fitted(0.5) == 0.5
    # the lone wrong finding at 0.97 is pooled with the 30 at 0.7 (21 right): one knot, 21/31 right
    assert fitted(0.7) == pytest.approx(0.99 * 21 / 31 + 0.01 * (0.7 * 30 + 0.97) / 31, abs=0.01)
    assert fitted(1.0) < 0.7


def test_the_fit_refuses_no_findings_and_strengths_outside_the_unit_interval(tmp_path: Path) -> None:
    with pytest.raises(GapdoctorInputError, match="strengths"):
        fit_score_map([], [])
    with pytest.raises(GapdoctorInputError, match="strengths"):
        fit_score_map([0.2, 1.3], [True, False])
    no_findings = [{"status": "diagnosed", "families": {"dataset": "digits"}, "causes": [], "findings": []}]
    with pytest.raises(GapdoctorInputError, match="lines"):
        fit_policy(no_findings, tmp_path / "fit.json")
    assert not (tmp_path / "fit.json").exists()


ECE_GUARD = 0.05
"""Issue 13's target for the held-out calibration error, met on the 2026-12-02 09:00 recording (800 seeds:
held out 0.039, swapped 0.020; 0.054 and 0.030 on the 400-seed recording before; benchmarks/RESULTS.md)."""


@pytest.mark.parametrize("swapped", [False, True])
def test_on_the_recorded_corpus_the_held_out_calibration_error_falls_and_no_headline_moves(
    tmp_path: Path, swapped: bool
) -> None:
    rows = read_lines(RECORDED)
    held_out: dict[str, tuple[str, ...]] = DEFAULT_HELD_OUT
    if swapped:
        held_out = {"dataset": tuple(d for d in FAMILY_AXES["dataset"] or () if d not in DEFAULT_HELD_OUT["dataset"])}
    fit_policy(rows, tmp_path / "fit.json", held_out)
    policy = load_policy(tmp_path / "fit.json")
    report = split_by_family(rows, held_out).report
    before, after = evaluate(report, None), evaluate(report, policy)
    assert len(report) > 150 and before.ece > 0.08  # the checks' strengths as recorded: mis-calibrated
    # on families the fit never read: at most half the strengths' error, and within issue 13's target of 0.05
    assert after.ece < before.ece / 2 and after.ece < ECE_GUARD
    assert after.headline_hits == before.headline_hits and after.confusion == before.confusion
    assert (after.top3, after.false_alarms, after.ranked_first) == (
        before.top3,
        before.false_alarms,
        before.ranked_first,
    )


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
        # an overfitting run whose validation set is also too small: overfitting explains no other symptom
        _line(["overfitting"], [("small_validation_set", 0.8, "observed")]),
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
        "overfitting": {"small_validation_set": 1},
    }


def test_evaluate_ranks_a_recorded_line_as_the_diagnosis_did() -> None:
    """A diagnose line keeps each finding's evidence but not its plot data; re-ranked from it, the
    headline must be the one ``diagnose`` gave. Never-read corpus seed 2116 (an injected small
    validation set; the line's values as the batch wrote them, pretty-printed): overfitting's plateau (0.98) is
    what a set too small to show progress produces, so ``diagnose`` headlined small_validation_set
    (0.82); rebuilt without its figure markers, overfitting's payload was lost and the evaluation
    headlined it (held-out top-1 read 1.1 points below what users were shown)."""
    line = json.loads((DATA / "corpus" / "small_validation_first_seed2116.json").read_text(encoding="utf-8"))
    scores = {f["cause"]: f["score"] for f in line["findings"]}
    assert scores["overfitting"] > scores["small_validation_set"] >= 0.5  # the scores alone put overfitting first
    assert line["top"] == "small_validation_set"
    for policy in (None, load_policy()):
        result = evaluate([line], policy)
        assert result.confusion == {"small_validation_set": {"small_validation_set": 1}}
        assert result.top1 == 1.0


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
    old = {"causes": {"overfitting": {"intercept": -1.0, "slope": 1.0, "n_findings": 50, "n_positive": 10}}}
    (tmp_path / "old.json").write_text(json.dumps(old))  # the per-cause format of an earlier trial
    moved = {"map": {"strength": [0, 0.5, 1], "score": [0.1, 0.4, 0.9], "n_findings": 9, "n_right": 3}}
    (tmp_path / "moved.json").write_text(json.dumps(moved))  # would change which findings are reported
    for name in ("missing.json", "bad.json", "old.json", "moved.json"):
        argv = ["--policy", str(tmp_path / name)]
        assert main(["evaluate", str(path), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("gapdoctor: bad input: --policy:") and "\n" not in err
    assert main(["fit", str(path), "--hold-out", "planet=mars", "--out", str(tmp_path / "x.json")]) == 2
    assert "unknown family axis" in capsys.readouterr().err


@pytest.mark.parametrize(
    "strengths",
    [[0.0, 0.5, 1.0] * 20, [0.5] * 30, [0.0] * 25 + [1.0] * 25, [0.49, 0.5, 0.51] * 12],
)
@pytest.mark.parametrize("rule", ["all right", "all wrong", "alternating"])
def test_the_fit_is_a_valid_map_on_findings_that_sit_on_the_edges(strengths: list[float], rule: str) -> None:
    right = [rule == "all right" or (rule == "alternating" and i % 2 == 0) for i in range(len(strengths))]
    fitted = fit_score_map(strengths, right)  # ScoreMap checks its own rules: increasing, 0.5 kept
    grid = np.linspace(0, 1, 101)
    scores = np.array([fitted(s) for s in grid])
    assert np.all(np.diff(scores) > 0) and np.array_equal(scores >= 0.5, grid >= 0.5)
