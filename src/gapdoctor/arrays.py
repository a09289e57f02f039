"""Array inputs at the door: conversion from numpy / pandas / torch / lists, and validation.

Every array argument of :func:`gapdoctor.diagnose` goes through :func:`to_numpy` and
then the validator of its role (features, labels, probabilities, per-row ids). Whatever
the input, the outcome is a clean numpy array or one :class:`GapdoctorInputError` that
names the argument: no dependency error or warning escapes from here.

Decisions taken here (each one tested in ``tests/test_arrays.py``):

- torch tensors in half precision (``bfloat16``, ``float16``) are widened to float32
  before the conversion (numpy has no bfloat16); a tensor on the ``meta`` device holds
  no data and is refused.
- Complex numbers and dates (``datetime64`` / ``timedelta64``) are refused in every
  role: none of them is a feature value, a class label or a probability gapdoctor can
  read without guessing.
- Float class labels beyond 2**53 (where a float no longer holds every integer) keep
  their float value instead of being cast to int64, so that 1e19 and 2e19 stay two
  classes; an infinite label is refused.
- Labels of both splits must be of one family (numbers, text or bytes): ``"a"`` and
  ``b"a"`` are not the same class, and neither are ``1`` and ``"1"``.
- Per-row ids (groups, sources) must be scalars; bytes are decoded as UTF-8 with
  undecodable bytes kept as ``\\x..`` escapes.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError

__all__ = [
    "encode_features",
    "encode_labels",
    "group_array",
    "label_array",
    "probabilities",
    "sort_labels",
    "to_numpy",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

PROB_SUM_TOLERANCE = 1e-3
"""How far a row of probabilities may sum from 1 (float32 softmax rounding is ~1e-7 per class)."""

HALF_PRECISION_STEP = 2.0**-8
"""bfloat16 keeps 8 significant bits: each probability rounds by up to 2**-9, a row of k by up to
k * 2**-9; rows of a half-precision tensor may sum k * 2**-8 from 1."""

MAX_FEATURE_MAGNITUDE = 1e150
"""Largest |feature value| accepted: beyond any measured quantity, and small enough that the
checks' squares and sums over many rows stay finite in float64 (1e150**2 = 1e300)."""

PROB_RANGE_TOLERANCE = 1e-9
"""How far outside [0, 1] a probability may fall by rounding before it counts as a logit."""

EXACT_FLOAT_INTEGERS = 2.0**53
"""Beyond this a float64 no longer holds every integer: float labels there keep their float value."""

_HALF_TORCH_DTYPES = frozenset({"torch.bfloat16", "torch.float16", "torch.complex32"})
_HALF_DTYPES = _HALF_TORCH_DTYPES | {"float16"}
_MISSING_TYPES = ("NAType", "NaTType")  # pandas' pd.NA and pd.NaT, without importing pandas


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ in _MISSING_TYPES


_FEATURE_CELL_TYPES = (str, bytes, bool, int, float, np.generic)


def _torch_to_numpy(name: str, tensor: Any) -> np.ndarray[Any, Any]:
    device = getattr(getattr(tensor, "device", None), "type", "cpu")
    if device == "meta":
        raise GapdoctorInputError(
            name,
            "is a torch tensor on the 'meta' device, which holds shapes but no values",
            "pass the tensor after its values exist (e.g. computed by a model loaded with real weights), on any "
            "real device",
        )
    tensor = tensor.detach()
    if str(tensor.dtype) in _HALF_TORCH_DTYPES:  # numpy has no bfloat16: widen first
        tensor = tensor.to(
            dtype=sys.modules["torch"].complex64 if tensor.is_complex() else sys.modules["torch"].float32
        )
    try:
        return np.asarray(tensor.cpu().numpy())
    except (TypeError, RuntimeError, ValueError) as error:
        raise GapdoctorInputError(
            name,
            f"is a torch tensor of dtype {tensor.dtype} (layout {tensor.layout}) that numpy cannot hold ({error})",
            "convert it first, e.g. tensor.to_dense().float()",
        ) from None


def to_numpy(name: str, value: Any) -> np.ndarray[Any, Any]:
    """Convert numpy, pandas, torch, lists... to a numpy array, or raise GapdoctorInputError.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    value : array-like

    Returns
    -------
    ndarray
        Never complex, datetime or structured.

    Raises
    ------
    GapdoctorInputError
        Ragged nested lists, a meta tensor, complex numbers, dates, sets and mappings.

    Examples
    --------
    >>> to_numpy("y_val", [1, 2]).tolist()
    [1, 2]
    >>> to_numpy("X_val", [[1, 2], [3]])
    Traceback (most recent call last):
    ...
    gapdoctor.errors.GapdoctorInputError: X_val: is a ragged nested sequence ...
    """
    if isinstance(value, (set, frozenset, dict, str, bytes)) or (
        hasattr(value, "keys") and not hasattr(value, "to_numpy")
    ):
        raise GapdoctorInputError(
            name, f"expected an array-like of values, got {type(value).__name__}", "pass a list, array or Series"
        )
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch
        arr = _torch_to_numpy(name, value)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy warns before some ragged inputs fail
                if hasattr(value, "to_numpy"):  # pandas Series / DataFrame, polars
                    value = value.to_numpy()
                arr = np.asarray(value)
        except (ValueError, TypeError, OverflowError, Warning) as error:
            raise GapdoctorInputError(
                name,
                f"is a ragged nested sequence or holds values numpy cannot read ({str(error)[:120]})",
                "pass a rectangular array: one row per sample, the same number of values in every row",
            ) from None
    kind = arr.dtype.kind
    if kind == "c":
        raise GapdoctorInputError(
            name, f"holds complex numbers ({arr.dtype})", "pass real numbers (np.real(x) or np.abs(x))"
        )
    if kind in "mM":
        raise GapdoctorInputError(
            name,
            f"holds dates or durations ({arr.dtype})",
            "convert them to numbers (e.g. days since a start date) or to category names",
        )
    if kind == "V":
        raise GapdoctorInputError(name, f"is a structured array ({arr.dtype})", "pass a plain 2-D array")
    return arr


def _cell_error(name: str, row: int, column: int, value: Any) -> GapdoctorInputError:
    return GapdoctorInputError(
        name,
        f"column {column} holds {type(value).__name__} {str(value)[:40]!r} at row {row}; a cell must be a number, "
        "a category name or missing",
        "flatten nested values into columns of their own",
    )


def _encode_column(
    name: str, j: int, col: np.ndarray[Any, Any], categories: dict[int, list[Any]]
) -> NDArray[np.float64]:
    if col.dtype.kind == "O":  # pandas' NA / NaT, None: missing numbers, not categories
        cleaned = np.empty(len(col), dtype=object)
        for i, v in enumerate(col.tolist()):
            cleaned[i] = math.nan if _is_missing(v) else v
        col = cleaned
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return np.asarray(col.astype(np.float64), dtype=np.float64)
    except (TypeError, ValueError, RuntimeWarning):
        pass
    except OverflowError:
        raise GapdoctorInputError(
            name, f"column {j} holds a number too large for a 64-bit float", "scale or clip that column"
        ) from None
    known = categories.setdefault(j, [])
    lookup = {v: i for i, v in enumerate(known)}
    codes = np.full(len(col), np.nan)
    for i, v in enumerate(col.tolist()):
        if _is_missing(v):
            continue
        if not isinstance(v, _FEATURE_CELL_TYPES):
            raise _cell_error(name, i, j, v)
        if v not in lookup:
            lookup[v] = len(known)
            known.append(v)
        codes[i] = lookup[v]
    return codes


def encode_features(
    name: str, X: Any, categories: dict[int, list[Any]] | None
) -> tuple[FloatArray, dict[int, list[Any]]]:
    """2-D float matrix; string columns ordinal-encoded with shared categories.

    Examples
    --------
    >>> X, cats = encode_features("X_train", [["a", 1.0], ["b", 2.0]], None)
    >>> X.tolist(), cats
    ([[0.0, 1.0], [1.0, 2.0]], {0: ['a', 'b']})
    """
    arr = to_numpy(name, X)
    if arr.ndim == 1:
        raise GapdoctorInputError(
            name, f"expected a 2-D array (rows x features), got 1-D shape {arr.shape}", "use X.reshape(-1, 1)"
        )
    if arr.ndim == 0:
        raise GapdoctorInputError(name, "expected a 2-D array, got a scalar", "pass rows x features")
    if arr.shape[0] == 0:
        raise GapdoctorInputError(name, "is empty (0 rows)", "pass a split with at least one row")
    if arr.ndim > 2:  # images, sequences: one feature per value
        arr = arr.reshape(arr.shape[0], -1)
    if arr.shape[1] == 0:
        raise GapdoctorInputError(
            name, f"has {arr.shape[0]} rows but no feature column", "pass at least one feature per row, or leave it out"
        )
    categories = dict(categories or {})
    if arr.dtype.kind in "biuf":
        out = arr.astype(np.float64)
    else:
        out = np.empty(arr.shape, dtype=np.float64)
        for j in range(arr.shape[1]):
            out[:, j] = _encode_column(name, j, arr[:, j], categories)
    if np.isinf(out).any():
        row, colno = np.argwhere(np.isinf(out))[0]
        raise GapdoctorInputError(
            name,
            f"contains infinite values (first at row {row}, column {colno})",
            "replace them with NaN (treated as missing) or clip them",
        )
    huge = np.abs(np.nan_to_num(out)) > MAX_FEATURE_MAGNITUDE
    if huge.any():
        row, colno = np.argwhere(huge)[0]
        raise GapdoctorInputError(
            name,
            f"holds {out[row, colno]:.3g} at row {row}, column {colno}, beyond {MAX_FEATURE_MAGNITUDE:g}",
            "rescale that column (e.g. log or standardise it): statistics over such values overflow",
        )
    return out, categories


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
    bad = [i for i, v in enumerate(values) if _is_missing(v)]
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


def probabilities(name: str, probs: Any, n_rows: int, rows_from: str) -> FloatArray:
    """Validated (n_rows, n_classes) probabilities; one column means P(positive class).

    Examples
    --------
    >>> probabilities("val_probs", [0.2, 0.9], 2, "y_val").tolist()
    [[0.8, 0.2], [0.09999999999999998, 0.9]]
    """
    half = str(getattr(probs, "dtype", "")) in _HALF_DTYPES
    arr = to_numpy(name, probs)
    if arr.dtype.kind not in "biuf":
        raise GapdoctorInputError(
            name, f"holds non-numeric values ({arr.dtype})", "pass float probabilities, one column per class"
        )
    arr = arr.astype(np.float64)
    if arr.ndim == 1:  # binary: probability of the positive class
        arr = np.column_stack([1.0 - arr, arr])
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
    if not np.isfinite(arr).all():
        row = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise GapdoctorInputError(
            name, f"contains NaN or infinite values (first at row {row})", "check the model's outputs"
        )
    if (arr < -PROB_RANGE_TOLERANCE).any() or (arr > 1 + PROB_RANGE_TOLERANCE).any():
        raise GapdoctorInputError(
            name,
            f"holds values outside [0, 1] (min {arr.min():.3g}, max {arr.max():.3g}); these look like logits",
            "apply softmax (or sigmoid for one binary column) before passing them",
        )
    sums = arr.sum(axis=1)
    tolerance = max(PROB_SUM_TOLERANCE, arr.shape[1] * HALF_PRECISION_STEP) if half else PROB_SUM_TOLERANCE
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise GapdoctorInputError(
            name,
            f"rows must sum to 1; row {row} sums to {sums[row]:.4g} ({int(off.sum())} rows off)",
            "pass normalised probabilities (softmax over classes), not scores or per-class sigmoids",
        )
    arr = np.clip(arr, 0.0, 1.0)
    return np.asarray(arr / arr.sum(axis=1, keepdims=True), dtype=np.float64)


def _as_id(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)


def group_array(name: str, values: Any, n_rows: int, rows_from: str) -> NDArray[np.str_]:
    """One string id per row (groups, label sources).

    Examples
    --------
    >>> group_array("groups_val", [b"a", 1], 2, "y_val").tolist()
    ['a', '1']
    """
    arr = to_numpy(name, values)
    if arr.ndim != 1:
        raise GapdoctorInputError(name, f"expected a 1-D array, got shape {arr.shape}", "pass one id per row")
    if len(arr) != n_rows:
        raise GapdoctorInputError(
            name, f"has {len(arr)} entries but {rows_from} has {n_rows}", f"give one entry per row of {rows_from}"
        )
    items = arr.tolist()
    for i, v in enumerate(items):
        if not isinstance(v, (str, bytes, int, float, bool)) and v is not None:
            raise GapdoctorInputError(
                name,
                f"holds {type(v).__name__} {str(v)[:40]!r} at row {i}; each row needs one id",
                "pass one group or source name (a string or a number) per row",
            )
    return np.array([_as_id(v) for v in items], dtype=str)
