"""A metric at its ceiling that gains a row or two does not "follow the loss": recorded saturated corpus runs.

Three corpus runs recorded once by tests/data/record_saturation_rows.py (make_classification with
``class_sep`` near 3): over the second half the validation metric gains one or two rows of
hundreds (accuracy 0.998 -> 1.0; ROC AUC 0.9999 -> 1.0) while the validation loss keeps falling.
That gain "closed" the few errors left at mid-run, which the check read as the metric following
the loss: it reported nothing. With the validation rows known, fewer than 5 rows gained is churn
(McNemar's exact test: at best p = 2^-d for d rows). Without them (a log alone, as the real logs
of tests/io/test_real_logs.py) the rule stays on the metric's own scale and nothing changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor

FIXTURE = Path(__file__).parents[2] / "data" / "saturation_rows.json"
RUNS: dict[str, dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["runs"]


def _rows(run: dict[str, Any]) -> dict[str, Any]:
    """What the user knows of the validation rows: their labels (AUC) or their number (accuracy)."""
    if run["y_val"] is not None:
        return {"y_val": np.asarray(run["y_val"], dtype=np.int64)}
    return {"val_size": run["val_size"]}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_metric_at_its_ceiling_gaining_a_row_or_two_is_saturated(name: str) -> None:
    run = RUNS[name]
    values = np.asarray(run["history"][f"val_{run['metric']}"])
    half = len(values) // 2
    assert min(values[half:]) > 0.99 and 0 < values[-1] - values[half] < 5 / run["val_size"]
    diagnosis = gapdoctor.diagnose(history=run["history"], metric=run["metric"], **_rows(run))
    top = diagnosis.top
    # before: no saturation finding at all (the gain "tracked the loss")
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5


@pytest.mark.parametrize("name", sorted(RUNS))
def test_without_the_validation_rows_the_log_alone_is_read_as_before(name: str) -> None:
    run = RUNS[name]
    diagnosis = gapdoctor.diagnose(history=run["history"], metric=run["metric"])
    assert not [f for f in diagnosis.findings if f.cause == "metric_saturation"]
