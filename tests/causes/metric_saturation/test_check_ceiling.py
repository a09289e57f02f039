"""metric_saturation with validation probabilities: the easy task, and the ceiling set by label noise."""

from __future__ import annotations

import numpy as np

import gapdoctor
from gapdoctor.causes.metric_saturation.check import label_noise_ceiling
from gapdoctor.causes.metric_saturation.loss_noise import others_rose
from gapdoctor.inputs.evidence import build_evidence
from tests import metric_scenarios


def test_easy_task_ranks_saturation_first_and_recommends_log_loss() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.easy_task())
    top = diagnosis.top
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
    assert top.evidence["val_metric_final"] > 0.98
    # make_classification flips 1% of labels at random (about 10 of 1500 validation rows end up wrong)
    assert top.evidence["val_suspected_label_errors"] <= 20
    assert "val_log_loss" in top.evidence and "val_expected_calibration_error" in top.evidence
    assert "log loss" in top.fixes[0] and "calibration error" in top.fixes[0]


def test_label_noise_in_validation_sets_the_ceiling() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.easy_task_noisy_validation())
    top = diagnosis.top
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
    # 90 of 1500 validation labels were flipped: most are found, and the ceiling is near 94%
    assert 70 <= top.evidence["val_suspected_label_errors"] <= 110
    assert 0.92 <= top.evidence["accuracy_ceiling_est"] <= 0.96
    assert top.evidence["headroom"] < 0.02
    assert "label errors" in top.fixes[1]


def test_a_class_never_learned_is_not_mistaken_for_label_noise() -> None:
    scenario = metric_scenarios.hard_class()
    diagnosis = gapdoctor.diagnose(**scenario)
    # accuracy still climbs with the validation loss (0.86 -> 0.89): no ceiling is reported
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")
    # about 75 validation 8s are misclassified; few are contradicted with near certainty
    ceiling = label_noise_ceiling(build_evidence(**scenario))
    assert ceiling is None or ceiling.suspected_errors <= 20


def test_suspected_label_errors_explain_a_rising_validation_loss_only_when_the_other_rows_stay_flat() -> None:
    scenario = metric_scenarios.easy_task_noisy_validation()
    evidence = build_evidence(**scenario)
    val_loss = np.asarray(scenario["history"]["val_loss"], dtype=np.float64)
    assert val_loss[-1] > 1.2 * val_loss[len(val_loss) // 2]  # it rises, carried by the flipped rows
    assert not others_rose(val_loss, evidence)
    # the last ten epochs sixty times as high: more than the suspects carry, so the other rows rose too
    steep = val_loss.copy()
    steep[-10:] *= 60.0
    assert others_rose(steep, evidence)
    history = {**scenario["history"], "val_loss": steep.tolist()}
    diagnosis = gapdoctor.diagnose(**{**scenario, "history": history})
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")
