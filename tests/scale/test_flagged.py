"""Flagged rows from per-partition candidates (gapdoctor.scale.flagged), without a scheduler."""

from __future__ import annotations

from typing import Any

import numpy as np

from gapdoctor.causes.label_noise.confident_learning import (
    calibrated_quota,
    find_label_issues,
)
from gapdoctor.scale import flagged
from gapdoctor.scale.passes import LabelCoding


def _noisy(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), true] += 2.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.where(rng.random(n) < 0.1, rng.integers(0, k, n), true)
    return y, probs


def test_candidates_merged_partition_by_partition_are_the_rows_flagged_on_all_rows() -> None:
    y, probs = _noisy(6_000, 4, seed=0)
    issues = find_label_issues(y, probs)
    _, quota = calibrated_quota(issues.confident_joint, issues.label_counts)
    coding = LabelCoding(np.arange(4), np.arange(4), 4)
    edges = np.linspace(0, 6_000, 13).astype(int)  # 12 partitions: three merges of 4
    seen_bars: list[float] = []

    def call(i: int, bars: np.ndarray) -> tuple[Any, ...]:
        seen_bars.append(float(np.isfinite(bars).sum()))
        rows = slice(edges[i], edges[i + 1])
        roles = {"y": y[rows], "probs": probs[rows]}
        return (roles, coding, False, quota, bars, int(edges[i]), np.zeros(0, dtype=str))

    def compute(calls: list[tuple[Any, ...]]) -> list[Any]:
        return [flagged.pass_c(*args) for args in calls]

    result = flagged.merge_flags(compute, call, 12, quota)
    np.testing.assert_array_equal(result.rows, issues.rows)
    np.testing.assert_array_equal(result.suggested, issues.suggested)
    np.testing.assert_allclose(result.margin, issues.margin)
    assert seen_bars[0] == 0 and seen_bars[-1] > 0  # later partitions send only rows above the filled lists' bars


def test_a_bar_keeps_back_the_candidates_that_cannot_enter() -> None:
    y = np.array([0, 0, 0, 1])
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.1, 0.9]])
    coding = LabelCoding(np.arange(2), np.arange(2), 2)
    quota = np.array([[0, 2], [0, 0]])
    roles = {"y": y, "probs": probs}
    free = flagged.pass_c(roles, coding, False, quota, np.full((2, 2), -np.inf), 100, np.zeros(0, dtype=str))
    assert sorted(free[(0, 1)]["row"].tolist()) == [101, 102]  # numbered in the split
    barred = flagged.pass_c(roles, coding, False, quota, np.array([[0, 0.5], [0, 0]]), 100, np.zeros(0, dtype=str))
    assert barred[(0, 1)]["row"].tolist() == [102]  # margin 0.6 passes the bar 0.5; 0.2 does not
