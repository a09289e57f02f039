"""A metric at its ceiling that gains one validation row over the second half is flat: saturation.

Two corpus runs recorded once by tests/data/record_saturation_one_row.py: 107 -> 108 of 108 rows
(digits 2-vs-3, an sklearn MLP) and 544 -> 545 of 548 (make_classification, a logistic regression),
the losses still falling. Read on the metric's scale the one-row gain made the metric "still moving"
and cut the evidence to 0.3 of itself: the check already holds that fewer than 5 rows gained is
churn, not a metric following the loss (McNemar's exact test: at best p = 2^-d for d rows), and now
holds it for the flat curve too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor.inputs.history import smooth

FIXTURE = Path(__file__).parents[2] / "data" / "saturation_one_row.json"
RUNS: dict[str, dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["runs"]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_one_row_gain_at_the_ceiling_is_saturation(name: str) -> None:
    run = RUNS[name]
    values = smooth(np.asarray(run["history"][f"val_{run['metric']}"]))
    gained_rows = (values[-1] - values[len(values) // 2]) * run["val_size"]
    assert 0.5 < gained_rows < 1.5 and values[-1] > 0.99  # one row, at the ceiling
    top = gapdoctor.diagnose(history=run["history"], metric=run["metric"], val_size=run["val_size"]).top
    # before: metric_saturation 0.24 and 0.36, nothing reported
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
