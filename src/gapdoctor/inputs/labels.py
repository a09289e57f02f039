"""Class labels and predicted probabilities at the door: one label encoder for every split.

Decisions taken here (each one tested in ``tests/test_labels.py``):

- Float class labels beyond 2**53 (where a float no longer holds every integer) keep
  their float value instead of being cast to int64, so that 1e19 and 2e19 stay two
  classes; an infinite label is refused.
- Labels of both splits must be of one family (numbers, text or bytes): ``"a"`` and
  ``b"a"`` are not the same class, and neither are ``1`` and ``"1"``. Classes are
  compared as Python values, so uint64 ids past 2**53 stay exact.
- A probability column without a label is accepted only when a larger class id names
  a later column (ids 0 and 2 imply class 1); a column past every label id (3 columns
  for labels 0/1) is refused: nothing says which class it is, and a binary metric
  would silently become a 3-class macro average.
- Probabilities are renormalised after validation, so that float32 or bfloat16 softmax
  rows sum to 1 in float64 (scikit-learn warns otherwise); half-precision rows may sum
  further from 1 (:data:`HALF_PRECISION_STEP`). Validation and renormalising go chunk by
  chunk: ``train_probs`` (read only by the streamed label pass) is kept as given, float32
  included, and renormalised one chunk at a time as it is read (:func:`probability_rows`);
  ``val_probs`` (read whole by metrics) costs at most one float64 copy.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.arrays import HALF_TORCH_DTYPES, is_missing, to_numpy
from gapdoctor.stats.array_types import FloatArray, IntArray, ProbabilityArray

__all__ = [
    "encode_labels",
    "given_probabilities",
    "label_array",
    "needs_renormalising",
    "normalised",
    "probabilities",
    "probability_rows",
    "sort_labels",
]


PROB_SUM_TOLERANCE = 1e-3
"""How far a row of probabilities may sum from 1 (float32 softmax rounding is ~1e-7 per class)."""

HALF_PRECISION_STEP = 2.0**-8
"""bfloat16 keeps 8 significant bits: each probability rounds by up to 2**-9, a row of k by up to
k * 2**-9; rows of a half-precision tensor may sum k * 2**-8 from 1."""

PROB_RANGE_TOLERANCE = 1e-9
"""How far outside [0, 1] a probability may fall by rounding before it counts as a logit."""

EXACT_FLOAT_INTEGERS = 2.0**53
"""Beyond this a float64 no longer holds every integer: float labels there keep their float value."""

_HALF_DTYPES = HALF_TORCH_DTYPES | {"float16"}


def _label_family(arr: np.ndarray[Any, Any]) -> str:
    """'number', 'text', 'bytes' or a type name: labels of two families are never one class."""
    kind = arr.dtype.kind
    if kind in "biuf":
        return "number"
    if kind == "U":
        return "text"
    if kind == "S":
        return "bytes"
    first = arr[0]
    if isinstance(first, str):
        return "text"
    if isinstance(first, bytes):
        return "bytes"
    if isinstance(first, (int, float, np.number)):
        return "number"
    return type(first).__name__


def label_array(name: str, y: Any) -> np.ndarray[Any, Any]:
    """A 1-D array of hashable class labels (ids, floats that are whole numbers, names).

    Examples
    --------
    >>> label_array("y_val", [1e19, 2e19]).tolist()
    [1e+19, 2e+19]
    >>> label_array("y_val", [1.0, 0.0]).tolist()
    [1, 0]
    """
    arr = to_numpy(name, y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise GapdoctorInputError(
            name,
            f"expected a 1-D array of class labels, got shape {arr.shape}",
            "pass class ids or names; for one-hot labels use y.argmax(axis=1)",
        )
    if len(arr) == 0:
        raise GapdoctorInputError(name, "is empty (0 labels)", "pass a split with at least one row")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            row = int(np.flatnonzero(~np.isfinite(arr))[0])
            what = "NaN" if np.isnan(arr[row]) else "an infinite label"
            raise GapdoctorInputError(name, f"contains {what} at row {row}", "drop or label those rows")
        if not np.all(arr == np.round(arr)):
            raise GapdoctorInputError(
                name,
                "holds non-integer numbers, which look like regression targets",
                "gapdoctor diagnoses classifiers: pass class ids or class names",
            )
        if np.abs(arr).max() < EXACT_FLOAT_INTEGERS:
            arr = arr.astype(np.int64)
    elif arr.dtype.kind == "O":
        _check_object_labels(name, arr)
    elif arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    return arr


def _check_object_labels(name: str, arr: np.ndarray[Any, Any]) -> None:
    values = arr.tolist()
    bad = [i for i, v in enumerate(values) if is_missing(v)]
    if bad:
        raise GapdoctorInputError(name, f"contains missing labels (first at row {bad[0]})", "drop or label those rows")
    kinds = {type(v) for v in values}
    if len(kinds) > 1:
        raise GapdoctorInputError(
            name,
            f"mixes label types ({', '.join(sorted(k.__name__ for k in kinds))})",
            "use one type for every label, e.g. all strings",
        )
    first = values[0]
    if not isinstance(first, Hashable) or isinstance(first, tuple):
        raise GapdoctorInputError(
            name, f"holds {type(first).__name__} values, not class labels", "pass one class id or name per row"
        )
    if isinstance(first, float) and any(math.isinf(v) for v in values):
        raise GapdoctorInputError(name, "contains an infinite label", "drop or label those rows")


def sort_labels(values: set[Any]) -> list[Any]:
    """Labels in sorted order (by repr when their type has no order)."""
    try:
        return sorted(values)
    except TypeError:  # labels of one Python type without an order
        return sorted(values, key=repr)


def encode_labels(
    y_train: np.ndarray[Any, Any] | None,
    y_val: np.ndarray[Any, Any] | None,
    n_prob_columns: int | None,
) -> tuple[tuple[Any, ...], IntArray | None, IntArray | None]:
    """One encoder for both splits: sorted classes, and each split's labels as class ids.

    Examples
    --------
    >>> encode_labels(np.array(["b", "a"]), np.array(["a"]), None)
    (('a', 'b'), array([1, 0]), array([0]))
    """
    present = {n: y for n, y in (("y_train", y_train), ("y_val", y_val)) if y is not None}
    if not present:
        return (), None, None
    families = {n: _label_family(y) for n, y in present.items()}
    if len(set(families.values())) > 1:
        raise GapdoctorInputError(
            "y_val",
            f"labels are {families['y_val']} in y_val but {families['y_train']} in y_train",
            "encode both splits with the same label encoder (decode bytes with .astype(str), or cast ids to int)",
        )
    dense = _encode_small_ids(present, n_prob_columns)
    if dense is not None:
        return dense
    lists = {n: y.tolist() for n, y in present.items()}  # Python values: uint64 ids stay exact
    if "y_train" in lists and "y_val" in lists:
        unknown = sort_labels(set(lists["y_val"]) - set(lists["y_train"]))
        if unknown:
            raise GapdoctorInputError(
                "y_val",
                f"contains labels never seen in y_train: {unknown[:10]}",
                "check that both splits use the same label set and encoder, or drop those rows",
            )
    classes = sort_labels({v for values in lists.values() for v in values})
    ids_with_gap = (
        n_prob_columns is not None
        and n_prob_columns > len(classes)
        and all(isinstance(c, int) and 0 <= c < n_prob_columns for c in classes)
        and classes[-1] == n_prob_columns - 1
    )
    if ids_with_gap:  # the largest id names the last column: an id between the seen ones has no row
        classes = list(range(n_prob_columns or 0))
    lookup = {c: i for i, c in enumerate(classes)}

    def encode(values: list[Any] | None) -> IntArray | None:
        if values is None:
            return None
        return np.fromiter((lookup[v] for v in values), dtype=np.int64, count=len(values))

    return tuple(classes), encode(lists.get("y_train")), encode(lists.get("y_val"))


_DENSE_ID_LIMIT = 1 << 20
"""Integer labels below this are encoded by counting (a table of this many entries at most), without a
Python list of the labels: the same classes and ids, and the user's int64 array itself when the labels
are already the ids 0..k-1."""


def _encode_small_ids(
    present: dict[str, np.ndarray[Any, Any]], n_prob_columns: int | None
) -> tuple[tuple[Any, ...], IntArray | None, IntArray | None] | None:
    """:func:`encode_labels` for non-negative integer labels below :data:`_DENSE_ID_LIMIT`; None for others."""
    if not all(y.dtype.kind in "iu" and y.min() >= 0 and y.max() < _DENSE_ID_LIMIT for y in present.values()):
        return None
    size = max(int(y.max()) for y in present.values()) + 1
    seen = {n: np.bincount(y, minlength=size) > 0 for n, y in present.items()}
    if "y_train" in seen and "y_val" in seen:
        unknown = np.flatnonzero(seen["y_val"] & ~seen["y_train"])
        if len(unknown):
            raise GapdoctorInputError(
                "y_val",
                f"contains labels never seen in y_train: {unknown[:10].tolist()}",
                "check that both splits use the same label set and encoder, or drop those rows",
            )
    classes: list[int] = np.flatnonzero(np.logical_or.reduce(list(seen.values()))).tolist()
    if n_prob_columns is not None and n_prob_columns > len(classes) and classes[-1] == n_prob_columns - 1:
        classes = list(range(n_prob_columns))  # the largest id names the last column (see encode_labels)
    if classes == list(range(len(classes))):  # already the ids: the labels themselves, no copy of int64 ones

        def encode(y: np.ndarray[Any, Any] | None) -> IntArray | None:
            return None if y is None else np.asarray(y, dtype=np.int64)

    else:
        table = np.full(size, -1, dtype=np.int64)
        table[classes] = np.arange(len(classes))

        def encode(y: np.ndarray[Any, Any] | None) -> IntArray | None:
            return None if y is None else np.asarray(table[y], dtype=np.int64)

    return tuple(classes), encode(present.get("y_train")), encode(present.get("y_val"))


VALIDATION_CHUNK_ROWS = 65_536
"""Probability rows validated (or renormalised) at a time: temporaries stay a few MB whatever the split's size."""
_EXACT_SUM = 1e-12
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
    return bool(np.abs(chunk.sum(axis=1) - 1.0).max() > _EXACT_SUM)


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
    chunk = np.asarray(probs[rows], dtype=np.float64)  # a view of float64 slices; a copy of one chunk otherwise
    if not renormalise:
        return chunk
    chunk = np.clip(chunk, 0.0, 1.0)
    chunk /= chunk.sum(axis=1, keepdims=True)
    return chunk


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
    if arr.ndim != 2:
        raise GapdoctorInputError(
            name, f"expected shape (n_rows, n_classes), got {arr.shape}", "pass one row of class probabilities per row"
        )
    if arr.shape[0] != n_rows:
        raise GapdoctorInputError(
            name,
            f"has {arr.shape[0]} rows but {rows_from} has {n_rows}",
            f"give one probability row per row of {rows_from}, in the same order",
        )
    tolerance = max(PROB_SUM_TOLERANCE, arr.shape[1] * HALF_PRECISION_STEP) if half else PROB_SUM_TOLERANCE
    for start in range(0, len(arr), VALIDATION_CHUNK_ROWS):  # chunk by chunk: no full-size temporaries
        chunk = np.asarray(arr[start : start + VALIDATION_CHUNK_ROWS], dtype=np.float64)
        _check_probability_chunk(name, chunk, start, tolerance)
    return arr, owned


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
