"""subgroup_failure on digits with one class made hard (all but 4 of its training rows removed)."""

from __future__ import annotations

import numpy as np

import gapdoctor
from tests import metric_scenarios


def test_hard_class_ranks_subgroup_failure_first() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.hard_class())
    top = diagnosis.top
    assert top is not None and top.cause == "subgroup_failure" and top.score >= 0.5
    assert top.evidence["worst"] == "8" and top.evidence["worst_kind"] == "class"
    assert top.evidence["worst_high"] < top.evidence["others_median"]
    assert top.evidence["confusion_pair_1"].startswith("8 →")
    groups = top.data["groups"]
    assert len(groups) == 10 and all(g["low"] <= g["value"] <= g["high"] for g in groups)
    counts = np.array(top.data["confusion"]["counts"])
    assert counts.sum() == len(metric_scenarios.hard_class()["y_val"])


def test_a_lagging_group_is_found() -> None:
    scenario = metric_scenarios.digits_healthy()
    y_val, probs = scenario["y_val"], scenario["val_probs"].copy()
    rng = np.random.default_rng(0)
    groups = rng.choice(["scanner_a", "scanner_b", "scanner_c"], size=len(y_val))
    broken = np.flatnonzero(groups == "scanner_c")
    probs[broken] = np.roll(probs[broken], 1, axis=1)  # scanner C's rows are all predicted wrong
    diagnosis = gapdoctor.diagnose(y_val=y_val, val_probs=probs, groups_val=groups)
    top = diagnosis.top
    assert top is not None and top.cause == "subgroup_failure"
    assert top.evidence["worst"] == "scanner_c" and top.evidence["worst_kind"] == "group"
    assert {g["kind"] for g in top.data["groups"]} == {"class", "group"}


def test_healthy_digits_do_not_fire() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.digits_healthy())
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "subgroup_failure")
