"""metric_mismatch on a real imbalanced task: F1 at the default threshold leaves a lot on the table."""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.metric_mismatch.check import reliability
from gapdoctor.causes.registry import get_check
from gapdoctor.engine import run_checks
from gapdoctor.inputs.evidence import build_evidence
from tests import metric_scenarios


def test_imbalanced_f1_ranks_metric_mismatch_first() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.imbalanced_f1())
    top = diagnosis.top
    assert top is not None and top.cause == "metric_mismatch" and top.score >= 0.5
    figures = top.evidence
    assert figures["best_rule"] < 0.5  # the rare class needs a lower threshold
    assert figures["cross_validated_gain"] > 0.05
    assert figures["cross_validated_gain_low"] > 0  # the honest, cross-validated gain is real
    # the in-sample optimum is at least as good as the cross-validated figure (it is optimistic)
    assert figures["val_metric_best_in_sample"] >= figures["val_metric_cross_validated"]
    assert figures["val_metric_best_low"] <= figures["val_metric_best_in_sample"] <= figures["val_metric_best_high"]
    assert figures["minority_class_share_train"] < 0.1
    assert "held-out" in top.fixes[0] and "cross-validated" in top.fixes[0]
    assert any("class_weight" in fix for fix in top.fixes)
    assert any("soft-F1" in fix for fix in top.fixes)
    curve = top.data["threshold_curve"]
    assert curve["default_threshold"] == 0.5 and len(curve["thresholds"]) == len(curve["values"])
    assert max(curve["values"]) == pytest.approx(figures["val_metric_best_in_sample"], abs=1e-4)
    assert sum(top.data["reliability"]["count"]) == len(metric_scenarios.imbalanced_f1()["y_val"])


def test_balanced_task_does_not_fire() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.balanced_f1())
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_mismatch")


def test_tiny_validation_set_does_not_claim_a_threshold_gain() -> None:
    scenario = dict(metric_scenarios.imbalanced_f1())
    rows = np.r_[np.flatnonzero(scenario["y_val"] == 1)[:8], np.flatnonzero(scenario["y_val"] == 0)[:72]]
    diagnosis = gapdoctor.diagnose(
        y_train=scenario["y_train"], y_val=scenario["y_val"][rows], val_probs=scenario["val_probs"][rows], metric="f1"
    )
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_mismatch")


def test_multiclass_uses_prior_correction() -> None:
    scenario = metric_scenarios.hard_class()
    evidence = build_evidence(
        y_train=scenario["y_train"], y_val=scenario["y_val"], val_probs=scenario["val_probs"], metric="f1"
    )
    diagnosis = run_checks(evidence, [get_check("metric_mismatch.decision_rule")])
    (run,) = diagnosis.checks
    assert run.status == "ran"
    finding = diagnosis.findings[0]
    assert finding.evidence["decision_rule"].startswith("prior correction")
    assert finding.data["threshold_curve"]["default_threshold"] == 0.0


@pytest.mark.parametrize("metric", ["accuracy", "precision", "recall", "roc_auc"])
def test_metrics_a_threshold_cannot_trade_for_are_skipped_with_a_reason(metric: str) -> None:
    scenario = metric_scenarios.imbalanced_f1()
    evidence = build_evidence(y_val=scenario["y_val"], val_probs=scenario["val_probs"], metric=metric)
    (run,) = run_checks(evidence, [get_check("metric_mismatch.decision_rule")]).checks
    assert run.status == "skipped" and "f1" in run.reason


def test_expected_calibration_error_of_calibrated_and_overconfident_probabilities() -> None:
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=5000)
    y = (rng.uniform(size=5000) < p1).astype(np.int64)
    calibrated = np.column_stack([1 - p1, p1])
    sharpened = np.column_stack([1 - (p1 > 0.5), p1 > 0.5]).astype(np.float64) * 0.98 + 0.01
    assert reliability(y, calibrated)[0] < 0.03
    assert reliability(y, sharpened)[0] > 0.15


def test_the_curves_show_the_loss_moving_without_the_metric() -> None:
    scenario = metric_scenarios.imbalanced_f1()
    rows = len(scenario["y_val"])
    history = {
        "train_loss": np.linspace(0.5, 0.2, 10),
        "val_loss": np.linspace(0.40, 0.30, 10),
        "val_f1": np.full(10, 0.2),
    }
    diagnosis = gapdoctor.diagnose(history=history, **scenario)
    finding = next(f for f in diagnosis.findings if f.cause == "metric_mismatch")
    assert finding.evidence["val_loss_change_second_half"] < -0.03
    assert finding.evidence["val_metric_change_second_half"] == 0.0
    assert finding.evidence["n_val"] == rows
