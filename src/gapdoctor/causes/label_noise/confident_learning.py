"""Confident learning, written natively: which training labels are likely wrong.

Shared by the ``label_noise`` and ``pseudo_label_noise`` checks (and the benchmark).
The method is Northcutt, Jiang & Chuang (2021), "Confident learning: estimating
uncertainty in dataset labels", on out-of-sample predicted probabilities:

1. Per-class threshold ``t_k`` = the mean probability of class ``k`` over the rows
   labelled ``k`` (the class's average self-confidence).
2. Each row's *confident class* is the class whose probability reaches its threshold
   (the most probable one when several do); rows reaching no threshold are not counted.
   The confident joint counts (given label, confident class) pairs.
3. Each row of the confident joint is rescaled to the number of rows with that given
   label (calibration): ``joint[k, j]`` estimates how many rows labelled ``k`` truly
   belong to ``j``. The off-diagonal mass over the row count is the noise rate.
4. Pruning by noise rate: for each off-diagonal cell, the ``joint[k, j]`` rows labelled
   ``k`` with the largest margin ``p_j - p_k`` are flagged; a flagged row whose most
   probable class is its given label is then released (the model must disagree).
   Flagged rows are ranked by normalised margin ``max_{j!=k} p_j - p_k``, largest first.

This is the selection cleanlab's ``find_label_issues`` makes by default
(``filter_by="prune_by_noise_rate"``); the benchmark (``benchmarks/label_noise.py``)
compares the two on the same probabilities.

Three streamed passes over row chunks (thresholds; confident joint; pruning), each
keeping only mergeable counts (k-vectors, k x k matrices) or, for pruning, each class
pair's top ``quota`` rows in a fixed-size buffer (:class:`_TopMargins`); no N x N or
full N x k temporary is built beyond one chunk. The probabilities are read as given
(float32 included) and renormalised one chunk at a time when they need it
(:func:`gapdoctor.inputs.probabilities.probability_rows`), which gives the same values
as renormalising the whole array first; ``benchmarks/budget.py --scale`` measures it
against cleanlab from 1M to 20M rows.

The interval on the noise rate is a Poisson bootstrap of the counts the estimate is
made of (confident joint cells and unconfident rows per label), thresholds held fixed:
cheap (B x k^2, whatever the number of rows), mergeable like the counts, and it
reflects the calibration step, not just binomial noise on the flag count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.top_margins import _TopMargins, top_by_margin
from gapdoctor.inputs.probabilities import needs_renormalising, probability_rows
from gapdoctor.stats.accumulators import ConfusionCounts
from gapdoctor.stats.array_types import FloatArray, IntArray, ProbabilityArray

__all__ = [
    "THRESHOLD_TOLERANCE",
    "LabelIssues",
    "assemble",
    "calibrated_quota",
    "class_thresholds",
    "find_label_issues",
    "joint_noise_rate",
    "row_chunks",
    "top_by_margin",
]


THRESHOLD_TOLERANCE = 1e-6  # a probability within this of its threshold reaches it
_MIN_THRESHOLD = 2e-6  # as cleanlab: a threshold of 0 would make every class confident
_BOOTSTRAP_DRAWS = 1000


def row_chunks(n_rows: int, chunk_rows: int) -> Iterator[slice]:
    """Slices of at most ``chunk_rows`` rows covering ``range(n_rows)``."""
    for start in range(0, n_rows, chunk_rows):
        yield slice(start, min(n_rows, start + chunk_rows))


@dataclass(frozen=True)
class LabelIssues:
    """The confident-learning estimate for one labelled split.

    Parameters
    ----------
    thresholds : ndarray of shape (k,)
        Per-class confidence thresholds (mean self-confidence).
    confident_joint : ndarray of int of shape (k, k)
        Raw counts: rows = given label, columns = confident class.
    unconfident : ndarray of int of shape (k,)
        Rows of each given label that reach no class threshold.
    joint : ndarray of shape (k, k)
        Calibrated joint counts: rows = given label, columns = estimated true label;
        row ``k`` sums to the number of rows labelled ``k``.
    rows : ndarray of int
        Flagged rows, most suspicious first (largest normalised margin).
    suggested : ndarray of int
        Most probable other class of each flagged row.
    self_confidence : ndarray
        Probability of the given label of each flagged row.
    suggested_probability : ndarray
        Probability of the suggested class of each flagged row.
    margin : ndarray
        Normalised margin ``max_{j != given} p_j - p_given`` of each flagged row.
    noise_rate : float
        Estimated fraction of wrong labels (its interval: :meth:`noise_rate_interval`).
    """

    thresholds: FloatArray
    confident_joint: IntArray
    unconfident: IntArray
    joint: FloatArray
    rows: IntArray
    suggested: IntArray
    self_confidence: FloatArray
    suggested_probability: FloatArray
    margin: FloatArray
    noise_rate: float

    def noise_rate_interval(self, *, seed: int = 0) -> tuple[float, float]:
        """95% bootstrap interval of :attr:`noise_rate` (see the module docstring)."""
        return _bootstrap_interval(self.confident_joint, self.unconfident, seed)

    @property
    def n_rows(self) -> int:
        """Number of labelled rows the estimate is made from."""
        return int(self.label_counts.sum())

    @property
    def label_counts(self) -> IntArray:
        """Rows per given label."""
        return np.asarray(self.confident_joint.sum(axis=1) + self.unconfident, dtype=np.int64)

    @property
    def noise_matrix(self) -> IntArray:
        """The calibrated joint in whole rows (given label x estimated true label); rows keep their totals."""
        return _round_preserving_row_totals(self.joint)


def _calibrate(confident_joint: FloatArray, label_counts: FloatArray) -> FloatArray:
    """Rescale each row of the confident joint (one or a batch) to its label count."""
    joint = confident_joint.astype(np.float64)
    diagonal = np.einsum("...kk->...k", joint)
    diagonal[...] = np.maximum(diagonal, 1.0)  # every class keeps one correct row
    row_sums = joint.sum(axis=-1, keepdims=True)
    return np.asarray(joint / row_sums * label_counts[..., :, None], dtype=np.float64)


def joint_noise_rate(joint: FloatArray) -> FloatArray:
    total = joint.sum(axis=(-2, -1))
    diagonal = np.einsum("...kk->...k", joint).sum(axis=-1)
    return np.asarray(1.0 - diagonal / np.maximum(total, 1e-12), dtype=np.float64)


def _bootstrap_interval(confident_joint: IntArray, unconfident: IntArray, seed: int) -> tuple[float, float]:
    """95% interval of the noise rate by a Poisson bootstrap of the cell counts."""
    k = len(unconfident)
    cells = np.concatenate([confident_joint, unconfident[:, None]], axis=1).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.poisson(cells, size=(_BOOTSTRAP_DRAWS, k, k + 1)).astype(np.float64)
    rates = joint_noise_rate(_calibrate(draws[:, :, :k], draws.sum(axis=2)))
    low, high = np.quantile(rates, [0.025, 0.975])
    return float(low), float(high)


def _round_preserving_row_totals(joint: FloatArray) -> IntArray:
    """Round each row to whole rows, keeping its total (as cleanlab's ``round_preserving_sum``)."""
    out = np.rint(joint)
    for r, row in enumerate(joint):
        missing = int(np.rint(row.sum()) - out[r].sum())
        if missing:
            by_remainder = np.argsort(row - out[r])  # smallest remainder first
            chosen = by_remainder[::-1][:missing] if missing > 0 else by_remainder[:-missing]
            out[r, chosen] += np.sign(missing)
    return out.astype(np.int64)


Chunk = slice | IntArray
"""Rows read at a time, in the split's numbering: a slice of the split, or sorted row ids of a sample."""


def _chunks(n_rows: int, chunk_rows: int, rows: IntArray | None) -> list[Chunk]:
    if rows is None:
        return list(row_chunks(n_rows, chunk_rows))
    return [rows[part] for part in row_chunks(len(rows), chunk_rows)]


def _positions(chunk: Chunk, members: IntArray) -> IntArray:
    """Split row ids of the chunk's ``members`` (positions within the chunk)."""
    if isinstance(chunk, slice):
        return members + int(chunk.start)
    return np.asarray(chunk[members], dtype=np.int64)


def _self_confidence(
    y: IntArray, probs: ProbabilityArray, chunks: list[Chunk], k: int
) -> tuple[FloatArray, IntArray, bool]:
    """Per-class sum of self-confidence and row count, and whether the rows are read renormalised.

    Read as given until a chunk turns out to need renormalising (a float32 array: the
    first chunk); then the pass restarts renormalised, as if the whole array had been
    renormalised first (:func:`gapdoctor.inputs.probabilities.needs_renormalising`).
    """
    renormalise = False
    while True:
        self_sum = np.zeros(k)
        label_counts = np.zeros(k, dtype=np.int64)
        for chunk in chunks:
            p = probability_rows(probs, chunk, renormalise=renormalise)
            if not renormalise and needs_renormalising(p):
                break
            given = y[chunk]
            self_sum += np.bincount(given, weights=p[np.arange(len(given)), given], minlength=k)
            label_counts += np.bincount(given, minlength=k)
        else:
            return self_sum, label_counts, renormalise
        renormalise = True


def _row_counts(flags: NDArray[np.bool_]) -> IntArray:
    """True values per row; a product over the bytes (3x faster than ``sum(axis=1)`` over few columns)."""
    if flags.shape[1] < 256:  # a uint8 count cannot overflow
        return np.asarray(flags.view(np.uint8) @ np.ones(flags.shape[1], dtype=np.uint8), dtype=np.int64)
    return np.asarray(np.count_nonzero(flags, axis=1), dtype=np.int64)


def _confident_joint(
    y: IntArray, probs: ProbabilityArray, chunks: list[Chunk], thresholds: FloatArray, renormalise: bool
) -> tuple[IntArray, IntArray]:
    """Counts of (given label, confident class), and rows of each label reaching no threshold."""
    k = len(thresholds)
    counts = ConfusionCounts(k)
    unconfident = np.zeros(k, dtype=np.int64)
    for chunk in chunks:
        p = probability_rows(probs, chunk, renormalise=renormalise)
        reached = p >= thresholds - THRESHOLD_TOLERANCE
        n_reached = _row_counts(reached)
        confident_class = reached.argmax(axis=1)
        several = np.flatnonzero(n_reached > 1)
        confident_class[several] = p[several].argmax(axis=1)  # the most probable of the classes reached
        has = n_reached > 0
        given = y[chunk]
        counts.update(given[has], confident_class[has])
        unconfident += np.bincount(given[~has], minlength=k)
    return counts.matrix, unconfident


def _prune_by_noise_rate(
    y: IntArray, probs: ProbabilityArray, quota: IntArray, chunks: list[Chunk], renormalise: bool
) -> IntArray:
    """Rows in the top ``quota[k, j]`` by margin ``p_j - p_k`` among rows labelled ``k``, for each cell.

    Each cell keeps a fixed-size top list (:class:`_TopMargins`): one streaming pass,
    memory bounded by the number of rows flagged, never the number of rows.
    """
    cells = [(int(k), int(j)) for k, j in np.argwhere(quota > 0)]
    best = {cell: _TopMargins(int(quota[cell])) for cell in cells}
    by_label: dict[int, list[int]] = {}
    for k, j in cells:
        by_label.setdefault(k, []).append(j)
    for chunk in chunks:
        given = y[chunk]
        p_chunk: FloatArray | None = None
        for k, others in by_label.items():
            members = np.flatnonzero(given == k)
            if not len(members):
                continue
            if p_chunk is None:
                p_chunk = probability_rows(probs, chunk, renormalise=renormalise)
            p = p_chunk[members]
            margins = np.ascontiguousarray((p[:, others] - p[:, k : k + 1]).T)  # one row per other class j
            positions = _positions(chunk, members)
            for j, margin in zip(others, margins, strict=True):
                best[k, j].add(margin, positions)
    flagged = np.zeros(len(y), dtype=bool)  # one bit per row: the union of the cells
    for cell in cells:
        flagged[best[cell].result()] = True
    return np.flatnonzero(flagged).astype(np.int64)


def _flagged_rows(
    y: IntArray, probs: ProbabilityArray, flagged: IntArray, chunk_rows: int, renormalise: bool
) -> tuple[FloatArray, IntArray, FloatArray]:
    """Self-confidence, most probable class and its probability of the flagged rows, read in chunks."""
    self_conf, suggested, suggested_probability = (
        np.empty(len(flagged)),
        np.empty(len(flagged), np.int64),
        np.empty(len(flagged)),
    )
    for part in row_chunks(len(flagged), chunk_rows):
        chosen = probability_rows(probs, flagged[part], renormalise=renormalise)
        local = np.arange(len(chosen))
        self_conf[part] = chosen[local, y[flagged[part]]]
        suggested[part] = chosen.argmax(axis=1)
        suggested_probability[part] = chosen[local, suggested[part]]
    return self_conf, suggested, suggested_probability


def find_label_issues(
    y: IntArray, probs: ProbabilityArray, *, chunk_rows: int = 65_536, rows: IntArray | None = None
) -> LabelIssues:
    """Estimate which labels are wrong from out-of-sample probabilities.

    Parameters
    ----------
    y : ndarray of int of shape (n,)
        Given labels, encoded ``0..k-1``.
    probs : ndarray of float32 or float64 of shape (n, k)
        Out-of-sample predicted probabilities, validated (each row sums to 1 within
        :data:`gapdoctor.inputs.probabilities.PROB_SUM_TOLERANCE`); read one chunk at a time, and
        renormalised chunk by chunk when they need it (never copied whole).
    chunk_rows : int, default=65536
        Rows per chunk.
    rows : ndarray of int, optional
        Sorted row ids to read (a sample); every row when omitted. The result numbers
        rows as ``y`` does either way.

    Returns
    -------
    LabelIssues

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> p = np.array([[.9, .1], [.8, .2], [.1, .9], [.2, .8], [.1, .9], [.3, .7]])
    >>> find_label_issues(y, p).rows.tolist()  # row 2 is labelled 0, predicted 1
    [2]
    """
    n, k = probs.shape
    chunks = _chunks(n, chunk_rows, rows)
    self_sum, label_counts, renormalise = _self_confidence(y, probs, chunks, k)
    thresholds = class_thresholds(self_sum, label_counts)
    confident_joint, unconfident = _confident_joint(y, probs, chunks, thresholds, renormalise)
    joint, quota = calibrated_quota(confident_joint, label_counts)
    flagged = _prune_by_noise_rate(y, probs, quota, chunks, renormalise)
    self_conf, suggested, suggested_probability = _flagged_rows(y, probs, flagged, chunk_rows, renormalise)
    return assemble(
        thresholds, confident_joint, unconfident, joint, flagged, (self_conf, suggested, suggested_probability)
    )


def class_thresholds(self_sum: FloatArray, label_counts: IntArray) -> FloatArray:
    """Per-class thresholds from the per-class self-confidence sums and row counts (2.0: a class with no rows)."""
    thresholds = np.where(label_counts > 0, self_sum / np.maximum(label_counts, 1), 2.0)
    return np.asarray(np.maximum(thresholds, _MIN_THRESHOLD), dtype=np.float64)


def calibrated_quota(confident_joint: IntArray, label_counts: IntArray) -> tuple[FloatArray, IntArray]:
    """The calibrated joint, and each off-diagonal cell's number of rows to flag (diagonal 0)."""
    joint = _calibrate(confident_joint.astype(np.float64), label_counts.astype(np.float64))
    quota = _round_preserving_row_totals(joint)
    np.fill_diagonal(quota, 0)
    return joint, quota


def assemble(
    thresholds: FloatArray,
    confident_joint: IntArray,
    unconfident: IntArray,
    joint: FloatArray,
    flagged: IntArray,
    flagged_values: tuple[FloatArray, IntArray, FloatArray],
) -> LabelIssues:
    """The result from the counts and the flagged rows' (self-confidence, top class, its probability)."""
    self_conf, suggested, suggested_probability = flagged_values
    margin = suggested_probability - self_conf
    kept = np.flatnonzero(margin > THRESHOLD_TOLERANCE)  # the model's top class must not be the given label
    order = kept[np.lexsort((flagged[kept], -margin[kept]))]
    del kept
    # gathered one array at a time, each source freed as its ordered copy is made: the peak stays near one copy
    flagged = flagged[order]
    suggested = suggested[order]
    self_conf = self_conf[order]
    suggested_probability = suggested_probability[order]
    margin = margin[order]
    return LabelIssues(
        thresholds=thresholds,
        confident_joint=confident_joint,
        unconfident=unconfident,
        joint=joint,
        rows=flagged,
        suggested=suggested,
        self_confidence=self_conf,
        suggested_probability=suggested_probability,
        margin=margin,
        noise_rate=float(joint_noise_rate(joint)),
    )
