"""Confident learning on a torch tensor, on the tensor's own device (a GPU when it is on one).

The same three streamed passes as :mod:`gapdoctor.causes.label_noise.confident_learning`
(thresholds; confident joint; pruning by noise rate), written with torch ops so that a
CUDA tensor is never copied whole to the host: each pass reads bounded row chunks on the
device, and only k-vectors, k x k counts and the flagged rows come back. The definitions
are shared with the numpy pass, so both give the same result (tested on CPU tensors in
``tests/causes/label_noise/test_confident_learning_torch.py``, on a GPU when one is there):

- rows are read in float64, clipped and divided by their sum when the array needs it
  (:func:`gapdoctor.inputs.probabilities.needs_renormalising`'s rule), the row sum taken in
  numpy's pairwise order (:func:`_row_sums`) so the renormalised values are bit for bit
  numpy's;
- thresholds, calibration, quotas and the ranking of the flagged rows are the numpy
  module's functions (:func:`class_thresholds`, :func:`calibrated_quota`, :func:`assemble`);
- each class pair keeps its top ``quota`` rows by margin with the shared tie rule
  (:func:`gapdoctor.causes.label_noise.top_margins.top_by_margin`: ties at the bar
  go to the lowest row ids), by ``torch.topk`` over a buffer of at most twice the quota
  plus one chunk.

torch is imported only when this module is (it is an optional extra); gapdoctor imports it
only for a tensor argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gapdoctor.causes.label_noise.confident_learning import (
    THRESHOLD_TOLERANCE,
    LabelIssues,
    assemble,
    calibrated_quota,
    class_thresholds,
    row_chunks,
)
from gapdoctor.inputs.probabilities import EXACT_SUM

__all__ = ["find_label_issues_torch"]

_NUMPY_PAIRWISE_BLOCK = 8
"""numpy sums a contiguous row with 8 running partial sums once it holds 8 values or more."""
_NUMPY_PAIRWISE_LIMIT = 128
"""... and splits it in halves (recursively) past 128 values (numpy's ``PW_BLOCKSIZE``)."""


def _row_sums(p: torch.Tensor) -> torch.Tensor:
    """Row sums of a float64 chunk in the order numpy's ``sum(axis=1)`` adds them (pairwise), bit for bit."""
    return _pairwise(p, 0, p.shape[1])


def _pairwise(p: torch.Tensor, start: int, n: int) -> torch.Tensor:
    if n < _NUMPY_PAIRWISE_BLOCK:
        total = torch.zeros(p.shape[0], dtype=p.dtype, device=p.device)
        for c in range(start, start + n):
            total = total + p[:, c]
        return total
    if n <= _NUMPY_PAIRWISE_LIMIT:
        partial = [p[:, start + j].clone() for j in range(_NUMPY_PAIRWISE_BLOCK)]
        end = n - n % _NUMPY_PAIRWISE_BLOCK
        for i in range(_NUMPY_PAIRWISE_BLOCK, end, _NUMPY_PAIRWISE_BLOCK):
            for j in range(_NUMPY_PAIRWISE_BLOCK):
                partial[j] = partial[j] + p[:, start + i + j]
        total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + (
            (partial[4] + partial[5]) + (partial[6] + partial[7])
        )
        for c in range(start + end, start + n):
            total = total + p[:, c]
        return total
    half = n // 2
    half -= half % _NUMPY_PAIRWISE_BLOCK
    return _pairwise(p, start, half) + _pairwise(p, start + half, n - half)


def _read(probs: torch.Tensor, rows: slice | torch.Tensor, renormalise: bool) -> torch.Tensor:
    """Rows in float64, clipped and divided by their sum if asked (as ``probability_rows``)."""
    chunk = probs[rows].to(torch.float64)
    if not renormalise:
        return chunk
    chunk = chunk.clamp(0.0, 1.0)
    return chunk / _row_sums(chunk)[:, None]


def _off_one(chunk: torch.Tensor) -> bool:
    """Whether a float64 chunk needs renormalising (a value outside [0, 1], a row sum off 1)."""
    if not len(chunk):
        return False
    outside = (chunk.min() < 0.0) | (chunk.max() > 1.0)
    off = (chunk.sum(dim=1) - 1.0).abs().max() > EXACT_SUM
    return bool(outside | off)


class _TopMargins:
    """A class pair's top ``size`` rows by margin on the device (the numpy pass's buffer, with ``torch.topk``)."""

    def __init__(self, size: int, device: torch.device) -> None:
        self.size = size
        self.bar = -float("inf")
        self.margins: list[torch.Tensor] = []
        self.rows: list[torch.Tensor] = []
        self.buffered = 0
        self.device = device

    def add(self, margins: torch.Tensor, rows: torch.Tensor) -> None:
        if self.bar > -float("inf"):
            keep = margins >= self.bar
            margins, rows = margins[keep], rows[keep]
        if not len(margins):
            return
        self.margins.append(margins)
        self.rows.append(rows)
        self.buffered += len(margins)
        if self.buffered >= 2 * self.size:
            self._select()

    def _select(self) -> None:
        if not self.margins:
            return
        margins, rows = torch.cat(self.margins), torch.cat(self.rows)
        if len(margins) > self.size:
            bar = torch.topk(margins, self.size, sorted=False).values.min()
            above = torch.nonzero(margins > bar).squeeze(1)
            tied = torch.nonzero(margins == bar).squeeze(1)
            tied = tied[torch.argsort(rows[tied], stable=True)][: self.size - len(above)]
            keep = torch.cat([above, tied])
            margins, rows, self.bar = margins[keep], rows[keep], float(bar)
        self.margins, self.rows, self.buffered = [margins], [rows], len(margins)

    def result(self) -> torch.Tensor:
        self._select()
        return self.rows[0] if self.rows else torch.zeros(0, dtype=torch.int64, device=self.device)


def _self_confidence(
    y: torch.Tensor, probs: torch.Tensor, chunks: list[slice], k: int
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.int64]], bool]:
    """Per-class self-confidence sums and row counts; restarts renormalised as the numpy pass does."""
    renormalise = False
    while True:
        self_sum = torch.zeros(k, dtype=torch.float64, device=probs.device)
        counts = torch.zeros(k, dtype=torch.int64, device=probs.device)
        for chunk in chunks:
            p = _read(probs, chunk, renormalise)
            if not renormalise and _off_one(p):
                break
            given = y[chunk]
            self_sum += torch.bincount(given, weights=p.gather(1, given[:, None]).squeeze(1), minlength=k)
            counts += torch.bincount(given, minlength=k)
        else:
            return self_sum.cpu().numpy(), counts.cpu().numpy(), renormalise
        renormalise = True


def _confident_joint(
    y: torch.Tensor, probs: torch.Tensor, chunks: list[slice], thresholds: torch.Tensor, renormalise: bool
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    k = len(thresholds)
    joint = torch.zeros(k * k, dtype=torch.int64, device=probs.device)
    unconfident = torch.zeros(k, dtype=torch.int64, device=probs.device)
    bar = thresholds - THRESHOLD_TOLERANCE
    for chunk in chunks:
        p = _read(probs, chunk, renormalise)
        reached = p >= bar
        n_reached = reached.sum(dim=1)
        confident = torch.where(n_reached > 1, p.argmax(dim=1), reached.to(torch.uint8).argmax(dim=1))
        has = n_reached > 0
        given = y[chunk]
        joint += torch.bincount(given[has] * k + confident[has], minlength=k * k)
        unconfident += torch.bincount(given[~has], minlength=k)
    return joint.reshape(k, k).cpu().numpy(), unconfident.cpu().numpy()


def _prune_by_noise_rate(
    y: torch.Tensor, probs: torch.Tensor, quota: np.ndarray[Any, Any], chunks: list[slice], renormalise: bool
) -> torch.Tensor:
    """Sorted flagged rows (on the device): each cell's top ``quota[k, j]`` rows labelled k by margin p_j - p_k."""
    cells = [(int(k), int(j)) for k, j in np.argwhere(quota > 0)]
    best = {cell: _TopMargins(int(quota[cell]), probs.device) for cell in cells}
    by_label: dict[int, list[int]] = {}
    for k, j in cells:
        by_label.setdefault(k, []).append(j)
    for chunk in chunks:
        given = y[chunk]
        p = _read(probs, chunk, renormalise)
        for k, others in by_label.items():
            members = torch.nonzero(given == k).squeeze(1)
            if not len(members):
                continue
            p_k = p[members]
            margins = (p_k[:, others] - p_k[:, k : k + 1]).T.contiguous()
            positions = members + int(chunk.start)
            for j, margin in zip(others, margins, strict=True):
                best[k, j].add(margin, positions)
    if not cells:
        return torch.zeros(0, dtype=torch.int64, device=probs.device)
    flagged: torch.Tensor = torch.unique(torch.cat([best[cell].result() for cell in cells]))  # sorted
    return flagged


def find_label_issues_torch(
    y: Any, probs: torch.Tensor, *, chunk_rows: int = 65_536, device: str | torch.device | None = None
) -> LabelIssues:
    """:func:`gapdoctor.causes.label_noise.confident_learning.find_label_issues` on a tensor's device.

    Parameters
    ----------
    y : ndarray or tensor of int of shape (n,)
        Given labels, encoded ``0..k-1`` (moved to the device: n int64).
    probs : tensor of float of shape (n, k)
        Validated out-of-sample probabilities (:func:`gapdoctor.inputs.probabilities.validated_probability_tensor`).
    chunk_rows : int, default=65536
        Rows read at a time on the device.
    device : str or torch.device, optional
        Where to run; the tensor's device when omitted (``"cpu"`` runs the same code on the host).

    Returns
    -------
    LabelIssues
        The same as the numpy pass on the same values.

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> p = torch.tensor([[.9, .1], [.8, .2], [.1, .9], [.2, .8], [.1, .9], [.3, .7]])
    >>> find_label_issues_torch(y, p).rows.tolist()
    [2]
    """
    where = torch.device(device) if device is not None else probs.device
    probs = probs.detach().to(where)
    labels = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).to(where, torch.int64)
    n, k = probs.shape
    chunks = list(row_chunks(n, chunk_rows))
    self_sum, label_counts, renormalise = _self_confidence(labels, probs, chunks, k)
    thresholds = class_thresholds(self_sum, label_counts)
    confident_joint, unconfident = _confident_joint(
        labels, probs, chunks, torch.from_numpy(thresholds).to(where), renormalise
    )
    joint, quota = calibrated_quota(confident_joint, label_counts)
    flagged = _prune_by_noise_rate(labels, probs, quota, chunks, renormalise)
    self_conf, suggested, top = [], [], []
    for part in row_chunks(len(flagged), chunk_rows):
        rows = flagged[part]
        chosen = _read(probs, rows, renormalise)
        best = chosen.argmax(dim=1)
        self_conf.append(chosen.gather(1, labels[rows][:, None]).squeeze(1))
        suggested.append(best)
        top.append(chosen.gather(1, best[:, None]).squeeze(1))

    def host(parts: list[torch.Tensor], dtype: torch.dtype) -> np.ndarray[Any, Any]:
        return (torch.cat(parts) if parts else torch.zeros(0, dtype=dtype)).cpu().numpy()

    return assemble(
        thresholds,
        confident_joint,
        unconfident,
        joint,
        flagged.cpu().numpy(),
        (host(self_conf, torch.float64), host(suggested, torch.int64), host(top, torch.float64)),
    )
