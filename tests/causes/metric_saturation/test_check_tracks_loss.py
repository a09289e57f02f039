"""A metric creeping inside its noise does not "follow the loss": recorded saturated corpus runs.

Two corpus runs (make_classification with ``class_sep`` near 3, ROC AUC; a logistic regression
and a torch MLP), recorded once by tests/data/record_saturation_curves.py: the validation AUC
creeps from 0.9998 to 0.9999 over the second half while the validation loss falls by a third
or more. That creep "closed" most of the errors left at mid-run, which the check once read as
the metric following the loss, and it reported nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gapdoctor

FIXTURE = Path(__file__).parents[2] / "data" / "saturation_curves.json"
RUNS = json.loads(FIXTURE.read_text(encoding="utf-8"))["runs"]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_metric_at_its_ceiling_creeping_inside_its_noise_is_saturated(name: str) -> None:
    run = RUNS[name]
    values = run["history"][f"val_{run['metric']}"]
    assert min(values[len(values) // 2 :]) > 0.999  # at the ceiling over the whole second half
    diagnosis = gapdoctor.diagnose(history=run["history"], metric=run["metric"])
    top = diagnosis.top
    # before: no saturation finding at all
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
    assert top.evidence["second_half_gain"] < 1e-3
