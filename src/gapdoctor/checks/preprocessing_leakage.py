"""Preprocessing leakage: features that carry the training labels, and rows shared by the splits.

Two checks:

- train-only signal: per feature, how much of its rank variance the label explains
  (Kruskal-Wallis epsilon²) in each split. A feature that separates the classes in the
  training split and far less in validation was built with the training labels (target
  encoding fitted on all training rows, statistics fitted on the wrong rows, future
  information). Identifier-like columns (dense unique integers) that predict the label
  betray data sorted by label before ids were given.
- duplicates: validation rows that are exact or near copies of training rows, found
  by hashing rows (exact) and a radius search on a KD-tree in standardised units
  (near); nothing quadratic, so it scales to millions of rows. The rate is judged
  against the duplicate rate inside the training split, so data with a small feature
  space (where duplicates are natural) do not raise it.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.neighbors import KDTree

from gapdoctor.causes import cause_info
from gapdoctor.checks import SkipCheck, register
from gapdoctor.checks._association import (
    association_noise_level,
    association_retained,
    association_rows,
    label_association,
)
from gapdoctor.checks._splits import (
    FloatArray,
    IntArray,
    feature_plot_data,
    name_of,
    splits_of,
    subsample,
)
from gapdoctor.evidence import Evidence
from gapdoctor.findings import Finding
from gapdoctor.stats import squash

NEAR_TOLERANCE = 0.05
"""Near duplicates: every feature within this many training standard deviations."""

_GAP_REPORTABLE = 0.15  # epsilon² lost between train and validation
_GAP_MIN_Z = 5.0
_ID_REPORTABLE = 0.1  # epsilon² of an identifier-like column
_EXCESS_DUPLICATES_REPORTABLE = 0.03  # share of validation rows duplicated beyond the natural rate
_TREE_FEATURES = 8
_BASELINE_ROWS = 2_000


def _fisher_z(assoc: FloatArray) -> FloatArray:
    """Fisher transform of the correlation ratio sqrt(epsilon²): standard error about 1/sqrt(n - 3)."""
    return np.arctanh(np.sqrt(np.clip(assoc, 0.0, 0.999999)))


def _identifier_like(X_train: FloatArray, X_val: FloatArray) -> list[int]:
    """Columns of dense, (almost) unique integers: row ids, timestamps, counters."""
    out = []
    for j in range(X_train.shape[1]):
        col = np.concatenate([X_train[:, j], X_val[:, j]])
        col = col[np.isfinite(col)]
        if len(col) < 20 or not np.all(col == np.round(col)):
            continue
        n_unique = len(np.unique(col))
        if n_unique >= 0.95 * len(col) and (col.max() - col.min() + 1) <= 2.0 * n_unique:
            out.append(j)
    return out


@register(
    name="preprocessing_leakage.train_only_signal",
    cause="preprocessing_leakage",
    requires=("X_train", "y_train", "X_val", "y_val"),
    description="Features that predict the label far better on training rows than on validation rows.",
)
def train_only_signal(evidence: Evidence) -> list[Finding]:
    """Per-feature label association in each split; identifier-like columns that predict the label."""
    X_train, X_val = splits_of(evidence)
    y_train, y_val = evidence.y_train, evidence.y_val
    assert y_train is not None and y_val is not None
    k = evidence.n_classes
    if k < 2 or len(y_train) < 20 or len(y_val) < 20:
        raise SkipCheck("needs two classes and at least 20 rows per split")
    assoc_t = label_association(X_train, y_train, k)
    assoc_v = label_association(X_val, y_val, k)
    n_t, n_v = association_rows(len(y_train)), association_rows(len(y_val))
    noise_t = association_noise_level(n_t, k)
    z_gap = (_fisher_z(assoc_t) - _fisher_z(assoc_v)) / math.sqrt(1 / max(n_t - 3, 1) + 1 / max(n_v - 3, 1))
    gap = assoc_t - assoc_v
    leaky = np.flatnonzero((z_gap >= _GAP_MIN_Z) & (gap >= 0.05) & (assoc_v < 0.5 * assoc_t))
    retention, _ = association_retained(assoc_t, assoc_v, noise_t)
    ids = [j for j in _identifier_like(X_train, X_val) if max(assoc_t[j], assoc_v[j]) > max(3 * noise_t, 0.02)]

    gap_strength = float(gap[leaky].max(initial=0.0)) / _GAP_REPORTABLE
    misaligned = retention < 0.5
    if misaligned:  # every feature lost its signal: rows misaligned, see pipeline_bug
        gap_strength *= 0.1
    id_strength = max((max(assoc_t[j], assoc_v[j]) for j in ids), default=0.0) / _ID_REPORTABLE
    strength = max(gap_strength, id_strength)
    score = squash(strength, 1.0)
    if score < 0.05:
        return []
    order = sorted(leaky.tolist(), key=lambda j: -float(gap[j]))
    figures: dict[str, float | int | str] = {
        "features_train_only_signal": len(order),
        "identifier_like_features": len(ids),
        "association": "Kruskal-Wallis epsilon² (share of rank variance explained by the label)",
    }
    for rank_, j in enumerate(order[:5], start=1):
        figures[f"leaky_{rank_}"] = f"{name_of(evidence, j)}: train {assoc_t[j]:.3f} vs val {assoc_v[j]:.3f}"
    for rank_, j in enumerate(ids[:3], start=1):
        figures[f"identifier_{rank_}"] = f"{name_of(evidence, j)}: epsilon² {max(assoc_t[j], assoc_v[j]):.3f}"
    if misaligned:
        figures["note"] = "every informative feature lost its signal: more likely misaligned rows (pipeline_bug)"
    names = [name_of(evidence, j) for j in (order if gap_strength >= id_strength else ids)[:3]]
    if gap_strength >= id_strength:
        j = order[0]
        summary = (
            f"{len(order)} feature(s) predict the label on training rows far better than on validation rows "
            f"(most: {names[0]}, epsilon² {assoc_t[j]:.2f} vs {assoc_v[j]:.2f}): they were built with the "
            "training labels."
        )
        fixes = (
            f"Rebuild {', '.join(names)} inside the cross-validation: fit target encodings and statistics "
            "on training folds only (out-of-fold), never on the rows they encode.",
            *cause_info("preprocessing_leakage").fixes[1:],
        )
    else:
        summary = f"Identifier-like column(s) {', '.join(names)} predict the label: rows were ordered by label."
        fixes = (f"Drop {', '.join(names)} from the features.", *cause_info("preprocessing_leakage").fixes[::2])
    plot = (order or ids)[:6]
    data = {
        "features": feature_plot_data(
            X_train,
            X_val,
            evidence.feature_names,
            plot,
            [f"label association train {assoc_t[j]:.2f} / val {assoc_v[j]:.2f}" for j in plot],
            [float(gap[j]) for j in plot],
        )
    }
    return [
        Finding(
            cause="preprocessing_leakage",
            score=score,
            summary=summary,
            evidence=figures,
            fixes=fixes,
            check="preprocessing_leakage.train_only_signal",
            data=data,
        )
    ]


def _row_hashes(X: FloatArray) -> np.ndarray[tuple[int], np.dtype[np.uint64]]:
    """A 64-bit hash of each row's exact values (NaN equals NaN, -0.0 equals 0.0)."""
    clean = np.where(np.isnan(X), np.inf, X) + 0.0
    h = np.full(len(X), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(X.shape[1]):
            bits = np.ascontiguousarray(clean[:, j]).view(np.uint64)
            h = (h ^ (bits + np.uint64(j))) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    return h


def exact_duplicate_pairs(X_train: FloatArray, X_val: FloatArray) -> tuple[IntArray, IntArray]:
    """(train row, val row) of every validation row equal to a training row (first match).

    Examples
    --------
    >>> t = np.array([[1.0, 2.0], [3.0, 4.0]]); v = np.array([[3.0, 4.0], [5.0, 6.0]])
    >>> [a.tolist() for a in exact_duplicate_pairs(t, v)]
    [[1], [0]]
    """
    ht, hv = _row_hashes(X_train), _row_hashes(X_val)
    order = np.argsort(ht, kind="stable")
    pos = np.clip(np.searchsorted(ht[order], hv), 0, len(ht) - 1)
    candidate_train = order[pos]
    val_rows = np.flatnonzero(ht[candidate_train] == hv)
    train_rows = candidate_train[val_rows]
    same = np.all(
        (X_train[train_rows] == X_val[val_rows]) | (np.isnan(X_train[train_rows]) & np.isnan(X_val[val_rows])), axis=1
    )
    return train_rows[same].astype(np.int64), val_rows[same].astype(np.int64)


def _scaled(X: FloatArray, centre: FloatArray, scale: FloatArray, columns: IntArray) -> FloatArray:
    out = (X[:, columns] - centre[columns]) / scale[columns]
    return np.where(np.isfinite(out), out, -1e6)  # missing matches missing only


def near_duplicate_pairs(
    X_train: FloatArray, X_val: FloatArray, tolerance: float = NEAR_TOLERANCE
) -> tuple[IntArray, IntArray, float]:
    """(train row, val row) pairs within ``tolerance`` training sd on every feature, and the
    share of training rows with such a neighbour inside the training split (the natural rate).

    A KD-tree (Chebyshev distance) on at most 8 features finds candidates; candidates are
    verified on every feature.
    """
    observed = ~np.isnan(X_train).all(axis=0)  # a column never observed has no centre or scale
    centre, scale = np.zeros(X_train.shape[1]), np.ones(X_train.shape[1])
    centre[observed] = np.nanmean(X_train[:, observed], axis=0)
    scale[observed] = np.nanstd(X_train[:, observed], axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    distinct = [len(np.unique(X_train[subsample(len(X_train), 5_000), j])) for j in range(X_train.shape[1])]
    columns = np.argsort(distinct, kind="stable")[::-1][:_TREE_FEATURES].astype(np.int64)
    all_columns = np.arange(X_train.shape[1], dtype=np.int64)
    tree = KDTree(_scaled(X_train, centre, scale, columns), metric="chebyshev")

    def verified(queries: FloatArray, query_rows: IntArray) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        if len(query_rows) == 0:
            return found
        q = _scaled(queries[query_rows], centre, scale, columns)
        for row, neighbours in zip(query_rows.tolist(), tree.query_radius(q, r=tolerance), strict=True):
            if len(neighbours) == 0:
                continue
            full_q = _scaled(queries[row : row + 1], centre, scale, all_columns)
            full_t = _scaled(X_train[np.sort(neighbours)], centre, scale, all_columns)
            close = np.flatnonzero(np.abs(full_t - full_q).max(axis=1) <= tolerance)
            found.extend((int(np.sort(neighbours)[i]), row) for i in close)
        return found

    pairs: list[tuple[int, int]] = []
    for start in range(0, len(X_val), 65_536):
        rows = np.arange(start, min(len(X_val), start + 65_536), dtype=np.int64)
        counts = tree.query_radius(_scaled(X_val[rows], centre, scale, columns), r=tolerance, count_only=True)
        hit = rows[counts > 0]
        first: dict[int, tuple[int, int]] = {}
        for t, v in verified(X_val, hit):
            first.setdefault(v, (t, v))
        pairs.extend(first[v] for v in sorted(first))
    base_rows = subsample(len(X_train), _BASELINE_ROWS, seed=3)
    with_neighbour = {t2 for t, t2 in verified(X_train, base_rows) if t != t2}
    natural = len(with_neighbour) / max(len(base_rows), 1)
    train_rows = np.asarray([p[0] for p in pairs], dtype=np.int64)
    val_rows = np.asarray([p[1] for p in pairs], dtype=np.int64)
    return train_rows, val_rows, natural


@register(
    name="preprocessing_leakage.duplicates",
    cause="preprocessing_leakage",
    requires=("X_train", "X_val"),
    description="Validation rows that are exact or near copies of training rows.",
)
def duplicates(evidence: Evidence) -> list[Finding]:
    """Exact (hashing) and near (KD-tree radius search) duplicates across the splits."""
    X_train, X_val = splits_of(evidence)
    exact_t, exact_v = exact_duplicate_pairs(X_train, X_val)
    near_t, near_v, natural = near_duplicate_pairs(X_train, X_val)
    exact_val = set(exact_v.tolist())
    near_only = [(int(t), int(v)) for t, v in zip(near_t, near_v, strict=True) if int(v) not in exact_val]
    n_dup_val = len(exact_val) + len(near_only)
    share = n_dup_val / len(X_val)
    excess = max(0.0, share - natural)
    score = squash(excess / _EXCESS_DUPLICATES_REPORTABLE, 1.0)
    if score < 0.05:
        return []
    pairs = [(int(t), int(v), "exact") for t, v in zip(exact_t, exact_v, strict=True)] + [
        (t, v, "near") for t, v in near_only
    ]
    rows = list(dict.fromkeys(p[0] for p in pairs))
    figures: dict[str, float | int | str] = {
        "val_rows_exact_duplicates": len(exact_val),
        "val_rows_near_duplicates": len(near_only),
        "val_share_duplicated": round(share, 4),
        "train_share_duplicated_within_train": round(natural, 4),
        "train_rows_duplicated_in_val": len(rows),
        "near_tolerance_train_sd": NEAR_TOLERANCE,
        "duplicate_pairs": "; ".join(f"train {t} = val {v} ({kind})" for t, v, kind in pairs[:10]),
    }
    summary = (
        f"{n_dup_val} validation rows ({share:.1%}) are copies of training rows ({len(exact_val)} exact, "
        f"{len(near_only)} near), against {natural:.1%} duplicated within training: validation partly "
        "measures memorisation."
    )
    fixes = (
        "De-duplicate before splitting, or split by group (a GroupKFold on the entity id) so copies of "
        "one entity stay in one split.",
        "Drop the listed validation rows and re-measure the validation metric.",
    )
    return [
        Finding(
            cause="preprocessing_leakage",
            score=score,
            summary=summary,
            evidence=figures,
            fixes=fixes,
            rows=tuple(rows),
            check="preprocessing_leakage.duplicates",
        )
    ]
