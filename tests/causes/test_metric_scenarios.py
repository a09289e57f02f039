"""Every metric-side scenario through the whole diagnose(): the right cause first, no stealing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import gapdoctor
from tests import metric_scenarios
from tests.seeds import each_seed

SCENARIOS: list[tuple[Callable[[int], dict[str, Any]], str]] = [
    (metric_scenarios.imbalanced_f1, "metric_mismatch"),
    (metric_scenarios.tiny_validation, "small_validation_set"),
    (metric_scenarios.hard_class, "subgroup_failure"),
    (metric_scenarios.easy_task, "metric_saturation"),
    (metric_scenarios.easy_task_noisy_validation, "metric_saturation"),
]


@each_seed
@pytest.mark.parametrize(("scenario", "cause"), SCENARIOS, ids=[c for _, c in SCENARIOS])
def test_each_scenario_ranks_its_own_cause_first(
    scenario: Callable[[int], dict[str, Any]], cause: str, seed: int
) -> None:
    diagnosis = gapdoctor.diagnose(**scenario(seed))
    assert diagnosis.top is not None and diagnosis.top.score >= 0.5
    assert diagnosis.top.cause == cause, [(f.cause, round(f.score, 2)) for f in diagnosis.findings]


@each_seed
@pytest.mark.parametrize("scenario", [metric_scenarios.digits_healthy, metric_scenarios.balanced_f1])
def test_healthy_runs_report_no_metric_cause(scenario: Callable[[int], dict[str, Any]], seed: int) -> None:
    diagnosis = gapdoctor.diagnose(**scenario(seed))
    mine = {"metric_mismatch", "small_validation_set", "subgroup_failure", "metric_saturation"}
    assert [f for f in diagnosis.reported if f.cause in mine] == []
