"""The rows confident learning flags, over every training row: top candidates per partition, merged.

After the confident joint is merged (pass B), each off-diagonal cell ``(k, j)`` of the
calibrated joint says how many rows labelled ``k`` to flag: the ``quota[k, j]`` rows with the
largest margin ``p_j - p_k`` (as
:func:`~gapdoctor.causes.label_noise.confident_learning.find_label_issues` prunes). Each
partition returns its own top ``quota[k, j]`` candidates per cell (pass C, labels and
probabilities only); the candidates of a few partitions at a time are merged into a running
top list per cell, so the memory held is bounded by the quotas, never by the rows. The flagged
rows are the union over cells, less the rows whose most probable class is their given label.

The result is the number of flagged rows over the whole split and, with ``sources_train``,
the flag rate of each source (what ``pseudo_label_noise`` compares).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import THRESHOLD_TOLERANCE
from gapdoctor.scale.passes import LabelCoding, labels_of, probabilities_of, renormalised
from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = ["PARTITIONS_PER_MERGE", "FlaggedRows", "merge_flags", "pass_c"]

PARTITIONS_PER_MERGE = 4
"""Partitions whose candidates are gathered at once before merging into the running top lists:
the client holds at most this many partitions' candidates besides the lists themselves (two
per worker of the default cluster keeps both busy)."""


def pass_c(
    roles: dict[str, Any],
    coding: LabelCoding,
    renormalise: bool,
    quota: IntArray,
    bars: FloatArray,
    start: int,
    sources: NDArray[Any],
) -> dict[tuple[int, int], dict[str, NDArray[Any]]]:
    """One partition's top candidates for each cell with a quota (rows numbered in the split).

    ``bars[k, j]``: the smallest margin still in the running top list of a full cell (a
    candidate below it can never enter), ``-inf`` while the list is not full.
    """
    given = coding.encode(labels_of(roles["y"]))
    p = probabilities_of(roles["probs"])
    if renormalise:
        p = renormalised(p, clip=bool(p.min() < 0.0 or p.max() > 1.0))
    source_ids = (
        np.searchsorted(sources, labels_of(roles["sources"]).astype(str))
        if "sources" in roles and len(sources)
        else np.zeros(len(given), dtype=np.int64)
    )
    out: dict[tuple[int, int], dict[str, NDArray[Any]]] = {}
    for k, j in np.argwhere(quota > 0):
        members = np.flatnonzero(given == k)
        margin = p[members, j] - p[members, k]
        if np.isfinite(bars[k, j]):
            above = margin >= bars[k, j]
            members, margin = members[above], margin[above]
        if not len(members):
            continue
        keep = int(min(quota[k, j], len(members)))
        if keep < len(members):
            top = np.argpartition(-margin, keep - 1)[:keep]
            members, margin = members[top], margin[top]
        chosen = p[members]
        suggested = chosen.argmax(axis=1)
        out[(int(k), int(j))] = {
            "margin": margin,
            "row": members.astype(np.int64) + start,
            "suggested": suggested.astype(np.int64),
            "gap": chosen[np.arange(len(members)), suggested] - chosen[np.arange(len(members)), k],
            "source": source_ids[members].astype(np.int64),
        }
    return out


def _top(cell: dict[str, NDArray[Any]], size: int) -> dict[str, NDArray[Any]]:
    if len(cell["margin"]) <= size:
        return cell
    top = np.argpartition(-cell["margin"], size - 1)[:size]
    return {name: values[top] for name, values in cell.items()}


@dataclass(frozen=True)
class FlaggedRows:
    """The flagged training rows over the whole split, most suspicious first, and their sources."""

    rows: IntArray
    suggested: IntArray
    margin: FloatArray
    source: IntArray


def merge_flags(
    compute: Callable[[list[tuple[Any, ...]]], list[dict[tuple[int, int], dict[str, NDArray[Any]]]]],
    call: Callable[[int, FloatArray], tuple[Any, ...]],
    n_partitions: int,
    quota: IntArray,
) -> FlaggedRows:
    """Run :func:`pass_c` over the partitions a few at a time, keeping each cell's top ``quota`` rows.

    ``call(i, bars)`` gives the arguments of partition ``i``'s pass; the bars rise as the
    top lists fill, so later partitions send only the candidates that can still enter.
    """
    best: dict[tuple[int, int], dict[str, NDArray[Any]]] = {}
    bars = np.full(quota.shape, -np.inf)
    for first in range(0, n_partitions, PARTITIONS_PER_MERGE):
        batch = [call(i, bars.copy()) for i in range(first, min(first + PARTITIONS_PER_MERGE, n_partitions))]
        for result in compute(batch):
            for cell, found in result.items():
                held = best.get(cell)
                joined = found if held is None else {n: np.concatenate([held[n], found[n]]) for n in found}
                best[cell] = _top(joined, int(quota[cell]))
        for cell, held in best.items():
            if len(held["margin"]) >= quota[cell]:
                bars[cell] = float(held["margin"].min())
    if not best:
        empty = np.zeros(0, dtype=np.int64)
        return FlaggedRows(empty, empty, empty.astype(float), empty)
    union = {n: np.concatenate([cell[n] for cell in best.values()]) for n in ("row", "suggested", "gap", "source")}
    rows, first_seen = np.unique(union["row"], return_index=True)
    suggested, gap, source = (union[n][first_seen] for n in ("suggested", "gap", "source"))
    keep = gap > THRESHOLD_TOLERANCE  # the model's top class must not be the given label
    rows, suggested, gap, source = rows[keep], suggested[keep], gap[keep], source[keep]
    order = np.lexsort((rows, -gap))
    return FlaggedRows(rows[order], suggested[order], gap[order], source[order])
