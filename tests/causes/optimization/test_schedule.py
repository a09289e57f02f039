"""Learning-rate schedules recognised from the logged lr."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.optimization.schedule import read_schedule
from gapdoctor.inputs.history import RunHistory


def schedule_of(lr: np.ndarray):  # type: ignore[no-untyped-def]
    return read_schedule(RunHistory.from_any({"train_loss": np.linspace(2, 1, len(lr)), "lr": lr}))


def test_warm_up_then_linear_decay_is_annealed() -> None:
    lr = np.r_[np.linspace(1e-7, 3e-6, 10), np.linspace(3e-6, 0.0, 90)]
    schedule = schedule_of(np.maximum(lr, 1e-12))
    assert schedule.kind == "warm-up + decay" and schedule.annealed and schedule.peak == 3e-6


def test_cosine_with_restarts() -> None:
    cycle = 1e-3 * (1 + np.cos(np.linspace(0, np.pi, 20))) / 2 + 1e-6
    schedule = schedule_of(np.tile(cycle, 3))
    assert schedule.kind == "restarts" and schedule.restart_points == (20, 40)


def test_step_cuts_and_constant() -> None:
    steps = schedule_of(np.repeat([1e-1, 1e-2, 1e-3], 10))
    assert steps.kind == "steps" and steps.cut_points == (10, 20) and not steps.annealed
    assert schedule_of(np.full(20, 1e-3)).kind == "constant"


def test_no_lr_series() -> None:
    assert read_schedule(RunHistory.from_any({"train_loss": [1.0, 0.9, 0.8]})) is None


def test_a_cut_from_the_peak_to_next_to_zero_early_in_the_run_is_a_step_not_the_end_of_a_decay() -> None:
    # before: read as a decay to zero ("annealed": a flat end by design), so the stall it caused went unreported
    schedule = schedule_of(np.r_[[1e-2, 1e-2], np.full(38, 1e-6)])
    assert schedule.kind == "steps" and schedule.cut_points == (2,) and not schedule.annealed


def test_a_decay_reaching_zero_only_at_its_last_points_is_still_annealed() -> None:
    linear = np.linspace(1e-2, 0.0, 12)  # coarse logging: 1e-2 / 11 before the final 0
    cosine = 1e-2 * (1 + np.cos(np.linspace(0, np.pi, 60))) / 2
    for lr in (np.maximum(linear, 1e-12), np.maximum(cosine, 1e-12)):
        schedule = schedule_of(lr)
        assert schedule.annealed and not schedule.cut_points
    last_only = schedule_of(np.r_[np.full(9, 1e-2), 1e-9])  # a rate set to ~0 for the very last point
    assert not last_only.cut_points
