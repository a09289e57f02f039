"""small_validation_set on a real run scored on 60 validation rows, and on a healthy 900-row split."""

from __future__ import annotations

import numpy as np

import gapdoctor
from gapdoctor.stats import binomial_interval
from tests import metric_scenarios


def test_tiny_validation_set_ranks_first() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(**scenario)
    top = diagnosis.top
    assert top is not None and top.cause == "small_validation_set" and top.score >= 0.5
    figures = top.evidence
    assert figures["n_val"] == 60
    assert figures["interval_method"].startswith("exact binomial")
    hits = round(figures["val_metric"] * 60)
    low, high = binomial_interval(hits, 60)
    assert (figures["val_metric_low"], figures["val_metric_high"]) == (round(low, 4), round(high, 4))
    assert figures["smallest_detectable_change"] > 0.05
    assert figures["movement_inside_noise"] == "yes"
    assert figures["val_size_for_1pt_change"] > 1000
    assert figures["min_class_support"] <= 6
    band = top.data["metric_band"]
    assert len(band["epochs"]) == len(band["values"]) == len(band["low"]) == 30
    assert all(lo <= v <= hi for lo, v, hi in zip(band["low"], band["values"], band["high"], strict=True))
    assert any("cross-validation" in fix for fix in top.fixes)


def test_history_and_labels_alone_suffice() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(history=scenario["history"], y_val=scenario["y_val"])
    found = [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    assert found and found[0].score >= 0.5 and found[0].evidence["metric_from"] == "history val_accuracy"


def test_bootstrap_interval_for_f1() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(y_val=scenario["y_val"], val_probs=scenario["val_probs"], metric="f1")
    finding = next(f for f in diagnosis.findings if f.cause == "small_validation_set")
    assert finding.evidence["interval_method"] == "bootstrap over validation rows"
    assert finding.evidence["val_metric_low"] < finding.evidence["val_metric"] < finding.evidence["val_metric_high"]


def test_a_900_row_validation_set_does_not_fire() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.digits_healthy())
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "small_validation_set")


def test_skipped_without_a_metric_to_measure() -> None:
    diagnosis = gapdoctor.diagnose(y_val=np.array([0, 1] * 20))
    run = next(c for c in diagnosis.checks if c.cause == "small_validation_set")
    assert run.status == "skipped" and "val_probs" in run.reason
