"""Predicted probabilities at the door: validated, and renormalised, one chunk of rows at a time.

Decisions taken here (tested in ``tests/inputs/test_probabilities.py`` and
``tests/inputs/test_labels.py``):

- Probabilities are renormalised after validation, so that float32 or bfloat16 softmax
  rows sum to 1 in float64 (scikit-learn warns otherwise); half-precision rows may sum
  further from 1 (:data:`HALF_PRECISION_STEP`).
- Nothing here copies a whole matrix to check it: validation and renormalising go chunk
  by chunk. ``train_probs`` (read only by the streamed label pass) is kept as given,
  float32 included, and renormalised one chunk at a time as it is read
  (:func:`probability_rows`), bit for bit as renormalising the whole array first;
  ``val_probs`` (read whole by metrics) costs at most one float64 copy.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.arrays import HALF_TORCH_DTYPES, to_numpy
from gapdoctor.stats.array_types import FloatArray, IntArray, ProbabilityArray

__all__ = [
    "EXACT_SUM",
    "given_probabilities",
    "needs_renormalising",
    "normalised",
    "probabilities",
    "probability_rows",
    "validated_probability_tensor",
]


PROB_SUM_TOLERANCE = 1e-3
"""How far a row of probabilities may sum from 1 (float32 softmax rounding is ~1e-7 per class)."""

HALF_PRECISION_STEP = 2.0**-8
"""bfloat16 keeps 8 significant bits: each probability rounds by up to 2**-9, a row of k by up to
k * 2**-9; rows of a half-precision tensor may sum k * 2**-8 from 1."""

PROB_RANGE_TOLERANCE = 1e-9
"""How far outside [0, 1] a probability may fall by rounding before it counts as a logit."""

_HALF_DTYPES = HALF_TORCH_DTYPES | {"float16"}

VALIDATION_CHUNK_ROWS = 65_536
"""Probability rows validated (or renormalised) at a time: temporaries stay a few MB whatever the split's size."""
EXACT_SUM = 1e-12
"""A row sum this close to 1 is float64 rounding: the array is used as given, without renormalising."""
_KEPT_DTYPES = (np.float32, np.float64)
"""Probabilities of these dtypes are kept as given (no copy); others are converted to float64 once."""


def given_probabilities(name: str, probs: Any, n_rows: int, rows_from: str) -> ProbabilityArray:
    """Validated (n_rows, n_classes) probabilities, the user's array itself when it can be.

    A float32 or float64 matrix is returned as given (no copy, its dtype kept), validated
    chunk by chunk; its rows are read through :func:`probability_rows`, which renormalises
    one chunk at a time when :func:`needs_renormalising`. A single column (P(positive
    class)) or another dtype is converted to float64 once.

    Examples
    --------
    >>> p = np.array([[0.25, 0.75], [0.5, 0.5]], dtype=np.float32)
    >>> given_probabilities("train_probs", p, 2, "y_train") is p
    True
    """
    arr, _ = _validated(name, probs, n_rows, rows_from)
    return arr


def probabilities(name: str, probs: Any, n_rows: int, rows_from: str) -> FloatArray:
    """Validated (n_rows, n_classes) float64 probabilities whose rows sum to 1; one column means P(positive class).

    The user's array itself when it is float64 with rows summing to 1 within float64
    rounding; otherwise one float64 copy, renormalised chunk by chunk into place (no
    further full-size temporary).

    Examples
    --------
    >>> probabilities("val_probs", [0.2, 0.9], 2, "y_val").tolist()
    [[0.8, 0.2], [0.09999999999999998, 0.9]]
    """
    arr, owned = _validated(name, probs, n_rows, rows_from)
    return normalised(arr, in_place=owned)


def normalised(probs: ProbabilityArray, *, in_place: bool = False) -> FloatArray:
    """Validated probabilities as float64 rows summing to 1: ``probs`` itself when they already are.

    Otherwise one float64 copy (or ``probs`` itself, overwritten, with ``in_place`` and a
    float64 array), renormalised chunk by chunk: no further full-size temporary.

    Examples
    --------
    >>> p = np.array([[0.5, 0.5]])
    >>> normalised(p) is p, normalised(p.astype(np.float32)).dtype.name
    (True, 'float64')
    """
    renormalise = needs_renormalising(probs)
    if probs.dtype == np.float64 and not renormalise:
        return np.asarray(probs, dtype=np.float64)
    out = probs if in_place and probs.dtype == np.float64 else np.empty(probs.shape, dtype=np.float64)
    arr = probs
    for start in range(0, len(arr), VALIDATION_CHUNK_ROWS):
        rows = slice(start, start + VALIDATION_CHUNK_ROWS)
        out[rows] = probability_rows(arr, rows, renormalise=renormalise)
    return np.asarray(out, dtype=np.float64)


def needs_renormalising(probs: ProbabilityArray) -> bool:
    """True when a value lies outside [0, 1] or a row sums further than float64 rounding from 1.

    Such an array is read renormalised (every row clipped to [0, 1] and divided by its
    sum, in float64), as :func:`probability_rows` does with ``renormalise=True``.

    Examples
    --------
    >>> needs_renormalising(np.array([[0.5, 0.5]])), needs_renormalising(np.array([[0.1, 0.2, 0.7000003]]))
    (False, True)
    """
    return any(
        _off_one(probs[start : start + VALIDATION_CHUNK_ROWS]) for start in range(0, len(probs), VALIDATION_CHUNK_ROWS)
    )


def _off_one(chunk: ProbabilityArray) -> bool:
    """Whether a chunk (float64 or float32, read in float64) needs renormalising."""
    chunk = np.asarray(chunk, dtype=np.float64)
    if not len(chunk):
        return False
    if chunk.min() < 0.0 or chunk.max() > 1.0:
        return True
    row_sums = chunk @ np.ones(chunk.shape[1])  # a product, not sum(axis=1): 3x faster over few columns
    return bool(np.abs(row_sums - 1.0).max() > EXACT_SUM)


def probability_rows(probs: ProbabilityArray, rows: slice | IntArray, *, renormalise: bool) -> FloatArray:
    """Rows of validated probabilities in float64, renormalised (clipped, divided by their sum) if asked.

    One chunk at a time, this gives the same values, bit for bit, as renormalising the
    whole array first: each row is clipped and divided on its own.

    Examples
    --------
    >>> p = np.array([[0.1, 0.2, 0.7000003]], dtype=np.float32)
    >>> float(probability_rows(p, slice(0, 1), renormalise=True).sum())
    1.0
    """
    if not renormalise:
        return np.asarray(probs[rows], dtype=np.float64)  # a view of float64 slices; a copy of one chunk otherwise
    chunk = np.clip(probs[rows], 0.0, 1.0, dtype=np.float64)  # cast, then clipped: one new chunk
    chunk /= chunk.sum(axis=1, keepdims=True)
    return np.asarray(chunk, dtype=np.float64)


def _validated(name: str, probs: Any, n_rows: int, rows_from: str) -> tuple[ProbabilityArray, bool]:
    """The validated matrix and whether it is a conversion made here (not the user's array)."""
    half = str(getattr(probs, "dtype", "")) in _HALF_DTYPES
    arr = to_numpy(name, probs)
    if arr.dtype.kind not in "biuf":
        raise GapdoctorInputError(
            name, f"holds non-numeric values ({arr.dtype})", "pass float probabilities, one column per class"
        )
    owned = False
    if arr.ndim == 1:  # binary: probability of the positive class
        positive = np.asarray(arr, dtype=np.float64)
        arr, owned = np.column_stack([1.0 - positive, positive]), True
    elif arr.dtype not in _KEPT_DTYPES:
        arr, owned = np.asarray(arr, dtype=np.float64), True
    tolerance = _checked_shape(name, tuple(arr.shape), n_rows, rows_from, half=half)
    for start in range(0, len(arr), VALIDATION_CHUNK_ROWS):  # chunk by chunk: no full-size temporaries
        chunk = np.asarray(arr[start : start + VALIDATION_CHUNK_ROWS], dtype=np.float64)
        _check_probability_chunk(name, chunk, start, tolerance)
    return arr, owned


def _checked_shape(name: str, shape: tuple[int, ...], n_rows: int, rows_from: str, *, half: bool) -> float:
    """Raise unless ``shape`` is (n_rows, n_classes); the row-sum tolerance for the dtype."""
    if len(shape) != 2:
        raise GapdoctorInputError(
            name, f"expected shape (n_rows, n_classes), got {shape}", "pass one row of class probabilities per row"
        )
    if shape[0] != n_rows:
        raise GapdoctorInputError(
            name,
            f"has {shape[0]} rows but {rows_from} has {n_rows}",
            f"give one probability row per row of {rows_from}, in the same order",
        )
    return max(PROB_SUM_TOLERANCE, shape[1] * HALF_PRECISION_STEP) if half else PROB_SUM_TOLERANCE


def validated_probability_tensor(name: str, probs: Any, n_rows: int, rows_from: str) -> Any:
    """A torch tensor of probabilities validated on its own device, one chunk at a time (no host copy).

    The same rules and messages as :func:`given_probabilities`: each chunk is checked with
    torch ops where the tensor lives, and only a chunk that fails comes to the host, where
    the numpy check words the error. A single column (P(positive class)) becomes two;
    the tensor is otherwise returned as given (read by
    :func:`gapdoctor.causes.label_noise.confident_learning_torch.find_label_issues_torch`).
    """
    torch = sys.modules["torch"]  # a tensor was passed: torch is imported
    half = str(probs.dtype) in _HALF_DTYPES
    tensor = probs.detach()
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise GapdoctorInputError(
            name, f"holds non-numeric values ({tensor.dtype})", "pass float probabilities, one column per class"
        )
    if tensor.ndim == 1:  # binary: probability of the positive class
        positive = tensor.to(torch.float64)
        tensor = torch.stack([1.0 - positive, positive], dim=1)
    tolerance = _checked_shape(name, tuple(tensor.shape), n_rows, rows_from, half=half)
    for start in range(0, len(tensor), VALIDATION_CHUNK_ROWS):
        chunk = tensor[start : start + VALIDATION_CHUNK_ROWS].to(torch.float64)
        bad = (
            ~torch.isfinite(chunk).all()
            | (chunk < -PROB_RANGE_TOLERANCE).any()
            | (chunk > 1 + PROB_RANGE_TOLERANCE).any()
            | ((chunk.sum(dim=1) - 1.0).abs() > tolerance).any()
        )
        if bool(bad):
            _check_probability_chunk(name, chunk.cpu().numpy(), start, tolerance)
    return tensor


def _check_probability_chunk(name: str, chunk: FloatArray, start: int, tolerance: float) -> None:
    if not np.isfinite(chunk).all():
        row = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
        raise GapdoctorInputError(
            name, f"contains NaN or infinite values (first at row {row})", "check the model's outputs"
        )
    if (chunk < -PROB_RANGE_TOLERANCE).any() or (chunk > 1 + PROB_RANGE_TOLERANCE).any():
        raise GapdoctorInputError(
            name,
            f"holds values outside [0, 1] (min {chunk.min():.3g}, max {chunk.max():.3g}); these look like logits",
            "apply softmax (or sigmoid for one binary column) before passing them",
        )
    sums = chunk.sum(axis=1)
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise GapdoctorInputError(
            name,
            f"rows must sum to 1; row {start + row} sums to {sums[row]:.4g}",
            "pass normalised probabilities (softmax over classes), not scores or per-class sigmoids",
        )
