"""Suspected validation label errors vs an overconfident model: the confidence rank of the contradicted rows.

A label error is an ordinary row of another class: the model is as sure of it as of the rows
it gets right. An overconfident model's own errors are boundary rows it is less sure of. Real
runs: the recorded bench run of a 256x128 MLP on 60 breast-cancer rows (overfitting, whose 5
contradicted validation rows once made a 0.51 saturation headline), and an easy 3-class task
with 6% of its validation labels flipped, on 3 seeds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gapdoctor
from gapdoctor.causes.metric_saturation.check import label_noise_ceiling
from gapdoctor.causes.metric_saturation.score import LABEL_ERRORS_REJECTED_BELOW
from gapdoctor.inputs.evidence import build_evidence
from tests import metric_scenarios
from tests.recorded import recorded_bench_inputs


def test_an_overfit_models_confident_errors_are_not_read_as_a_label_noise_ceiling(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("overfitting/breast-cancer-60rows", tmp_path)
    ceiling = label_noise_ceiling(
        build_evidence(history=inputs["history"], y_val=inputs["y_val"], val_probs=inputs["val_probs"])
    )
    assert ceiling is not None and ceiling.suspected_errors == 5
    # the 5 rows rank low among the rows the model is right and sure about: overconfident errors
    assert ceiling.confidence_rank is not None and ceiling.confidence_rank < 0.3
    assert ceiling.rank_p_value is not None and ceiling.rank_p_value < LABEL_ERRORS_REJECTED_BELOW
    assert not ceiling.credible
    diagnosis = gapdoctor.diagnose(**inputs)
    # before: metric_saturation 0.51 headlined, resting on the 5 rows as a ceiling of 0.9833
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting"
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flipped_validation_labels_still_set_the_ceiling(seed: int) -> None:
    scenario = metric_scenarios.easy_task_noisy_validation(seed)
    ceiling = label_noise_ceiling(build_evidence(**scenario))
    assert ceiling is not None and 70 <= ceiling.suspected_errors <= 110  # 90 flipped
    assert ceiling.rank_p_value is not None and ceiling.rank_p_value >= LABEL_ERRORS_REJECTED_BELOW
    assert ceiling.credible
    top = gapdoctor.diagnose(**scenario).top
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
    assert top.evidence["accuracy_ceiling_est"] == ceiling.accuracy_ceiling
