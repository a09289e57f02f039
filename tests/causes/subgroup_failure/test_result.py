"""subgroup_failure's typed payload: real findings about a class, a group and a slice of atypical rows
(the noisy scanner's run without its groups) rebuild from their parts and from JSON, and the report
draws the per-group bars and the confusion matrix from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.subgroup_failure.result import LaggingSubgroups
from gapdoctor.report.figure_registry import figures_of
from tests.causes.payload_checks import assert_payload_round_trips
from tests.recorded import recorded_bench_inputs


@pytest.mark.parametrize(
    ("scenario", "kind"),
    [
        ("subgroup_failure/synthetic-rare-classes", "class"),
        ("subgroup_failure/digits-noisy-scanner", "group"),
        ("subgroup_failure/digits-noisy-scanner", "slice"),
    ],
)
def test_a_real_finding_round_trips_and_draws_its_figures(scenario: str, kind: str, tmp_path: Path) -> None:
    inputs = recorded_bench_inputs(scenario, tmp_path)
    if kind == "slice":
        inputs = {k: v for k, v in inputs.items() if k not in ("groups_train", "groups_val")}
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**inputs)
    finding = next(f for f in diagnosis.findings if f.cause == "subgroup_failure")
    result = assert_payload_round_trips(finding, LaggingSubgroups)
    assert result.worst_kind == kind and finding.score >= 0.5
    assert (result.worst_precision is not None) is (kind == "class")  # precision is a class's figure
    assert "worst_precision" in finding.evidence if kind == "class" else "worst_precision" not in finding.evidence
    assert list(result.confusion_pairs) == [f"confusion_pair_{i}" for i in range(1, len(result.confusion_pairs) + 1)]
    assert any(g["group"] == result.worst and g["kind"] == kind for g in result.groups)
    assert (result.slice_features is not None) is (kind == "slice")
    assert (result.error_ratio is not None) is (kind != "class")
    # the recorded run has out-of-sample train_probs and groups_train: the group's training accuracy is shown
    assert (result.worst_train_accuracy is not None) is (kind == "group")
    captions = [caption for caption, _ in figures_of(finding, diagnosis) or []]
    assert captions == [
        "Metric per class / group with 95% intervals",
        "Confusion matrix on validation: true class (rows) against predicted (columns)",
    ]
