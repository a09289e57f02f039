"""The scoring policy: the fitted map is increasing and keeps the reporting point, refuses knots that
would not, and the engine applies it in one place to every cause, keeping the check's own strength."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.stats import scoring
from gapdoctor.stats.scoring import ScoreMap, calibrated_score, load_policy, scored_with
from tests.data.record_bench import GOLDEN, copy_into, diagnose_recorded

SHIPPED = Path(scoring.__file__).with_name("scoring_fit.json")
"""The shipped fit (the tests otherwise run without it: tests/conftest.py)."""
KNOTS = (0.0, 0.3, 0.5, 0.8, 1.0), (0.1, 0.12, 0.5, 0.9, 0.95)


def test_a_map_is_increasing_keeps_the_reporting_point_and_interpolates_its_knots() -> None:
    fitted = ScoreMap(*KNOTS)
    strengths = np.linspace(0.0, 1.0, 41)
    scores = [fitted(float(s)) for s in strengths]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(a < b for a, b in itertools.pairwise(scores))
    assert fitted(0.5) == 0.5 and fitted(0.4) == pytest.approx(0.31) and fitted(0.9) == pytest.approx(0.925)
    assert fitted(-1.0) == 0.1 and fitted(2.0) == 0.95  # outside [0, 1]: the end knots


@pytest.mark.parametrize(
    ("strengths", "scores", "problem"),
    [
        ((0.0, 0.5, 1.0), (0.1, 0.45, 0.9), "reporting point"),  # would report fewer findings
        ((0.0, 0.4, 1.0), (0.1, 0.5, 0.9), "reporting point"),  # no knot at 0.5
        ((0.0, 0.5, 0.5, 1.0), (0.1, 0.5, 0.6, 0.9), "strictly increasing"),
        ((0.0, 0.5, 1.0), (0.2, 0.5, 0.5), "strictly increasing"),  # a flat stretch would tie two strengths
        ((0.0, 0.5, 1.0), (-0.1, 0.5, 0.9), "in [0, 1]"),
        ((0.1, 0.5, 1.0), (0.1, 0.5, 0.9), "from 0 to 1"),
        ((0.0, 0.5, 1.0), (0.1, 0.5), "as many scores"),
        ((0.0, 0.5, 1.0), (0.1, 0.5, float("nan")), "non-finite"),
    ],
)
def test_a_map_refuses_knots_that_would_reorder_or_change_what_is_reported(
    strengths: tuple[float, ...], scores: tuple[float, ...], problem: str
) -> None:
    with pytest.raises(GapdoctorInputError, match="policy map") as error:
        ScoreMap(strengths, scores)
    assert problem in str(error.value)


def _history() -> dict[str, list[float]]:
    return {
        "train_loss": [1.0, 0.7, 0.5, 0.35, 0.25, 0.17, 0.11, 0.07, 0.04, 0.02],
        "val_loss": [1.0, 0.8, 0.7, 0.68, 0.70, 0.75, 0.82, 0.90, 0.99, 1.1],
    }


def test_the_engine_scores_every_cause_through_the_one_map_and_keeps_the_strength(tmp_path: Path) -> None:
    before = gapdoctor.diagnose(history=_history()).findings  # no policy: tests/conftest.py
    assert before and before[0].cause == "overfitting" and all("evidence_strength" not in f.evidence for f in before)
    fit = tmp_path / "fit.json"
    knots = {"strength": list(KNOTS[0]), "score": list(KNOTS[1]), "n_findings": 50, "n_right": 10}
    fit.write_text(json.dumps({"map": knots}))
    with scored_with(fit):
        after = gapdoctor.diagnose(history=_history()).findings
        assert calibrated_score(0.4) == pytest.approx(0.31)
    assert calibrated_score(0.4) == 0.4  # the variable restored: no policy again
    assert [f.cause for f in after] == [f.cause for f in before]  # the same order
    assert [f.weak for f in after] == [f.weak for f in before]  # the same reported set
    for old, new in zip(before, after, strict=True):
        assert new.evidence["evidence_strength"] == pytest.approx(old.score, abs=1e-6)
        assert new.score == pytest.approx(float(np.interp(old.score, *KNOTS)), abs=1e-9)


def test_which_fit_file_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fit = tmp_path / "fit.json"
    fit.write_text(
        json.dumps({"map": {"strength": [0, 0.5, 1], "score": [0.2, 0.5, 0.8], "n_findings": 1, "n_right": 1}})
    )
    monkeypatch.delenv(scoring.FIT_ENV_VAR)
    monkeypatch.setattr(scoring, "FIT_FILE", fit)  # no variable: the shipped file
    assert scoring.policy_file() == fit and calibrated_score(0.25) == pytest.approx(0.35)
    fit.write_text(
        json.dumps({"map": {"strength": [0, 0.5, 1], "score": [0.1, 0.5, 0.9], "n_findings": 1, "n_right": 1}})
    )
    assert calibrated_score(0.25) == pytest.approx(0.3)  # a re-fit rewriting the file is read again
    monkeypatch.setattr(scoring, "FIT_FILE", tmp_path / "absent.json")
    assert scoring.policy_file() is None and load_policy() is None and calibrated_score(0.73) == 0.73
    for off in ("none", "NONE", ""):
        monkeypatch.setenv(scoring.FIT_ENV_VAR, off)
        assert scoring.policy_file() is None
    monkeypatch.setenv(scoring.FIT_ENV_VAR, str(tmp_path / "missing.json"))
    with pytest.raises(GapdoctorInputError, match=scoring.FIT_ENV_VAR):
        calibrated_score(0.5)


def _shipped() -> ScoreMap:
    if not SHIPPED.exists():
        pytest.skip("no fitted policy shipped: every score is its check's strength")
    shipped = load_policy(SHIPPED)
    assert shipped is not None
    return shipped


def test_the_shipped_fit_is_a_valid_map_fitted_on_the_corpus_calibration_families() -> None:
    shipped = _shipped()
    content = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert shipped(0.5) == 0.5 and shipped.n_findings >= 500  # the whole corpus's calibration side
    assert content["fitted_on"]["calibration_scenarios"] >= 200 and content["fitted_on"]["held_out"]["dataset"]


def test_the_shipped_policy_keeps_every_bench_order_and_reported_set(tmp_path: Path) -> None:
    """The recorded bench diagnosed with the shipped policy: golden.json's order and reported set
    (recorded with none), every score the map of its check's strength."""
    shipped = _shipped()
    copy_into(tmp_path, select_scenarios())
    calibrated = diagnose_recorded(tmp_path, SHIPPED)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    moved = 0
    for name, want in golden.items():
        got = calibrated[name]["findings"]
        assert [(f["cause"], f["weak"]) for f in got] == [(f["cause"], f["weak"]) for f in want["findings"]], name
        for new, old in zip(got, want["findings"], strict=True):
            strength = new["evidence"].get("evidence_strength", new["score"])
            assert strength == pytest.approx(old["score"], abs=6e-5)
            assert new["score"] == pytest.approx(shipped(strength), abs=6e-5)
            moved += new["score"] != old["score"]
    assert moved > 0  # the policy did score the bench
