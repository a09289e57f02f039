"""What one partition computes: the two passes over each split, as plain functions of numpy blocks.

These run on the Dask workers, one call per partition; each returns small,
mergeable statistics (:mod:`gapdoctor.stats.partition_stats`) and, in the second pass,
the partition's share of the uniform row sample. A block is a numpy array or a pandas
DataFrame / Series; ``roles`` maps ``"X"``, ``"y"``, ``"probs"``, ``"groups"``,
``"sources"`` to the blocks of the same rows.

Before them, the row count of each partition is read (from the labels alone, or from
a Dask array's chunks), so that the uniform sample's rows are known in advance.
Pass A reads every column once: rows, the partition's share of the sample, feature
moments, labels and the sums of probabilities per label, the probabilities' range,
and the row hashes (kept for the validation split, which is read first; matched
against them for the training split: exact duplicates). Pass B reads labels,
probabilities and groups only, after merging pass A (classes, thresholds): the
confident joint of the training split, the validation confusion counts (overall and
per group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import THRESHOLD_TOLERANCE
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.partition_stats import ColumnMoments, KeyedCounts, column_hashes

__all__ = ["PASS_B_ROLES", "LabelCoding", "labels_of", "pass_a", "pass_b", "probabilities_of", "renormalised"]

_EXACT_SUM = 1e-12  # as gapdoctor.inputs.labels: a row off 1 by more makes the door renormalise every row


def _values(block: Any) -> NDArray[Any]:
    return np.asarray(block.to_numpy() if hasattr(block, "to_numpy") else block)


def labels_of(block: Any) -> NDArray[Any]:
    values = _values(block)
    return values[:, 0] if values.ndim == 2 and values.shape[1] == 1 else values


def _column(values: NDArray[Any]) -> NDArray[Any]:
    """Float64 values, or for a text column the uint64 hash of each value (pandas' ``hash_array``)."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        import pandas as pd

        return np.asarray(pd.util.hash_array(np.asarray(values).astype(str).astype(object)), dtype=np.uint64)


def feature_columns(block: Any) -> list[NDArray[Any]]:
    """The block's columns one by one (a DataFrame's without a row-major copy): float64, or hashed text."""
    if hasattr(block, "columns"):
        return [_column(block[c].to_numpy()) for c in block.columns]
    values = _values(block)
    values = values[:, None] if values.ndim == 1 else values
    return [_column(values[:, j]) for j in range(values.shape[1])]


def probabilities_of(block: Any) -> FloatArray:
    p = np.asarray(_values(block), dtype=np.float64)
    return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p


def renormalised(p: FloatArray, clip: bool = True) -> FloatArray:
    """Probabilities as the door makes them when any row is off: clipped to [0, 1], rows summing to 1.

    ``clip=False`` when every value is known to be within [0, 1] already (the same result).
    """
    clipped = np.clip(p, 0.0, 1.0) if clip else p
    return np.asarray(clipped / clipped.sum(axis=1, keepdims=True), dtype=np.float64)


def _needs_renormalising(p: FloatArray) -> bool:
    return bool((p < 0.0).any() or (p > 1.0).any() or (np.abs(p.sum(axis=1) - 1.0) > _EXACT_SUM).any())


def _duplicates(hashes: NDArray[np.uint64], val_hashes: NDArray[np.uint64]) -> dict[str, Any]:
    """How many of these (training) rows are copies of a validation row, and which hashes matched."""
    if not len(val_hashes):
        return {"train_rows_in_val": 0, "matched_hashes": np.zeros(0, dtype=np.uint64)}
    ordered = np.sort(hashes)  # sorted needles: the search walks the sorted haystack in order (~10x faster)
    found = np.searchsorted(val_hashes, ordered).clip(0, len(val_hashes) - 1)
    hit = val_hashes[found] == ordered
    return {"train_rows_in_val": int(hit.sum()), "matched_hashes": np.unique(ordered[hit])}


def pass_a(
    roles: dict[str, Any], positions: IntArray, keep_hashes: bool, val_hashes: NDArray[np.uint64] | None
) -> dict[str, Any]:
    """First pass over one partition (see the module docstring): everything but the label pass."""
    lengths = {role: len(block) for role, block in roles.items()}
    if len(set(lengths.values())) > 1:
        return {"misaligned": lengths}
    out: dict[str, Any] = {"rows": next(iter(lengths.values()))}
    out["sample"] = {role: _sample(block, positions) for role, block in roles.items()}
    X = None if "X" not in roles else feature_columns(roles["X"])
    if X is not None:
        out["moments"] = ColumnMoments.of_columns(X)
        if keep_hashes or val_hashes is not None:
            hashes = column_hashes(X, out["rows"])
            if keep_hashes:
                out["hashes"] = hashes
            if val_hashes is not None:
                out.update(_duplicates(hashes, val_hashes))
    if "sources" in roles:
        out["sources"] = KeyedCounts.count(labels_of(roles["sources"]).astype(str))
    if "y" in roles:
        y = labels_of(roles["y"])
        out["labels"] = KeyedCounts.count(y)
        if "probs" in roles and len(y):
            p = probabilities_of(roles["probs"])
            finite = bool(np.isfinite(p).all())
            out["probs_range"] = (finite, float(p.min()) if finite else 0.0, float(p.max()) if finite else 0.0)
            out["probs_sum_off"] = float(np.abs(p.sum(axis=1) - 1.0).max()) if finite else 0.0
            out["probs_columns"] = p.shape[1]
            if finite:
                out["renormalise"] = _needs_renormalising(p)
                out["prob_sums"] = KeyedCounts.count(y, weights=p)
                within = out["probs_range"][1] >= 0.0 and out["probs_range"][2] <= 1.0
                out["prob_sums_renormalised"] = KeyedCounts.count(y, weights=renormalised(p, clip=not within))
    return out


@dataclass(frozen=True)
class LabelCoding:
    """Raw label values (sorted as ``np.unique`` sorts them) and the class id of each."""

    keys: NDArray[Any]
    ids: IntArray
    n_classes: int

    def encode(self, y: NDArray[Any]) -> IntArray:
        """Class ids of raw labels."""
        return np.asarray(self.ids[np.searchsorted(self.keys, y)], dtype=np.int64)


def _confident_joint(given: IntArray, p: FloatArray, thresholds: FloatArray, k: int) -> tuple[IntArray, IntArray]:
    """As :func:`~gapdoctor.causes.label_noise.confident_learning.find_label_issues` counts one chunk."""
    reached = p >= thresholds - THRESHOLD_TOLERANCE
    n_reached = reached.sum(axis=1)
    confident = np.where(n_reached > 1, p.argmax(axis=1), reached.argmax(axis=1))
    has = n_reached > 0
    joint = np.bincount(given[has] * k + confident[has], minlength=k * k).reshape(k, k)
    return joint.astype(np.int64), np.bincount(given[~has], minlength=k).astype(np.int64)


def _sample(block: Any, positions: IntArray) -> Any:
    return block.iloc[positions] if hasattr(block, "iloc") else np.asarray(block)[positions]


PASS_B_ROLES = ("y", "probs", "groups")
"""What the second pass reads: labels, probabilities and groups, never the features again."""


def pass_b(
    roles: dict[str, Any], coding: LabelCoding, renormalise: bool, thresholds: FloatArray | None
) -> dict[str, Any]:
    """Second pass over one partition: the confident joint (training) or the confusion counts (validation)."""
    out: dict[str, Any] = {}
    given = coding.encode(labels_of(roles["y"]))
    p = probabilities_of(roles["probs"])
    if renormalise:
        p = renormalised(p, clip=bool(p.min() < 0.0 or p.max() > 1.0))
    k = coding.n_classes
    if thresholds is not None:
        out["confident_joint"], out["unconfident"] = _confident_joint(given, p, thresholds, k)
        return out
    predicted = p.argmax(axis=1)  # the validation split: what the model predicts against the given labels
    out["confusion"] = np.bincount(given * k + predicted, minlength=k * k).reshape(k, k).astype(np.int64)
    if "groups" in roles:
        groups = labels_of(roles["groups"]).astype(str)
        correct = np.column_stack([predicted == given, np.ones(len(given))]).astype(np.float64)
        out["group_correct"] = KeyedCounts.count(groups, weights=correct)
    return out
