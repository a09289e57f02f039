"""The streamed confident-learning pass against a plain whole-array reference, and its memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import _TopMargins, find_label_issues


def _noisy(n: int, k: int, seed: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = rng.random((n, k))
    p[np.arange(n), y] += 3.0 * rng.random(n)
    p /= p.sum(axis=1, keepdims=True)
    flip = rng.random(n) < 0.2
    y[flip] = rng.integers(0, k, int(flip.sum()))
    return y, p


def _round_rows(joint: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each row rounded to whole rows keeping its rounded total: the rows missing go to the
    largest rounding remainders, the rows in excess leave the smallest."""
    out = np.rint(joint)
    for r, row in enumerate(joint):
        missing = int(np.rint(row.sum()) - out[r].sum())
        remainder_order = np.argsort(row - out[r], kind="stable")
        if missing > 0:
            out[r, remainder_order[-missing:]] += 1
        elif missing < 0:
            out[r, remainder_order[:-missing]] -= 1
    return out.astype(np.int64)


def _reference(y: NDArray[np.int64], probs: NDArray[np.floating]) -> dict[str, NDArray[np.generic]]:
    """Confident learning written plainly on the whole array (the old door: renormalise everything or nothing)."""
    p = np.asarray(probs, dtype=np.float64)
    if p.min() < 0 or p.max() > 1 or np.abs(p.sum(axis=1) - 1).max() > 1e-12:
        p = np.clip(p, 0, 1)
        p = p / p.sum(axis=1, keepdims=True)
    k = p.shape[1]
    counts = np.bincount(y, minlength=k)
    thresholds = np.array([p[y == c, c].mean() if counts[c] else 2.0 for c in range(k)])
    thresholds = np.maximum(thresholds, 2e-6)
    reached = p >= thresholds - 1e-6
    n_reached = reached.sum(axis=1)
    confident = np.where(n_reached > 1, p.argmax(axis=1), reached.argmax(axis=1))
    has = n_reached > 0
    joint_counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(joint_counts, (y[has], confident[has]), 1)
    unconfident = np.bincount(y[~has], minlength=k)
    calibrated = joint_counts.astype(float)
    calibrated[np.diag_indices(k)] = np.maximum(np.diag(calibrated), 1)
    calibrated = calibrated / calibrated.sum(axis=1, keepdims=True) * counts[:, None]
    quota = _round_rows(calibrated)
    flagged = np.zeros(len(y), dtype=bool)
    for given in range(k):
        members = np.flatnonzero(y == given)
        for other in range(k):
            if other != given and quota[given, other] > 0:
                margin = p[members, other] - p[members, given]
                flagged[members[np.argsort(-margin, kind="stable")[: quota[given, other]]]] = True
    rows = np.flatnonzero(flagged)
    margin = p[rows].max(axis=1) - p[rows, y[rows]]
    rows, margin = rows[margin > 1e-6], margin[margin > 1e-6]
    rows = rows[np.lexsort((rows, -margin))]
    return {"rows": rows, "suggested": p[rows].argmax(axis=1), "joint": joint_counts, "unconfident": unconfident}


def _assert_same(ours: object, reference: dict[str, NDArray[np.generic]]) -> None:
    assert np.array_equal(ours.rows, reference["rows"])  # type: ignore[attr-defined]
    assert np.array_equal(ours.suggested, reference["suggested"])  # type: ignore[attr-defined]
    assert np.array_equal(ours.confident_joint, reference["joint"])  # type: ignore[attr-defined]
    assert np.array_equal(ours.unconfident, reference["unconfident"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("k", "chunk_rows"), [(2, 97), (3, 1000), (10, 4096)])
def test_streamed_pass_flags_the_rows_of_a_whole_array_reference(seed: int, k: int, chunk_rows: int) -> None:
    y, p = _noisy(20_000, k, seed)
    issues = find_label_issues(y, p, chunk_rows=chunk_rows)
    assert len(issues.rows) > 1000  # the top lists are selected over many times
    _assert_same(issues, _reference(y, p))
    assert np.array_equal(issues.suggested_probability, p[issues.rows, issues.suggested])


@pytest.mark.parametrize("seed", [0, 1])
def test_float32_and_off_sum_rows_are_read_renormalised_chunk_by_chunk(seed: int) -> None:
    y, p = _noisy(20_000, 4, seed)
    p32 = p.astype(np.float32)
    _assert_same(find_label_issues(y, p32, chunk_rows=997), _reference(y, p32))
    off = p * (1 + 1e-6)  # float64 rows off 1 by rounding elsewhere: renormalised, as at the door before
    off[123] = p[123]
    _assert_same(find_label_issues(y, off, chunk_rows=997), _reference(y, off))


def test_a_sample_is_read_in_place_with_rows_in_the_split_numbering() -> None:
    y, p = _noisy(30_000, 5, 3)
    rows = np.sort(np.random.default_rng(9).choice(len(y), 12_000, replace=False))
    issues = find_label_issues(y, p, chunk_rows=1000, rows=rows)
    reference = _reference(y[rows], p[rows])
    reference["rows"] = rows[reference["rows"]]
    _assert_same(issues, reference)


def test_the_pass_holds_no_copy_of_the_probabilities() -> None:
    y, p = _noisy(500_000, 10, 0)
    p32 = p.astype(np.float32)  # read renormalised: a whole float64 copy would be 2x its bytes
    del p
    tracemalloc.start()
    try:
        find_label_issues(y, p32, chunk_rows=4096)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a float64 copy would cost 2x; what remains is the result and the per-cell top lists (~0.33x at 20% noise)
    assert peak < 0.5 * p32.nbytes, peak / p32.nbytes


def test_a_cell_keeps_its_top_margins_in_a_buffer_bounded_by_twice_its_quota() -> None:
    rng = np.random.default_rng(5)
    top = _TopMargins(300)
    margins = rng.normal(size=200_000)
    for start in range(0, len(margins), 1_000):
        top.add(margins[start : start + 1_000], np.arange(start, start + 1_000))
        assert top.buffered < 2 * top.size + 1_000  # never a list growing with the rows seen
    assert np.array_equal(np.sort(top.result()), np.sort(np.argsort(-margins)[:300]))
