"""Class labels at the door: one label encoder for every split.

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
- Integer labels that are already the class ids 0..k-1 are used as given (no copy).
- Validation labels never seen in training are accepted (a split that holds classes the other
  lacks is a finding, ``distribution_shift.label_shift``), unless the predicted probabilities
  have no column for them.

Predicted probabilities are validated in :mod:`gapdoctor.inputs.probabilities`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.arrays import is_missing, to_numpy
from gapdoctor.stats.array_types import IntArray

__all__ = ["encode_labels", "label_array", "sort_labels"]


EXACT_FLOAT_INTEGERS = 2.0**53
"""Beyond this a float64 no longer holds every integer: float labels there keep their float value."""


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
    unknown = sort_labels(set(lists["y_val"]) - set(lists["y_train"])) if len(lists) == 2 else []
    classes = sort_labels({v for values in lists.values() for v in values})
    ids_with_gap = (
        n_prob_columns is not None
        and n_prob_columns > len(classes)
        and all(isinstance(c, int) and 0 <= c < n_prob_columns for c in classes)
        and classes[-1] == n_prob_columns - 1
    )
    if ids_with_gap:  # the largest id names the last column: an id between the seen ones has no row
        classes = list(range(n_prob_columns or 0))
    _refuse_unseen(unknown, len(classes), n_prob_columns)
    lookup = {c: i for i, c in enumerate(classes)}

    def encode(values: list[Any] | None) -> IntArray | None:
        if values is None:
            return None
        return np.fromiter((lookup[v] for v in values), dtype=np.int64, count=len(values))

    return tuple(classes), encode(lists.get("y_train")), encode(lists.get("y_val"))


def _refuse_unseen(unknown: list[Any], n_classes: int, n_prob_columns: int | None) -> None:
    """Validation labels never seen in training, refused only where the probabilities have no column for them.

    Otherwise they are the run's evidence, not a fault of the call: a validation split cut from data stored
    by class without shuffling (Keras' ``validation_split`` takes the last rows) holds classes the model never
    saw, and ``distribution_shift.label_shift`` names them.
    """
    if unknown and n_prob_columns is not None and n_classes > n_prob_columns:
        raise GapdoctorInputError(
            "y_val",
            f"contains labels never seen in y_train: {unknown[:10]}, and the probabilities have "
            f"{n_prob_columns} columns for {n_classes} classes",
            "give one probability column per class of both splits (in sorted label order), or check that both "
            "splits use the same label set and encoder",
        )


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
    both = "y_train" in seen and "y_val" in seen
    unknown = np.flatnonzero(seen["y_val"] & ~seen["y_train"]).tolist() if both else []
    classes: list[int] = np.flatnonzero(np.logical_or.reduce(list(seen.values()))).tolist()
    if n_prob_columns is not None and n_prob_columns > len(classes) and classes[-1] == n_prob_columns - 1:
        classes = list(range(n_prob_columns))  # the largest id names the last column (see encode_labels)
    _refuse_unseen(unknown, len(classes), n_prob_columns)
    if classes == list(range(len(classes))):  # already the ids: the labels themselves, no copy of int64 ones

        def encode(y: np.ndarray[Any, Any] | None) -> IntArray | None:
            return None if y is None else np.asarray(y, dtype=np.int64)

    else:
        table = np.full(size, -1, dtype=np.int64)
        table[classes] = np.arange(len(classes))

        def encode(y: np.ndarray[Any, Any] | None) -> IntArray | None:
            return None if y is None else np.asarray(table[y], dtype=np.int64)

    return tuple(classes), encode(present.get("y_train")), encode(present.get("y_val"))
