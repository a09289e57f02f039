"""Array inputs at the door: conversion from numpy / pandas / torch / lists, and validation.

Every array argument of :func:`gapdoctor.diagnose` goes through :func:`to_numpy` and
then the validator of its role: features and per-row ids here, labels and probabilities
in :mod:`gapdoctor.inputs.labels`. Whatever
the input, the outcome is a clean numpy array or one :class:`GapdoctorInputError` that
names the argument: no dependency error or warning escapes from here.

Decisions taken here (each one tested in ``tests/test_arrays.py``):

- torch tensors in half precision (``bfloat16``, ``float16``) are widened to float32
  before the conversion (numpy has no bfloat16); a tensor on the ``meta`` device holds
  no data and is refused.
- Complex numbers and dates (``datetime64`` / ``timedelta64``) are refused in every
  role: none of them is a feature value, a class label or a probability gapdoctor can
  read without guessing.
- Per-row ids (groups, sources) must be scalars; bytes are decoded as UTF-8 with
  undecodable bytes kept as ``\\x..`` escapes.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats.array_types import FeatureArray

__all__ = ["HALF_TORCH_DTYPES", "encode_features", "group_array", "is_missing", "to_numpy"]


MAX_FEATURE_MAGNITUDE = 1e150
"""Largest |feature value| accepted: beyond any measured quantity, and small enough that the
checks' squares and sums over many rows stay finite in float64 (1e150**2 = 1e300)."""

HALF_TORCH_DTYPES = frozenset({"torch.bfloat16", "torch.float16", "torch.complex32"})
_MISSING_TYPES = ("NAType", "NaTType")  # pandas' pd.NA and pd.NaT, without importing pandas


def is_missing(value: Any) -> bool:
    """None, a float NaN, or pandas' NA / NaT."""
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
    if str(tensor.dtype) in HALF_TORCH_DTYPES:  # numpy has no bfloat16: widen first
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
            cleaned[i] = math.nan if is_missing(v) else v
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
        if is_missing(v):
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
) -> tuple[FeatureArray, dict[int, list[Any]]]:
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
    if arr.dtype in _KEPT_DTYPES:
        out: FeatureArray = arr  # float32 / float64 input is used as is: no copy of a large split
    elif arr.dtype.kind in "biuf":
        out = np.asarray(arr, dtype=np.float64)
    else:
        out = np.empty(arr.shape, dtype=np.float64)
        for j in range(arr.shape[1]):
            out[:, j] = _encode_column(name, j, arr[:, j], categories)
    for start in range(0, len(out), _CHECK_ROWS):  # row blocks: temporaries stay small whatever the split's size
        _check_feature_block(name, out[start : start + _CHECK_ROWS], start)
    return out, categories


_KEPT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
"""Feature dtypes the checks read as given; integers, booleans and float16 become float64."""

_CHECK_ROWS = 65_536
"""Feature rows checked for infinite / oversized values at a time (a few MB of temporaries)."""


def _check_feature_block(name: str, block: FeatureArray, start: int) -> None:
    if np.isinf(block).any():
        row, colno = np.argwhere(np.isinf(block))[0]
        raise GapdoctorInputError(
            name,
            f"contains infinite values (first at row {start + row}, column {colno})",
            "replace them with NaN (treated as missing) or clip them",
        )
    if float(np.finfo(block.dtype).max) <= MAX_FEATURE_MAGNITUDE:
        return  # float32 cannot hold a value beyond the bound
    huge = np.abs(np.nan_to_num(block)) > MAX_FEATURE_MAGNITUDE
    if huge.any():
        row, colno = np.argwhere(huge)[0]
        raise GapdoctorInputError(
            name,
            f"holds {block[row, colno]:.3g} at row {start + row}, column {colno}, beyond {MAX_FEATURE_MAGNITUDE:g}",
            "rescale that column (e.g. log or standardise it): statistics over such values overflow",
        )


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
