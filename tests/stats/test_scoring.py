"""The scoring policy: a fitted per-cause map is monotone, keeps unfitted causes as measured, and the
engine applies it in one place, keeping the check's own strength in the evidence."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.stats import scoring
from gapdoctor.stats.scoring import CauseCalibration, calibrated_score, load_policy


def test_a_calibration_is_monotone_and_maps_into_the_unit_interval() -> None:
    calibration = CauseCalibration("overfitting", intercept=-1.0, slope=0.8, n_findings=100, n_positive=40)
    strengths = np.linspace(0.0, 1.0, 41)
    scores = [calibration(float(s)) for s in strengths]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(a < b for a, b in itertools.pairwise(scores))
    assert calibration(0.5) == pytest.approx(1.0 / (1.0 + np.exp(1.0)))  # logit(0.5) = 0: the intercept


def test_the_engine_scores_through_the_policy_and_keeps_the_strength(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = {
        "train_loss": [1.0, 0.7, 0.5, 0.35, 0.25, 0.17, 0.11, 0.07, 0.04, 0.02],
        "val_loss": [1.0, 0.8, 0.7, 0.68, 0.70, 0.75, 0.82, 0.90, 0.99, 1.1],
    }
    before = gapdoctor.diagnose(history=history).top
    assert before is not None and before.cause == "overfitting" and "evidence_strength" not in before.evidence
    fit = tmp_path / "fit.json"
    fit.write_text(
        json.dumps({"causes": {"overfitting": {"intercept": -2.0, "slope": 1.0, "n_findings": 50, "n_positive": 10}}})
    )
    monkeypatch.setattr(scoring, "FIT_FILE", fit)
    load_policy.cache_clear()
    try:
        after = gapdoctor.diagnose(history=history).findings
        assert calibrated_score("label_noise", 0.61) == 0.61  # no fit for it: kept as measured
    finally:
        load_policy.cache_clear()  # no test policy stays cached for the tests that run after this one
    found = next(f for f in after if f.cause == "overfitting")
    assert found.evidence["evidence_strength"] == pytest.approx(before.score, abs=1e-4)
    expected = 1.0 / (1.0 + np.exp(2.0 - np.log(before.score / (1.0 - before.score))))
    assert found.score == pytest.approx(expected, abs=1e-5)
