"""Read data splits and probability files: CSV, Parquet (pyarrow extra) and NPZ.

No pickle is ever loaded: NPZ files are opened with ``allow_pickle=False``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError

__all__ = ["read_labels_and_features", "read_probabilities"]


def _parse_column(values: list[str]) -> NDArray[Any]:
    try:
        return np.array([float(v) if v.strip() not in {"", "nan", "NaN"} else np.nan for v in values])
    except ValueError:
        return np.array(values, dtype=object)


def _read_csv_columns(path: Path) -> dict[str, NDArray[Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise GapdoctorInputError(str(path), "is empty", "write a header row and one row per example")
    header, body = rows[0], [r for r in rows[1:] if r]
    for line_no, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise GapdoctorInputError(
                str(path), f"line {line_no} has {len(row)} fields, the header {len(header)}", "repair the file"
            )
    return {name: _parse_column([r[j] for r in body]) for j, name in enumerate(header)}


def _read_parquet_columns(path: Path) -> dict[str, NDArray[Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the environment
        raise GapdoctorInputError(
            str(path), "is Parquet, which needs pyarrow", "pip install 'gapdoctor[parquet]'"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as error:
        raise GapdoctorInputError(str(path), f"could not be read as Parquet ({error})", "check the file") from None
    return {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in table.column_names}


def _read_npz_columns(path: Path) -> dict[str, NDArray[Any]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except ValueError as error:
        raise GapdoctorInputError(
            str(path), f"could not be read without pickle ({error})", "save plain arrays"
        ) from None


def _columns(path: Path) -> dict[str, NDArray[Any]]:
    if not path.exists():
        raise GapdoctorInputError(str(path), "does not exist", "check the path")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv_columns(path)
    if suffix in {".parquet", ".pq"}:
        return _read_parquet_columns(path)
    if suffix == ".npz":
        return _read_npz_columns(path)
    raise GapdoctorInputError(str(path), f"unsupported extension {suffix!r}", "use .csv, .parquet or .npz")


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
    path = Path(path)
    columns = _columns(path)
    if label not in columns:
        raise GapdoctorInputError(
            str(path), f"has no label column {label!r} (columns: {', '.join(list(columns)[:20])})", "pass --label COL"
        )
    y = columns.pop(label)
    if "X" in columns and columns["X"].ndim == 2:
        X = columns["X"]
        return X, y, [f"x{i}" for i in range(X.shape[1])]
    if not columns:
        raise GapdoctorInputError(str(path), "has no feature column besides the label", "add feature columns")
    names = list(columns)
    X = (
        np.column_stack([columns[n] for n in names])
        if any(c.dtype == object for c in columns.values())
        else np.column_stack([columns[n].astype(np.float64) for n in names])
    )
    return X, y, names


def read_probabilities(path: str | Path) -> NDArray[np.float64]:
    """Read predicted probabilities: CSV/Parquet (one column per class) or NPZ/NPY (one 2-D array)."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        try:
            return np.asarray(np.load(path, allow_pickle=False), dtype=np.float64)
        except ValueError as error:
            raise GapdoctorInputError(str(path), f"could not be read ({error})", "save a plain float array") from None
    columns = _columns(path)
    if path.suffix.lower() == ".npz":
        arrays = list(columns.values())
        if len(arrays) != 1:
            key = "probs" if "probs" in columns else None
            if key is None:
                raise GapdoctorInputError(str(path), "holds several arrays", "store one array, or name it 'probs'")
            return np.asarray(columns[key], dtype=np.float64)
        return np.asarray(arrays[0], dtype=np.float64)
    try:
        return np.column_stack([c.astype(np.float64) for c in columns.values()])
    except (TypeError, ValueError):
        raise GapdoctorInputError(
            str(path), "holds non-numeric columns", "write one probability column per class"
        ) from None
