"""The data files of ``gapdoctor diagnose``: one split (features, labels, an id column), probabilities.

A file (CSV, Parquet, NPZ) is read into memory; a folder of Parquet files (a dataset,
possibly larger than memory) is opened as Dask collections
(:mod:`gapdoctor.io.parquet_dataset`), which :func:`gapdoctor.diagnose` reads partition by
partition; ``--probs-prefix`` names its probability columns.
"""

from __future__ import annotations

from pathlib import Path

from gapdoctor.cli_door import read_input
from gapdoctor.errors import GapdoctorInputError

__all__ = ["is_dataset", "read_probabilities_input", "read_split"]


def is_dataset(path: str) -> bool:
    """Whether ``path`` names a folder (a Parquet dataset) rather than a file."""
    return bool(path.strip()) and Path(path).is_dir()


def read_probabilities_input(path: str) -> object:
    """Probabilities from a file (in memory) or a Parquet dataset folder (one column per class, Dask)."""
    from gapdoctor.io import read_probabilities
    from gapdoctor.io.parquet_dataset import read_probability_dataset

    return read_probability_dataset(path) if is_dataset(path) else read_probabilities(path)


def read_split(
    option: str, path: str, label: str, extra: str | None, probs_prefix: str | None
) -> tuple[object, object, object, object]:
    """Features, labels, the ``extra`` column (removed from the features) and probabilities (datasets only)."""
    import numpy as np

    from gapdoctor.io import read_labels_and_features

    if is_dataset(path):  # larger than memory: Dask collections, read by diagnose() partition by partition
        from gapdoctor.io.parquet_dataset import read_parquet_dataset

        split = read_input(option, path, lambda: read_parquet_dataset(path, label, extra, probs_prefix))
        return split.X, split.y, split.extra, split.probs

    X, y, names = read_input(option, path, lambda: read_labels_and_features(path, label))
    column = None
    if extra is not None:
        if extra not in names:
            raise GapdoctorInputError(
                f"{option} {path}", f"has no column {extra!r}", f"check the column name given for {extra}"
            )
        j = names.index(extra)
        column = X[:, j]
        X = np.delete(X, j, axis=1)
        names = names[:j] + names[j + 1 :]
    try:
        import pandas as pd
    except ImportError:
        return X, y, column, None
    return pd.DataFrame(X, columns=names, copy=False), y, column, None  # no second copy of a large split
