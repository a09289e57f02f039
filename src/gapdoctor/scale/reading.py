"""Reading Dask inputs: two passes per split on the scheduler, merged statistics, a uniform sample.

:func:`read_partitioned` runs :func:`~gapdoctor.scale.passes.pass_a` then
:func:`~gapdoctor.scale.passes.pass_b` over every partition of each split given as Dask
collections, merges what the partitions return into
:class:`~gapdoctor.scale.exact.ExactStatistics` (over all rows), and gathers a uniform
sample of at most :data:`SAMPLE_ROWS` rows per split: the in-memory arguments the
checks that need rows then run on. A split that fits (at most ``SAMPLE_ROWS`` rows) is
read whole, so its checks see exactly what the in-memory path sees.
"""

from __future__ import annotations

import importlib
import logging
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any

import numpy as np

from gapdoctor.causes.label_noise.confident_learning import calibrated_quota
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.dask_inputs import SPLITS, SplitPartitions, split_partitions
from gapdoctor.inputs.labels import encode_labels, label_array
from gapdoctor.inputs.probabilities import PROB_RANGE_TOLERANCE, PROB_SUM_TOLERANCE
from gapdoctor.scale.exact import ExactStatistics, SplitStatistics
from gapdoctor.scale.flagged import FlaggedRows, merge_flags, pass_c
from gapdoctor.scale.passes import PASS_B_ROLES, LabelCoding, pass_a, pass_b
from gapdoctor.scale.scheduler import dask_scheduler
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.partition_stats import KeyedCounts, partition_positions

__all__ = ["SAMPLE_ROWS", "ScaledInputs", "read_partitioned"]

SAMPLE_ROWS = 1_000_000
"""Rows per split read into memory for the checks that need row arrays (the domain classifier,
per-feature tests, flagged rows...). Each check then reads within its own budget
(:mod:`gapdoctor.stats.budget`), all of them at most a few hundred thousand rows but the
label pass, so 1M rows lose nothing the checks would read, and stay ~200 MB at 20 features."""

_LOG = logging.getLogger("gapdoctor.scale")
_MIN_THRESHOLD = 2e-6  # as confident_learning: a threshold of 0 would make every class confident


@dataclass(frozen=True)
class ScaledInputs:
    """The in-memory arguments to diagnose (a uniform sample of each Dask split) and the exact statistics."""

    arguments: dict[str, Any]
    exact: ExactStatistics


def _roles(parts: SplitPartitions) -> list[dict[str, Any]]:
    """One mapping role -> block per partition."""
    return [{_role_of(n): blocks[i] for n, blocks in parts.blocks.items()} for i in range(parts.n_partitions)]


def _dask() -> Any:
    """``dask`` (untyped: held as Any)."""
    return importlib.import_module("dask")


def _compute(function: Any, calls: list[tuple[Any, ...]]) -> list[Any]:
    """``function(*args)`` for each call, as one Dask computation on the current scheduler.

    Its wall time is logged (``gapdoctor.scale`` logger, DEBUG) for the benchmark.
    """
    started = time.perf_counter()
    try:
        return _computed(function, calls)
    finally:
        name = getattr(function, "__name__", "len")
        _LOG.debug("%s over %d partitions: %.1f s", name, len(calls), time.perf_counter() - started)


def _computed(function: Any, calls: list[tuple[Any, ...]]) -> list[Any]:
    dask = _dask()
    tasks = [dask.delayed(function, pure=True)(*args) for args in calls]
    with warnings.catch_warnings():  # dask's own readers warn of pandas deprecations the user cannot act on
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"dask(\.|$)")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"dask(\.|$)")
        # the validation hashes and the sample positions travel once in the graph, by design (~16 MB per 1M rows)
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        return list(dask.compute(*tasks))


def _merge(results: list[dict[str, Any]], key: str) -> Any:
    values = [r[key] for r in results if key in r]
    return reduce(lambda a, b: a.merge(b), values) if values else None


def _check_alignment(split: str, parts: SplitPartitions, results: list[dict[str, Any]]) -> None:
    for i, result in enumerate(results):
        if "misaligned" in result:
            names = {_role_of(n): n for n in parts.blocks}
            listed = ", ".join(f"{names[r]}: {n}" for r, n in result["misaligned"].items())
            raise GapdoctorInputError(
                ", ".join(parts.blocks),
                f"partition {i} of the {split} split has different row counts ({listed})",
                "give the arguments of one split the same partitions (take them from one Dask DataFrame)",
            )


def _check_probabilities(name: str, results: list[dict[str, Any]]) -> bool:
    """The door's probability checks over every partition; whether the door would renormalise."""
    ranges = [r["probs_range"] for r in results if "probs_range" in r]
    if not ranges:
        return False
    if not all(finite for finite, _, _ in ranges):
        raise GapdoctorInputError(name, "contains NaN or infinite values", "check the model's outputs")
    low, high = min(r[1] for r in ranges), max(r[2] for r in ranges)
    if low < -PROB_RANGE_TOLERANCE or high > 1 + PROB_RANGE_TOLERANCE:
        raise GapdoctorInputError(
            name,
            f"holds values outside [0, 1] (min {low:.3g}, max {high:.3g}); these look like logits",
            "apply softmax (or sigmoid for one binary column) before passing them",
        )
    off = max(r["probs_sum_off"] for r in results if "probs_sum_off" in r)
    if off > PROB_SUM_TOLERANCE:
        raise GapdoctorInputError(
            name, f"rows must sum to 1; a row sums {off:.4g} away from 1", "pass normalised probabilities"
        )
    return any(r.get("renormalise", False) for r in results)


def _coding(labels: dict[str, KeyedCounts], n_columns: int | None) -> LabelCoding | None:
    if not labels:
        return None
    keys = np.unique(np.concatenate([c.keys for c in labels.values()]))
    known = {s: label_array(f"y_{s}", keys) for s in labels}
    classes, train_ids, val_ids = encode_labels(known.get("train"), known.get("val"), n_columns)
    ids = train_ids if train_ids is not None else val_ids
    assert ids is not None  # one split at least has labels
    return LabelCoding(keys, ids, max(len(classes), n_columns or 0))


def _thresholds(prob_sums: KeyedCounts, coding: LabelCoding, counts: KeyedCounts) -> FloatArray:
    """Per-class mean self-confidence, from the merged per-label probability sums."""
    k = coding.n_classes
    self_sum, label_counts = np.zeros(k), np.zeros(k, dtype=np.int64)
    ids = coding.encode(prob_sums.keys)
    self_sum[ids] = prob_sums.values[np.arange(len(ids)), ids]
    label_counts[coding.encode(counts.keys)] = counts.values
    thresholds = np.where(label_counts > 0, self_sum / np.maximum(label_counts, 1), 2.0)
    return np.asarray(np.maximum(thresholds, _MIN_THRESHOLD), dtype=np.float64)


def _sampled(parts: SplitPartitions, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The sample of each argument of the split, concatenated over partitions."""
    out: dict[str, Any] = {}
    for name in parts.blocks:
        pieces = [r["sample"][_role_of(name)] for r in results]
        if hasattr(pieces[0], "iloc"):
            import pandas as pd

            out[name] = pd.concat(pieces, ignore_index=True)
        else:
            out[name] = np.concatenate([np.asarray(p) for p in pieces])
    return out


def _role_of(name: str) -> str:
    if name.startswith("X_"):
        return "X"
    if name.startswith("y_"):
        return "y"
    if name.endswith("_probs"):
        return "probs"
    return "groups" if name.startswith("groups_") else "sources"


def _lengths(split: str, arguments: Mapping[str, Any]) -> IntArray:
    """Rows per partition, counted on the narrowest argument (labels, else the first given)."""
    narrow = next((n for n in SPLITS[split] if n.startswith("y_") and arguments.get(n) is not None), None)
    parts = split_partitions(split, arguments, only=(narrow,) if narrow else ())
    assert parts is not None
    blocks = next(iter(parts.blocks.values()))
    return np.asarray(_compute(len, [(block,) for block in blocks]), dtype=np.int64)


def _pass_a(
    parts: SplitPartitions, lengths: IntArray, sample_rows: int, keep_hashes: bool, val_hashes: Any
) -> tuple[Any, ...]:
    rows, positions = partition_positions(lengths, sample_rows)
    shared = _dask().delayed(val_hashes, pure=True)  # one copy in the graph, not one per partition
    if len(lengths) != parts.n_partitions:
        raise GapdoctorInputError(
            ", ".join(parts.blocks),
            f"the labels of the {parts.split} split come in {len(lengths)} partitions, the other arguments "
            f"in {parts.n_partitions}",
            "give the arguments of one split the same partitions (take them from one Dask DataFrame)",
        )
    calls = [(roles, positions[i], keep_hashes, shared) for i, roles in enumerate(_roles(parts))]
    results = _compute(pass_a, calls)
    _check_alignment(parts.split, parts, results)
    return rows, results


def _flagged(
    arguments: Mapping[str, Any],
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
    coding: LabelCoding,
    renormalise: bool,
) -> FlaggedRows:
    """Pass C: the flagged rows over every training row, with the quotas of the merged joint."""
    joint_counts = reduce(lambda a, b: a + b, [r["confident_joint"] for r in second])
    unconfident = reduce(lambda a, b: a + b, [r["unconfident"] for r in second])
    _, quota = calibrated_quota(joint_counts, joint_counts.sum(axis=1) + unconfident)
    sources = _merge(first, "sources")
    source_keys = np.zeros(0, dtype=str) if sources is None else sources.keys
    parts = split_partitions("train", arguments, only=("y_train", "train_probs", "sources_train"))
    assert parts is not None
    starts = np.concatenate([[0], np.cumsum([r["rows"] for r in first])])
    roles = _roles(parts)

    def call(i: int, bars: FloatArray) -> tuple[Any, ...]:
        return (roles[i], coding, renormalise, quota, bars, int(starts[i]), source_keys)

    return merge_flags(partial(_compute, pass_c), call, len(roles), quota)


def read_partitioned(arguments: Mapping[str, Any], sample_rows: int | None = None) -> ScaledInputs:
    """Read the Dask arguments partition by partition; the sampled arguments and exact statistics.

    ``sample_rows`` defaults to :data:`SAMPLE_ROWS` (read when called).
    """
    sample_rows = SAMPLE_ROWS if sample_rows is None else sample_rows
    splits = {s: p for s in SPLITS if (p := split_partitions(s, arguments)) is not None}
    first: dict[str, list[dict[str, Any]]] = {}
    samples: dict[str, IntArray] = {}
    with dask_scheduler() as where:
        val_hashes = None
        if "val" in splits:  # first: its row hashes are what the training rows are matched against
            hash_val = arguments.get("X_train") is not None
            lengths = _lengths("val", arguments)
            samples["val"], first["val"] = _pass_a(splits["val"], lengths, sample_rows, hash_val, None)
            if hash_val:
                hashes = [r["hashes"] for r in first["val"] if "hashes" in r]
                val_hashes = np.unique(np.concatenate(hashes)) if hashes else None
        if "train" in splits:
            lengths = _lengths("train", arguments)
            samples["train"], first["train"] = _pass_a(splits["train"], lengths, sample_rows, False, val_hashes)
        labels = {s: m for s, r in first.items() if (m := _merge(r, "labels")) is not None}
        columns = {r["probs_columns"] for rs in first.values() for r in rs if "probs_columns" in r}
        coding = _coding(labels, max(columns) if columns else None)
        renormalise = {s: _check_probabilities(f"{s}_probs", r) for s, r in first.items()}
        thresholds = None
        if "train" in first and coding is not None:
            key = "prob_sums_renormalised" if renormalise["train"] else "prob_sums"
            train_sums = _merge(first["train"], key)
            thresholds = None if train_sums is None else _thresholds(train_sums, coding, labels["train"])
        second: dict[str, list[dict[str, Any]]] = {s: [] for s in splits}
        for s in splits:
            narrow = split_partitions(s, arguments, only=tuple(n for n in SPLITS[s] if _role_of(n) in PASS_B_ROLES))
            roles = [] if narrow is None else _roles(narrow)
            if coding is not None and roles and {"y", "probs"} <= set(roles[0]):
                limits = thresholds if s == "train" else None
                second[s] = _compute(pass_b, [(r, coding, renormalise[s], limits) for r in roles])
        flags = None
        if coding is not None and "train" in first and second["train"]:
            flags = _flagged(arguments, first["train"], second["train"], coding, renormalise["train"])
    sampled: dict[str, Any] = {}
    split_stats: dict[str, SplitStatistics] = {}
    for s, parts in splits.items():
        sampled.update(_sampled(parts, first[s]))
        split_stats[s] = SplitStatistics.merged(s, parts, first[s], second[s], samples[s])
    exact = ExactStatistics.merged(split_stats, coding, thresholds, where, flags)
    return ScaledInputs(sampled, exact)
