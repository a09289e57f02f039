"""A learning rate logged per optimiser param group is read as the groups' median."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.param_groups import median_learning_rate
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"


def test_ultralytics_bias_warmup_is_not_read_as_the_runs_learning_rate() -> None:
    """``yolo_capkfa_plus.csv`` (tests/data/real_logs_heldout56): lr/pg0, the biases, falls from 0.067 to 0.001 over
    the warmup while lr/pg1 and lr/pg2 rise to it. Read as pg0 alone: "optimisation stalled right after the learning
    rate was cut from 0.0341 to 0.00113 at epoch 3" (0.96), on a run whose losses fell to the end."""
    log = DATA / "real_logs_heldout56/yolo_capkfa_plus.csv"
    lr = read_history(log).get("lr")
    assert lr is not None and len(lr) == 73
    assert lr[:3] == pytest.approx([0.000332, 0.000665171, 0.000997691])  # the weights' warmup, not the biases'
    diagnosis = gapdoctor.diagnose(history=log)
    assert not [f for f in diagnosis.reported if f.cause == "optimization"], diagnosis.render()


def test_the_median_is_taken_where_every_group_logged_and_one_group_is_left_as_logged() -> None:
    nan = float("nan")
    points = [("lr-AdamW/pg1", 10.0, nan, 1e-5), ("lr-AdamW/pg2", 10.0, nan, 1e-3), ("lr-AdamW/pg3", 10.0, nan, 1e-3)]
    points += [("train_loss", 10.0, nan, 2.0), ("lr-AdamW/pg1", 20.0, nan, 5e-6)]  # step 20: one group only
    out = median_learning_rate(points)
    name = "lr (median of lr-AdamW/pg1, lr-AdamW/pg2, lr-AdamW/pg3)"
    assert [(p[0], p[1], p[3]) for p in out] == [(name, 10.0, 1e-3), ("train_loss", 10.0, 2.0)]
    single = [("lr-Adam", 1.0, 1.0, 1e-3), ("lr/pg0", 1.0, 1.0, 0.1)]  # one param-group name: unchanged
    assert median_learning_rate(single) == single
    history = RunHistory.from_points(
        [
            (f"lr/pg{g}", float(s), nan, v * (0.5 if g == 0 else 1.0))
            for s in range(1, 6)
            for g, v in [(0, 1.0), (1, 2e-3), (2, 2e-3)]
        ]
        + [("loss", float(s), nan, 1.0 / s) for s in range(1, 6)]
    )
    assert np.allclose(history.get("lr"), 2e-3)  # type: ignore[arg-type]
