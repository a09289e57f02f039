"""label_noise: wrong labels against a model's doubt on overlapping classes, and against a floor near chance.

Real runs of the calibration corpus, recorded once (``tests/data/record_label_noise_overlap.py``):
three healthy runs whose out-of-fold models err a lot on overlapping classes (main reported label
noise on each: strengths 0.56, 0.58 and 0.62), and two binary runs with 37-39% flipped labels whose
validation control sits near chance (main: 0.38 and 0.32, below reporting, so overfitting headed).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor

FIXTURE = Path(__file__).parents[2] / "data" / "label_noise_overlap.npz"


@cache
def _recorded() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(FIXTURE) as data:
        arrays = {name: data[name] for name in data.files if name != "meta"}
        meta = json.loads(str(data["meta"]))
    return meta, arrays


def _inputs(seed: int) -> dict[str, Any]:
    meta, arrays = _recorded()
    names = ("y_train", "train_probs", "y_val", "val_probs", "sample_losses", "sample_loss_rows")
    given = {name: arrays[f"seed{seed}_{name}"] for name in names if f"seed{seed}_{name}" in arrays}
    return given | {"metric": meta["runs"][str(seed)]["metric"]}


def _label_noise(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding:
    return next(f for f in diagnosis.findings if f.check == "label_noise.confident_learning")


@pytest.mark.parametrize("seed", [300, 62, 334])
def test_a_models_doubt_on_overlapping_classes_is_not_label_noise(seed: int) -> None:
    assert _recorded()[0]["runs"][str(seed)]["truth"] == "healthy"
    finding = _label_noise(gapdoctor.diagnose(**_inputs(seed)))
    evidence = finding.evidence
    # the estimate clears the validation control (the out-of-fold models err more than the final one) ...
    assert evidence["noise_rate_pct"] > evidence["floor_pct"]
    # ... but labels drawn from the model's own probabilities would be flagged more often
    assert evidence["noise_rate_pct"] < evidence["own_uncertainty_rate_pct"]
    if seed == 300:  # the rows it doubts are fitted late or never in training too: that cannot lift the finding
        assert evidence["late_fitted_share_of_flagged_pct"] > 3 * evidence["late_fitted_share_of_others_pct"]
    assert finding.score < 0.5 and "the model's own probabilities" in finding.summary


@pytest.mark.parametrize("seed", [113, 385])
def test_flipped_labels_near_chance_are_reported_ahead_of_overfitting(seed: int) -> None:
    meta, _ = _recorded()
    run = meta["runs"][str(seed)]
    assert run["truth"] == "label_noise" and run["facts"]["flipped"] / run["facts"]["n_train"] > 0.35
    diagnosis = gapdoctor.diagnose(history=run["history"], **_inputs(seed))
    finding = _label_noise(diagnosis)
    evidence = finding.evidence
    # the validation control sits near chance (the floor with it, unless the fit gap lowers the margin)
    assert evidence["validation_control_rate_pct"] > 35 and evidence["chance_rate_pct"] == pytest.approx(50, abs=0.5)
    # the estimate is many times what the model's own probabilities explain: it contradicts labels confidently
    assert evidence["noise_rate_pct"] > 4 * evidence["own_uncertainty_rate_pct"]
    assert finding.score >= 0.5
    overfitting = next(f for f in diagnosis.findings if f.cause == "overfitting")
    assert overfitting.score >= 0.5  # its symptom is there too ...
    reported = [f.cause for f in diagnosis.reported]
    assert reported.index("label_noise") < reported.index("overfitting")  # ... and waits behind its cause
