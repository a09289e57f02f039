"""Probabilities at the door: validated and renormalised chunk by chunk, the user's train_probs kept as given."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.inputs.probabilities import VALIDATION_CHUNK_ROWS, needs_renormalising, normalised, probability_rows


def _softmax_rows(n: int, k: int, seed: int) -> np.ndarray:
    logits = np.random.default_rng(seed).normal(size=(n, k))
    p = np.exp(logits)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def _whole(p: np.ndarray) -> np.ndarray:
    """The door before: the whole array cast, clipped and divided at once."""
    out = np.clip(np.asarray(p, dtype=np.float64), 0, 1)
    return np.asarray(out / out.sum(axis=1, keepdims=True))


def test_float32_train_probs_are_kept_and_val_probs_equal_a_whole_renormalisation() -> None:
    p32 = _softmax_rows(3 * VALIDATION_CHUNK_ROWS + 17, 3, 0).astype(np.float32)
    y = p32.argmax(axis=1)
    ev = build_evidence(y_train=y, train_probs=p32, y_val=y, val_probs=p32)
    assert ev.train_probs is p32 and ev.y_train is y  # labels that are already the ids: no copy either
    assert ev.val_probs is not None and ev.val_probs.dtype == np.float64
    assert np.array_equal(ev.val_probs, _whole(p32))  # bit for bit, chunk by chunk


def test_rows_read_renormalised_chunk_by_chunk_equal_the_whole_array_renormalised() -> None:
    p = _softmax_rows(10_000, 5, 1) * (1 + 1e-6)  # float64 rows off 1 by rounding elsewhere
    p[7, 0] = -1e-10  # within rounding of 0: clipped
    assert needs_renormalising(p) and not needs_renormalising(_whole(p))
    chunks = [probability_rows(p, slice(s, s + 999), renormalise=True) for s in range(0, len(p), 999)]
    assert np.array_equal(np.concatenate(chunks), _whole(p))
    rows = np.array([3, 7, 9_999])
    assert np.array_equal(probability_rows(p, rows, renormalise=True), _whole(p)[rows])
    assert np.array_equal(normalised(p), _whole(p)) and normalised(_whole(p)) is not p


def test_float64_rows_summing_to_one_are_used_as_given() -> None:
    p = _softmax_rows(1_000, 4, 2)
    assert not needs_renormalising(p)
    assert normalised(p) is p
    assert build_evidence(y_val=p.argmax(axis=1), val_probs=p).val_probs is p


def test_the_door_holds_no_copy_of_float32_train_probs() -> None:
    p32 = _softmax_rows(400_000, 10, 3).astype(np.float32)
    y = p32.argmax(axis=1)
    tracemalloc.start()
    try:
        build_evidence(y_train=y, train_probs=p32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    chunk_bytes = VALIDATION_CHUNK_ROWS * p32.shape[1] * 8
    assert peak < 3 * chunk_bytes < p32.nbytes, peak / chunk_bytes  # a few chunks; a float64 copy would be 2x p32


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda p: p.__setitem__((70_000, 1), np.nan), "NaN or infinite values (first at row 70000)"),
        (lambda p: p.__setitem__((70_001, 1), 3.0), "outside [0, 1]"),
        (lambda p: p.__setitem__(70_002, p[70_002] * 0.9), "row 70002 sums to"),
    ],
)
def test_float32_train_probs_are_refused_with_the_same_messages(change: object, words: str) -> None:
    p32 = _softmax_rows(80_000, 3, 4).astype(np.float32)
    change(p32)  # type: ignore[operator]
    with pytest.raises(GapdoctorInputError, match="train_probs") as caught:
        build_evidence(y_train=np.zeros(len(p32), dtype=np.int64), train_probs=p32)
    assert words in str(caught.value)
