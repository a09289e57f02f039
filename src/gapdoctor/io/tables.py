"""Read data splits and probability files: CSV, Parquet (pyarrow extra) and NPZ.

No pickle is ever loaded: NPZ files are opened with ``allow_pickle=False``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.arrays import load_npy, load_npz
from gapdoctor.io.files import check_input_path, parse_csv, read_text, reading

__all__ = ["read_labels_and_features", "read_probabilities"]

logger = logging.getLogger("gapdoctor")


_INDEX_NAME = re.compile(r"(|index|level_0|Unnamed: \d+)")
"""Leading-column names of a pandas index written by ``DataFrame.to_csv()``: ``""`` from a
frame, ``"Unnamed: 0"`` from a frame read back and written again, ``"index"`` or
``"level_0"`` after ``reset_index()``. Such a column holding unique non-negative integers is
the row index, not a feature."""


def _parse_column(values: list[str]) -> NDArray[Any]:
    try:
        return np.array([float(v) if v.strip() not in {"", "nan", "NaN"} else np.nan for v in values])
    except ValueError:
        return np.array(values, dtype=object)


def _is_row_index(values: NDArray[Any]) -> bool:
    if values.dtype.kind not in "iuf" or values.size == 0:
        return False
    numbers = values.astype(np.float64)
    if not np.all(np.isfinite(numbers)) or np.any(numbers < 0) or np.any(numbers != np.round(numbers)):
        return False
    return bool(np.unique(numbers).size == numbers.size)


def _drop_pandas_index(columns: dict[str, NDArray[Any]], path: Path) -> dict[str, NDArray[Any]]:
    """Drop the row index pandas writes into a file, which is no feature (with a note)."""
    names = list(columns)
    dropped = [n for n in names if n.startswith("__index_level_")]  # pyarrow: a pandas index
    for name in names:  # to_csv() writes the index first; written again, the old index follows it
        if name in dropped or not (_INDEX_NAME.fullmatch(name) and _is_row_index(columns[name])):
            break
        dropped.append(name)
    for name in dropped:
        logger.warning(
            "%s: column %r is the row index pandas wrote (unique row numbers), not a feature: dropped "
            "(write the file with to_csv(index=False) to leave it out)",
            path,
            name,
        )
    return {n: v for n, v in columns.items() if n not in dropped}


def _read_csv_columns(path: Path) -> dict[str, NDArray[Any]]:
    header, body = parse_csv(read_text(path), path)
    columns = {name: _parse_column([r[j] for r in body]) for j, name in enumerate(header)}
    return _drop_pandas_index(columns, path)


def _read_parquet_columns(path: Path) -> dict[str, NDArray[Any]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the environment
        raise GapdoctorInputError(
            str(path), "is Parquet, which needs pyarrow", "pip install 'gapdoctor[parquet]'"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as error:
        raise GapdoctorInputError(
            str(path), f"could not be read as Parquet ({type(error).__name__}: {error})", "check the file"
        ) from None
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise GapdoctorInputError(
                str(path),
                f"column {field.name!r} holds nested values ({field.type}), not one value per cell",
                "flatten it into plain columns or drop it",
            )
    columns = {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in table.column_names}
    return _drop_pandas_index(columns, path)


def _columns(path: str | Path, argument: str) -> dict[str, NDArray[Any]]:
    path = check_input_path(path, argument)  # before Path(""), which is the current folder
    suffix = path.suffix.lower()
    with reading(path, "a data table"):
        if suffix == ".csv":
            return _read_csv_columns(path)
        if suffix in {".parquet", ".pq"}:
            return _read_parquet_columns(path)
        if suffix == ".npz":
            return load_npz(path)
    raise GapdoctorInputError(str(path), f"unsupported extension {suffix!r}", "use .csv, .parquet or .npz")


def _check_lengths(arrays: dict[str, NDArray[Any]], path: Path) -> None:
    """Every column one value per row (``X`` one row per row), all of the label's length."""
    for name, array in arrays.items():
        if array.ndim != (2 if name == "X" else 1):
            expected = "(n_rows, n_features)" if name == "X" else "(n_rows,): one value per row"
            raise GapdoctorInputError(
                str(path), f"array {name!r} has shape {array.shape}, expected {expected}", "save it with that shape"
            )
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}: {n}" for name, n in list(lengths.items())[:10])
        raise GapdoctorInputError(
            str(path), f"holds arrays of different lengths ({listed})", "save one value per row in every array"
        )


def read_labels_and_features(path: str | Path, label: str) -> tuple[NDArray[Any], NDArray[Any], list[str]]:
    """Read one split: features, labels and feature names.

    Parameters
    ----------
    path : str or Path
        CSV or Parquet (one column per feature plus the label column), or NPZ (either
        an ``X`` matrix and a label array named ``label``, or one array per column).
    label : str
        Name of the label column.

    Returns
    -------
    X : ndarray of shape (n, n_features)
    y : ndarray of shape (n,)
    feature_names : list of str
    """
    columns = _columns(path, "data split")
    path = Path(path)
    if label not in columns:
        raise GapdoctorInputError(
            str(path), f"has no label column {label!r} (columns: {', '.join(list(columns)[:20])})", "pass --label COL"
        )
    y = columns.pop(label)
    if "X" in columns and columns["X"].ndim == 2:
        X = columns["X"]
        _check_lengths({label: y, "X": X}, path)
        return X, y, [f"x{i}" for i in range(X.shape[1])]
    if not columns:
        raise GapdoctorInputError(str(path), "has no feature column besides the label", "add feature columns")
    _check_lengths({label: y, **columns}, path)
    names = list(columns)
    X = (
        np.column_stack([columns[n] for n in names])
        if any(c.dtype == object for c in columns.values())
        else np.column_stack([columns[n].astype(np.float64) for n in names])
    )
    return X, y, names


def _float_probabilities(array: NDArray[Any], path: Path) -> NDArray[np.float64]:
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        problem = f"holds {array.dtype} values, not probabilities"
        raise GapdoctorInputError(str(path), problem, "save a float array") from None


def read_probabilities(path: str | Path) -> NDArray[np.float64]:
    """Read predicted probabilities: CSV/Parquet (one column per class) or NPZ/NPY (one 2-D array)."""
    checked = check_input_path(path, "probabilities")
    path = Path(path)
    if path.suffix.lower() == ".npy":
        array = load_npy(checked)
        return _float_probabilities(array, path)
    columns = _columns(path, "probabilities")
    if path.suffix.lower() == ".npz":
        arrays = list(columns.values())
        if len(arrays) != 1 and "probs" not in columns:
            raise GapdoctorInputError(str(path), "holds several arrays", "store one array, or name it 'probs'")
        array = columns["probs"] if len(arrays) != 1 else arrays[0]
        return _float_probabilities(array, path)
    try:
        return np.column_stack([c.astype(np.float64) for c in columns.values()])
    except (TypeError, ValueError):
        raise GapdoctorInputError(
            str(path), "holds non-numeric columns", "write one probability column per class"
        ) from None
