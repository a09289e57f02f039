"""Dask collections at the door: recognised without importing dask, cut into aligned partitions.

:func:`gapdoctor.diagnose` accepts Dask arrays, DataFrames and Series for its per-row
arguments (``X_*``, ``y_*``, ``*_probs``, groups, sources). :func:`dask_arguments` says
which arguments are Dask collections (by duck typing: ``dask`` is imported only when
one is given); :func:`split_partitions` turns the arguments of one split into one list
of per-partition blocks per argument, aligned row for row, so that a function of one
partition reads the features, labels and probabilities of the same rows.

Alignment rules: the Dask collections of one split must have the same number of
partitions (build them from one DataFrame, or rechunk the arrays alike); Dask arrays
are rechunked to the partition lengths of the first array when those are known; a
numpy / pandas argument given beside Dask ones is cut at the same lengths. The row
count of each partition is checked when it is read (:mod:`gapdoctor.scale`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError

__all__ = [
    "DASK_EXTRA",
    "SPLITS",
    "SPLIT_ARGUMENTS",
    "SplitPartitions",
    "dask_arguments",
    "import_dask",
    "is_dask_collection",
    "split_partitions",
]

DASK_EXTRA = "pip install 'gapdoctor[dask]'"
"""How to install what the Dask path needs (dask[dataframe], distributed, pyarrow)."""

SPLITS: dict[str, tuple[str, ...]] = {
    "train": ("X_train", "y_train", "train_probs", "groups_train", "sources_train"),
    "val": ("X_val", "y_val", "val_probs", "groups_val"),
}
"""The per-row arguments of each split, read partition by partition together."""

SPLIT_ARGUMENTS = frozenset(name for names in SPLITS.values() for name in names)
"""The arguments that may be Dask collections read partition by partition (others, e.g. the
recorded ``sample_losses``, are small: a Dask collection there is computed whole at the door)."""


def is_dask_collection(value: Any) -> bool:
    """Whether ``value`` is a Dask collection (array, DataFrame, Series), without importing dask.

    Examples
    --------
    >>> is_dask_collection([1, 2]), is_dask_collection(np.zeros(2))
    (False, False)
    """
    return hasattr(value, "__dask_graph__") and type(value).__module__.split(".")[0] == "dask"


def dask_arguments(arguments: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the arguments that are Dask collections.

    Examples
    --------
    >>> dask_arguments({"X_train": np.zeros((2, 1)), "y_train": None})
    ()
    """
    return tuple(name for name, value in arguments.items() if is_dask_collection(value))


def import_dask(argument: str) -> ModuleType:
    """``dask``, or the error saying how to install the extra."""
    try:
        import dask
        import dask.array
        import dask.dataframe
    except ImportError:
        raise GapdoctorInputError(argument, "needs Dask, which is not installed", DASK_EXTRA) from None
    return dask


@dataclass(frozen=True)
class SplitPartitions:
    """One split's arguments cut into aligned partitions.

    Parameters
    ----------
    split : str
        ``"train"`` or ``"val"``.
    blocks : dict
        Argument name -> one Dask-delayed (or plain) block per partition, all lists of
        the same length; a block is a numpy array or a pandas DataFrame / Series.
    columns : dict
        Argument name -> the column names of a DataFrame argument (feature names).
    """

    split: str
    blocks: dict[str, list[Any]]
    columns: dict[str, tuple[str, ...]]

    @property
    def n_partitions(self) -> int:
        """Number of partitions."""
        return len(next(iter(self.blocks.values())))


def _known_lengths(value: Any) -> tuple[int, ...] | None:
    chunks = getattr(value, "chunks", None)
    if chunks is None or any(np.isnan(c) for c in chunks[0]):
        return None
    return tuple(int(c) for c in chunks[0])


def _array_blocks(name: str, value: Any, lengths: tuple[int, ...] | None) -> list[Any]:
    """The row blocks of a Dask array (all columns in one block), rechunked to ``lengths``."""
    if value.ndim not in (1, 2):
        raise GapdoctorInputError(name, f"is a Dask array of {value.ndim} dimensions", "pass 1-D labels or 2-D rows")
    if value.ndim == 2:
        value = value.rechunk({1: -1})
    if lengths is not None and _known_lengths(value) != lengths:
        if _known_lengths(value) is None:
            raise GapdoctorInputError(
                name, "has unknown chunk sizes", "call .compute_chunk_sizes() on it, or pass a Dask DataFrame"
            )
        value = value.rechunk({0: lengths})
    return list(value.to_delayed().reshape(-1))


def _partition_count_error(split: str, counts: dict[str, int]) -> GapdoctorInputError:
    listed = ", ".join(f"{n}: {c}" for n, c in counts.items())
    return GapdoctorInputError(
        ", ".join(counts),
        f"are Dask collections of the {split} split with different numbers of partitions ({listed})",
        "build them from one Dask DataFrame (X = df[features], y = df[label]) or repartition them alike",
    )


def frame_partitions(value: Any) -> list[Any]:
    """The partitions of a Dask DataFrame / Series as delayed pandas objects, as many as it declares.

    Optimised only up to dask's simplified logical plan: columns are projected into the
    Parquet read (each reads only its own columns), but partitions are not fused, which
    dask does when few columns are read (``df[label]`` would come in fewer, bigger
    partitions than ``df[features]``): every argument and every pass sees the same
    partitions.
    """
    try:
        collections: Any = importlib.import_module("dask._collections")
        expressions: Any = importlib.import_module("dask._expr")
        planned = expressions.optimize_until(value.expr, "simplified-logical")
    except (ImportError, AttributeError):  # another dask layout: unoptimised, still aligned
        return list(value.to_delayed(optimize_graph=False))
    return list(collections.new_collection(planned).to_delayed(optimize_graph=False))


def split_partitions(split: str, arguments: Mapping[str, Any], only: tuple[str, ...] = ()) -> SplitPartitions | None:
    """The arguments of ``split`` given as Dask collections (and those beside them), in aligned partitions.

    ``only`` keeps just those arguments (the pass that reads labels and probabilities
    reads no feature column). None when no argument of the split is a Dask collection.
    """
    given: dict[str, Any] = {
        n: arguments[n] for n in SPLITS[split] if arguments.get(n) is not None and (not only or n in only)
    }
    lazy = [name for name in given if is_dask_collection(given[name])]
    if not lazy:
        return None
    import_dask(lazy[0])
    frames = [n for n in lazy if not hasattr(given[n], "chunks")]
    lengths = next((_known_lengths(given[n]) for n in lazy if _known_lengths(given[n]) is not None), None)
    blocks: dict[str, list[Any]] = {n: frame_partitions(given[n]) for n in frames}
    columns = {n: tuple(str(c) for c in given[n].columns) for n in frames if hasattr(given[n], "columns")}
    for name in lazy:
        if name not in blocks:
            blocks[name] = _array_blocks(name, given[name], None if frames else lengths)
    counts = {n: len(b) for n, b in blocks.items()}
    if len(set(counts.values())) > 1:
        raise _partition_count_error(split, counts)
    for name in given:
        if name not in blocks:
            blocks[name] = _cut(name, given[name], blocks[lazy[0]], None if frames else lengths)
    return SplitPartitions(split, blocks, columns)


def _cut(name: str, value: Any, partitions: list[Any], lengths: tuple[int, ...] | None) -> list[Any]:
    """A numpy / pandas argument cut into the partitions of the split's Dask collections."""
    if lengths is None:
        dask = import_dask(name)
        lengths = tuple(int(n) for n in dask.compute(*[dask.delayed(len)(part) for part in partitions]))
    total = sum(lengths)
    if len(value) != total:
        raise GapdoctorInputError(
            name, f"has {len(value)} rows but the Dask arguments of its split have {total}", "pass one entry per row"
        )
    starts = np.concatenate([[0], np.cumsum(lengths)])
    take = value.iloc if hasattr(value, "iloc") else value
    return [take[int(starts[i]) : int(starts[i + 1])] for i in range(len(lengths))]
