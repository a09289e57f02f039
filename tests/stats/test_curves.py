"""Curve statistics: the two-piece fit against brute force, and linear cost."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import gapdoctor
from gapdoctor.stats.curves import hinge_point, noise_sd, noise_sd_curved, relative_fall, smooth


def brute_force_hinge(x: np.ndarray) -> tuple[int, float, float]:
    n = len(x)
    t = np.arange(n, dtype=float)
    best, best_sse = (0, 0.0, 0.0), math.inf
    for k in range(1, n - 1):
        design = np.column_stack([np.ones(n), t, np.maximum(0.0, t - k)])
        coef, *_ = np.linalg.lstsq(design, x, rcond=None)
        sse = float(np.sum((design @ coef - x) ** 2))
        if sse < best_sse:
            best_sse, best = sse, (k, float(coef[1]), float(coef[1] + coef[2]))
    return best


@pytest.mark.parametrize("n", [4, 7, 30, 200])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hinge_matches_a_least_squares_fit_per_knee(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(size=n)) * rng.uniform(0.01, 100) + rng.uniform(-100, 100)
    knee, before, after = hinge_point(x)
    expected = brute_force_hinge(x)
    assert knee == expected[0]
    assert np.allclose([before, after], expected[1:], rtol=1e-6, atol=1e-9)


def test_smoothing_and_noise_on_50k_points_take_milliseconds_not_minutes() -> None:
    x = np.cumsum(np.random.default_rng(0).normal(size=50_000))
    started = time.perf_counter()
    hinge_point(x)
    smooth(x)
    assert time.perf_counter() - started < 5.0  # the per-knee least squares took 40 s here


def test_diagnose_on_a_50k_point_history_is_fast() -> None:
    n = 50_000
    t = np.linspace(0, 1, n)
    rng = np.random.default_rng(0)
    history = {
        "train_loss": 1.5 * np.exp(-4 * t) + rng.normal(0, 0.01, n),
        "val_loss": 0.6 + 0.8 * (t - 0.35) ** 2 + rng.normal(0, 0.01, n),
    }
    started = time.perf_counter()
    top = gapdoctor.diagnose(history=history).top
    assert time.perf_counter() - started < 10.0
    assert top is not None and top.cause == "overfitting"


def test_curvature_is_not_noise() -> None:
    decay = 2.0 * np.exp(-np.arange(10) / 1.5)
    assert noise_sd_curved(decay) < 0.5 * noise_sd(decay)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_relative_fall_is_the_share_of_the_start_lost_whatever_the_scale(scale: float) -> None:
    assert relative_fall(2.0 * scale, 1.5 * scale) == pytest.approx(0.25)
    assert relative_fall(2.0 * scale, 3.0 * scale) == pytest.approx(-0.5)  # it rose
    assert relative_fall(-2.0 * scale, -3.0 * scale) == pytest.approx(0.5)  # a negative loss falling
    assert relative_fall(scale, scale) == 0.0


def test_relative_fall_from_zero_is_finite() -> None:
    assert relative_fall(0.0, -1e-13) == pytest.approx(0.1)
    assert math.isfinite(relative_fall(0.0, 1.0))


def test_the_floor_of_a_negated_score_is_minus_one() -> None:
    from gapdoctor.stats.curves import negated_score_floor

    assert negated_score_floor(np.array([-0.46, np.nan, -0.9, -0.89])) == -1.0  # a negated Dice, a gap in it
    assert negated_score_floor(np.array([0.69, 0.2, 0.05])) == 0.0  # a cross-entropy
    assert negated_score_floor(np.array([-0.42, -1.0, -1.6])) == 0.0  # past -1: a likelihood, no such floor
    assert negated_score_floor(np.array([0.02, -0.3, -0.5])) == 0.0  # once above 0: not a negated score
    assert negated_score_floor(np.array([-0.3, -0.1, 0.0])) == 0.0  # ends at 0: nothing to read
