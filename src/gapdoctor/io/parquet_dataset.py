"""A Parquet dataset folder (one split in many files) read lazily as Dask collections.

``gapdoctor diagnose --train DIR`` with a folder of Parquet files (as written by Spark,
``dask.dataframe.to_parquet`` or ``pyarrow.parquet.write_to_dataset``) does not load
the split: it opens it with ``dask.dataframe.read_parquet`` and hands Dask collections
to :func:`gapdoctor.diagnose`, which reads it partition by partition
(:mod:`gapdoctor.scale`). The columns are the features, the label column, and
optionally a group / source column and the split's predicted probabilities (the
columns whose names start with a prefix, one per class in class order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError

__all__ = ["ParquetSplit", "is_parquet_dataset", "read_parquet_dataset", "read_probability_dataset"]

_DASK_EXTRA = "pip install 'gapdoctor[dask]'"


def is_parquet_dataset(path: str | Path) -> bool:
    """Whether ``path`` is a folder (a Parquet dataset), not a single file."""
    return bool(str(path).strip()) and Path(path).is_dir()


@dataclass(frozen=True)
class ParquetSplit:
    """One split of a Parquet dataset as Dask collections (``extra``/``probs`` None when not asked for)."""

    X: Any
    y: Any
    extra: Any
    probs: Any


def _open(path: Path) -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise GapdoctorInputError(str(path), "is a Parquet dataset folder, which needs Dask", _DASK_EXTRA) from None
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in {".parquet", ".pq"})
    if not files:
        raise GapdoctorInputError(
            str(path), "is a directory with no .parquet file", "pass a file, or a directory of Parquet files"
        )
    return dd.read_parquet(str(path))


def read_parquet_dataset(path: str | Path, label: str, extra: str | None, probs_prefix: str | None) -> ParquetSplit:
    """Open one split: features, labels, the ``extra`` column and the probability columns.

    Parameters
    ----------
    path : str or Path
        A folder of Parquet files with the same columns.
    label : str
        The label column.
    extra : str, optional
        A group or source column, removed from the features.
    probs_prefix : str, optional
        Columns whose names start with it are the predicted probabilities (one per
        class, in class order), removed from the features.

    Returns
    -------
    ParquetSplit
    """
    path = Path(path)
    frame = _open(path)
    columns = [str(c) for c in frame.columns]
    for option, name in (("--label", label), ("--group-col/--source-col", extra)):
        if name is not None and name not in columns:
            raise GapdoctorInputError(
                str(path), f"has no column {name!r} (columns: {', '.join(columns[:20])})", f"pass {option} COL"
            )
    probs = [c for c in columns if probs_prefix and c.startswith(probs_prefix)]
    if probs_prefix and not probs:
        raise GapdoctorInputError(
            str(path), f"has no column starting with {probs_prefix!r}", "check --probs-prefix against the columns"
        )
    features = [c for c in columns if c not in {label, extra, *probs}]
    if not features:
        raise GapdoctorInputError(str(path), "has no feature column besides the label", "add feature columns")
    return ParquetSplit(
        X=frame[features],
        y=frame[label],
        extra=None if extra is None else frame[extra],
        probs=frame[probs] if probs else None,
    )


def read_probability_dataset(path: str | Path) -> Any:
    """A folder of Parquet files holding only probability columns (one per class), as a Dask DataFrame."""
    return _open(Path(path))
