"""inputs.batches: per-batch arrays kept until a buffer fills, and row ids checked once for both users."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.inputs import batches
from gapdoctor.inputs.batches import BatchBuffer, class_argmax, row_indices
from gapdoctor.inputs.training_dynamics import TrainingDynamics
from gapdoctor.integrations.tracked_rows import TrackedRows


def test_a_buffer_keeps_references_until_full_then_hands_them_over_oldest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batches, "FLUSH_VALUES", 10)
    buffer = BatchBuffer()
    first, second = np.arange(3), np.arange(3, 6)
    assert buffer.keep((first,), n_values=6) is False
    assert buffer.keep((second,), n_values=4) is True  # 10 values: full
    taken = buffer.take()
    assert [parts[0] is kept for parts, kept in zip(taken, (first, second), strict=True)] == [True, True]
    assert buffer.batches == [] and buffer.values == 0 and buffer.take() == []


def test_row_ids_as_whole_floats_are_indices() -> None:
    out = row_indices(np.array([3.0, 0.0, 2.0]), 4)
    assert out.dtype == np.int64 and out.tolist() == [3, 0, 2]
    assert row_indices(np.zeros(0, dtype=np.float32), 4).tolist() == []


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (np.array([0.5, 1.0]), "not row indices"),
        (np.array([0.0, np.nan]), "not row indices"),
        (np.array([0, 4]), "outside 0..3"),
        (np.array([-1, 2]), "outside 0..3"),
        (np.array([0.0, np.inf]), "not row indices"),
    ],
)
def test_bad_row_ids_name_rows(rows: np.ndarray, said: str) -> None:
    with pytest.raises(GapdoctorInputError, match=said) as raised:
        row_indices(rows, 4)
    assert str(raised.value).startswith("rows")


def _concat(parts: list[np.ndarray], flat: bool = True) -> np.ndarray:
    return np.concatenate([np.asarray(p).reshape(-1) if flat else np.asarray(p) for p in parts])


def test_both_users_judge_row_ids_alike() -> None:
    """The training dynamics and the tracked rows accept and refuse the same row ids."""
    for rows, good in ((np.array([0.0, 1.0]), True), (np.array([0.5, 1.0]), False), (np.array([0, 7]), False)):
        dynamics = TrainingDynamics(n_train=2, concat=_concat)
        dynamics.add(rows, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
        tracked = TrackedRows(n_train=2, count=2, seed=0, concat=_concat)
        tracked.add(rows, np.array([0.1, 0.2]), None)
        for user in (dynamics, tracked):
            if good:
                user.flush()
            else:
                with pytest.raises(GapdoctorInputError, match="rows"):
                    user.flush()


@pytest.mark.parametrize("n_classes", [2, 10, 200])
def test_class_argmax_is_numpys_argmax(n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    scores = rng.normal(size=(500, n_classes)).astype(np.float32)
    scores[::7, 1] = scores[::7, 0]  # ties: the first class wins, as with argmax
    scores[::7, 0] = scores[::7].max(axis=1)
    scores[::7, 1] = scores[::7, 0]
    np.testing.assert_array_equal(class_argmax(scores), scores.argmax(axis=1))
