"""What one partition computes: the two passes over each split, as plain functions of numpy blocks.

These run on the Dask workers, one call per partition; each returns small,
mergeable statistics (:mod:`gapdoctor.stats.partition_stats`) and, in the second pass,
the partition's share of the uniform row sample. A block is a numpy array or a pandas
DataFrame / Series; ``roles`` maps ``"X"``, ``"y"``, ``"probs"``, ``"groups"``,
``"sources"`` to the blocks of the same rows.

Pass A (no knowledge of the whole split needed): rows, feature moments, labels and
the sums of probabilities per label, the probabilities' range, the row hashes of the
validation split. Pass B (after merging pass A: classes, thresholds, the validation
hashes): the confident joint of the training split, exact duplicates of validation
rows among the training rows, the validation confusion counts (overall and per
group), and the sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import _THRESHOLD_TOLERANCE
from gapdoctor.inputs.labels import PROB_RANGE_TOLERANCE
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.partition_stats import ColumnMoments, KeyedCounts, row_hashes

__all__ = ["LabelCoding", "pass_a", "pass_b", "renormalised"]

_EXACT_SUM = 1e-12  # as gapdoctor.inputs.labels: a row off 1 by more makes the door renormalise every row


def _values(block: Any) -> NDArray[Any]:
    return np.asarray(block.to_numpy() if hasattr(block, "to_numpy") else block)


def _labels(block: Any) -> NDArray[Any]:
    values = _values(block)
    return values[:, 0] if values.ndim == 2 and values.shape[1] == 1 else values


def float_rows(block: Any) -> FloatArray | None:
    """The block as float64 rows, or None when it holds non-numeric columns."""
    values = _values(block)
    if values.ndim == 1:
        values = values[:, None]
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _probabilities(block: Any) -> FloatArray:
    p = np.asarray(_values(block), dtype=np.float64)
    return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p


def renormalised(p: FloatArray) -> FloatArray:
    """Probabilities as the door makes them when any row is off: clipped to [0, 1], rows summing to 1."""
    clipped = np.clip(p, 0.0, 1.0)
    return np.asarray(clipped / clipped.sum(axis=1, keepdims=True), dtype=np.float64)


def _needs_renormalising(p: FloatArray) -> bool:
    return bool((p < 0.0).any() or (p > 1.0).any() or (np.abs(p.sum(axis=1) - 1.0) > _EXACT_SUM).any())


def pass_a(roles: dict[str, Any], keep_hashes: bool) -> dict[str, Any]:
    """First pass over one partition (see the module docstring)."""
    lengths = {role: len(block) for role, block in roles.items()}
    if len(set(lengths.values())) > 1:
        return {"misaligned": lengths}
    out: dict[str, Any] = {"rows": next(iter(lengths.values()))}
    X = None if "X" not in roles else float_rows(roles["X"])
    if X is not None:
        out["moments"] = ColumnMoments.of(X)
        if keep_hashes:
            out["hashes"] = row_hashes(X)
    if "y" in roles:
        y = _labels(roles["y"])
        out["labels"] = KeyedCounts.count(y)
        if "probs" in roles and len(y):
            p = _probabilities(roles["probs"])
            finite = bool(np.isfinite(p).all())
            out["probs_range"] = (finite, float(p.min()) if finite else 0.0, float(p.max()) if finite else 0.0)
            out["probs_sum_off"] = float(np.abs(p.sum(axis=1) - 1.0).max()) if finite else 0.0
            out["probs_columns"] = p.shape[1]
            if finite:
                out["renormalise"] = _needs_renormalising(p)
                out["prob_sums"] = KeyedCounts.count(y, weights=p)
                out["prob_sums_renormalised"] = KeyedCounts.count(y, weights=renormalised(p))
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
    reached = p >= thresholds - _THRESHOLD_TOLERANCE
    n_reached = reached.sum(axis=1)
    confident = np.where(n_reached > 1, p.argmax(axis=1), reached.argmax(axis=1))
    has = n_reached > 0
    joint = np.bincount(given[has] * k + confident[has], minlength=k * k).reshape(k, k)
    return joint.astype(np.int64), np.bincount(given[~has], minlength=k).astype(np.int64)


def _sample(block: Any, positions: IntArray) -> Any:
    return block.iloc[positions] if hasattr(block, "iloc") else np.asarray(block)[positions]


def pass_b(
    roles: dict[str, Any],
    coding: LabelCoding | None,
    renormalise: bool,
    thresholds: FloatArray | None,
    val_hashes: NDArray[np.uint64] | None,
    positions: IntArray,
) -> dict[str, Any]:
    """Second pass over one partition (see the module docstring)."""
    out: dict[str, Any] = {"sample": {role: _sample(block, positions) for role, block in roles.items()}}
    if val_hashes is not None and "X" in roles:
        X = float_rows(roles["X"])
        if X is not None:
            hashes = row_hashes(X)
            found = np.searchsorted(val_hashes, hashes).clip(0, max(len(val_hashes) - 1, 0))
            hit = val_hashes[found] == hashes if len(val_hashes) else np.zeros(len(hashes), dtype=bool)
            out["train_rows_in_val"] = int(hit.sum())
            out["matched_hashes"] = np.unique(hashes[hit])
    if coding is None or "probs" not in roles or "y" not in roles:
        return out
    given = coding.encode(_labels(roles["y"]))
    p = _probabilities(roles["probs"])
    if renormalise:
        p = renormalised(p)
    k = coding.n_classes
    if thresholds is not None:
        out["confident_joint"], out["unconfident"] = _confident_joint(given, p, thresholds, k)
    else:  # the validation split: what the model predicts against the given labels
        predicted = p.argmax(axis=1)
        out["confusion"] = np.bincount(given * k + predicted, minlength=k * k).reshape(k, k).astype(np.int64)
        if "groups" in roles:
            groups = np.asarray([str(g) for g in _labels(roles["groups"])]) if len(given) else np.zeros(0, dtype=str)
            correct = np.column_stack([predicted == given, np.ones(len(given))]).astype(np.float64)
            out["group_correct"] = KeyedCounts.count(groups, weights=correct)
    return out


PROB_RANGE = PROB_RANGE_TOLERANCE
"""Re-exported for the merge's range check (the door's own tolerance)."""
