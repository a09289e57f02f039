"""Logged points on a real axis: evaluation points, training loss between them, runs, test rows."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.history_axis import align_points


def hf_like_points(n_evals: int = 150, eval_every: int = 20, log_every: int = 5, steps_per_epoch: int = 1000):
    """HF Trainer evaluating every N steps: training loss every few steps, one epoch = many evaluations."""
    points = []
    for step in range(log_every, n_evals * eval_every + 1, log_every):
        points.append(("loss", float(step), step / steps_per_epoch, 2.0 * math.exp(-step / 800) + 0.1))
        if step % eval_every == 0:
            points.append(("eval_loss", float(step), step / steps_per_epoch, 0.8 + ((step - 1500) / 1500) ** 2 * 0.3))
    return points


def test_evaluations_every_n_steps_are_not_folded_into_epochs() -> None:
    history = RunHistory.from_points(hf_like_points())
    assert history.n_points == 150 and history.unit == "step"
    assert history.steps is not None and history.steps[:3].tolist() == [20.0, 40.0, 60.0]
    assert history.position(74) == "step 1500 (epoch 1.5)"
    counts = history.train_loss_counts
    assert counts is not None and set(counts.tolist()) == {4.0}  # four logged losses per evaluation interval


def test_training_loss_is_the_mean_since_the_previous_evaluation() -> None:
    pts = [("train_loss", float(s), math.nan, float(s)) for s in range(1, 9)]
    pts += [("val_loss", 4.0, math.nan, 1.0), ("val_loss", 8.0, math.nan, 0.9)]
    aligned = align_points(pts)
    assert aligned.series["train_loss"].tolist() == [2.5, 6.5]
    assert aligned.train_loss_se is not None and np.allclose(aligned.train_loss_se, math.sqrt(5 / 3 / 4))


def test_rows_with_a_step_and_no_epoch_take_their_epoch_from_the_others() -> None:
    pts = [("lr", 0.0, math.nan, 0.1), ("train_loss", 5.0, 1.0, 1.0), ("val_loss", 5.0, 1.0, 1.0)]
    pts += [("lr", 6.0, math.nan, 0.05), ("train_loss", 10.0, 2.0, 0.8), ("val_loss", 10.0, 2.0, 0.9)]
    history = RunHistory.from_points(pts)
    assert history.unit == "epoch" and history.get("lr").tolist() == [0.1, 0.05]  # type: ignore[union-attr]


def test_test_rows_are_kept_apart_and_are_not_a_divergence() -> None:
    pts = [("train_loss", float(e), float(e), 1.0 / e) for e in range(1, 6)]
    pts += [("val_loss", float(e), float(e), 1.2 / e) for e in range(1, 6)]
    pts += [("test_loss", 5.0, 6.0, 0.3), ("test_acc", 5.0, 6.0, 0.9)]
    history = RunHistory.from_points(pts)
    assert history.n_points == 5 and history.diverged_at is None
    assert history.test == {"test_loss": 0.3, "test_accuracy": 0.9}
    assert any("test values kept apart" in note for note in history.notes)


def test_a_counter_starting_again_splits_runs_and_keeps_the_last() -> None:
    first = [(name, math.nan, float(e), 1.0) for e in range(1, 6) for name in ("loss", "val_loss")]
    second = [(name, math.nan, float(e), 0.5 / e) for e in range(1, 4) for name in ("loss", "val_loss")]
    history = RunHistory.from_points(first + second)
    assert history.n_points == 3 and history.get("val_loss").tolist() == [0.5, 0.25, 0.5 / 3]  # type: ignore[union-attr]
    assert any("2 runs" in note and "last one" in note for note in history.notes)


def test_a_resume_from_an_earlier_step_replaces_what_was_logged_again() -> None:
    pts = [("val_loss", float(s), math.nan, 1.0) for s in (10, 20, 30, 40)]
    pts += [("val_loss", float(s), math.nan, 0.5) for s in (30, 40, 50)]  # resumed from the step-20 checkpoint
    history = RunHistory.from_points(pts)
    assert history.get("val_loss").tolist() == [1.0, 1.0, 0.5, 0.5, 0.5]  # type: ignore[union-attr]
    assert any("resumed" in note for note in history.notes)


def test_a_logged_nan_training_loss_to_the_end_is_divergence() -> None:
    pts = [("loss", float(s), math.nan, 1.0 / s) for s in range(1, 5)]
    pts += [("loss", float(s), math.nan, math.nan) for s in range(5, 9)]
    pts += [("val_loss", float(s), math.nan, 1.0) for s in (2, 4, 6, 8)]
    history = RunHistory.from_points(pts)
    assert history.diverged_at == 2
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "optimization" and "step 6" in top.summary


def test_accuracy_in_percent_is_read_as_a_fraction_and_said() -> None:
    history = RunHistory.from_any({"train_loss": [1.0, 0.8, 0.7], "val_acc": [80.0, 88.0, 90.0]})
    assert history.get("val_accuracy").tolist() == [0.8, 0.88, 0.9]  # type: ignore[union-attr]
    assert any("percentages" in note for note in history.notes)


def test_a_plain_mapping_keeps_one_point_per_epoch() -> None:
    history = RunHistory.from_any({"train_loss": [1.0, 0.8, 0.7], "val_loss": [1.0, 0.9, 0.95]})
    assert history.unit == "epoch" and history.steps is None and history.position(2) == "epoch 3"


@pytest.mark.parametrize("column", ["step", "epoch"])
def test_dataframe_with_a_position_column_and_sparse_rows(column: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            column: [0, 0, 1, 1, 2, 2],
            "train_loss": [1.0, None, 0.8, None, 0.7, None],
            "val_loss": [None, 1.1, None, 1.0, None, 0.95],
        }
    )
    history = RunHistory.from_any(frame)
    assert history.n_points == 3 and history.get("train_loss").tolist() == [1.0, 0.8, 0.7]  # type: ignore[union-attr]


def test_validation_at_the_epoch_index_and_training_at_the_global_step() -> None:
    """``add_scalar("val/loss", v, epoch)`` beside ``add_scalar("train/loss", l, global_step)``."""
    pts = [("train_loss", float(step), math.nan, 1.0 / (1 + step // 50)) for step in range(500)]
    pts += [("val_loss", float(epoch), math.nan, 1.0 + 0.1 * epoch) for epoch in range(10)]
    history = RunHistory.from_points(pts)
    assert history.n_points == 10
    assert np.allclose(history.get("train_loss"), [1.0 / (1 + e) for e in range(10)])  # type: ignore[arg-type]
    assert any("two scales" in note for note in history.notes)


def test_a_value_beyond_any_loss_reads_as_the_divergence_it_is(tmp_path: Path) -> None:
    """A loss logged at 1e308 (float64 overflow) squared to inf with a RuntimeWarning, and a run logging nothing else
    read "no finding at all": healthy. Beyond MAX_MAGNITUDE a value is an overflow: read as inf, the divergence."""
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,train_loss,val_loss\n" + "".join(f"{e},1e308,1e308\n" for e in range(1, 6)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        diagnosis = gapdoctor.diagnose(history=path)
    assert diagnosis.top is not None and diagnosis.top.cause == "optimization" and not diagnosis.top.weak
