"""The validation outputs of the latest and the best epoch, kept by the loop for the metric-side checks.

The checks that read validation predictions — the decision threshold against the metric
(``metric_mismatch``), classes and groups left behind (``subgroup_failure``), the
validation set's own noise (``small_validation_set``), the metric's ceiling
(``metric_saturation``) — need probabilities and labels of the validation rows. The loop
computes them anyway: an integration hands each validation batch's logits (or
probabilities) and labels to :meth:`ValidationOutputs.add`, and the epoch's outputs are
kept when it closes — the latest epoch's, which :func:`gapdoctor.diagnose` reads, and the
best epoch's by the run's metric (:attr:`ValidationOutputs.best`).

Memory: float32 probabilities, int64 labels; the epoch being collected, the latest and the
best: about ``3 x rows x (4 x classes + 8)`` bytes. Past :data:`MAX_CELLS` row x class cells
in one epoch the outputs are not kept (said once): the metric-side checks then need
``val_probs`` passed by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.inputs.probabilities import probabilities
from gapdoctor.integrations.values import as_array
from gapdoctor.stats.metrics import metric_info

__all__ = ["MAX_CELLS", "EpochOutputs", "ValidationOutputs"]

MAX_CELLS = 25_000_000
"""Row x class cells of one epoch's validation outputs kept at most (100 MB of float32): a
validation set larger than that (say 250k rows x 100 classes) is judged from what is passed by hand."""


@dataclass(frozen=True)
class EpochOutputs:
    """One epoch's validation outputs.

    Parameters
    ----------
    epoch : int
        Counted from 0.
    probs : ndarray of shape (n_val, n_classes), float32
    labels : ndarray of shape (n_val,), int64
    groups : ndarray of shape (n_val,) or None
    value : float
        The run's metric on these outputs (NaN when it cannot be computed).
    """

    epoch: int
    probs: NDArray[np.float32]
    labels: NDArray[np.int64]
    groups: NDArray[Any] | None
    value: float


def _probabilities(scores: NDArray[Any], are_logits: bool) -> NDArray[np.float32]:
    values: NDArray[np.float32] = np.asarray(scores, dtype=np.float32)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[1] == 1:  # one logit (or probability) of the positive class
        positive = 1.0 / (1.0 + np.exp(-values[:, 0])) if are_logits else values[:, 0]
        stacked: NDArray[np.float32] = np.stack([1.0 - positive, positive], axis=1).astype(np.float32)
        return stacked
    if not are_logits:
        return np.asarray(values, dtype=np.float32)
    exp: NDArray[np.float32] = np.exp(values - values.max(axis=1, keepdims=True))
    normalised: NDArray[np.float32] = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return normalised


class ValidationOutputs:
    """Collects one epoch's validation batches; keeps the latest and the best epoch's outputs.

    Parameters
    ----------
    metric : str
        The run's metric, which decides the best epoch.
    say : callable, optional
        ``say(key, message)``: tells the user once (the recorder's ``say_once``).
    switch_off : callable, optional
        ``switch_off(what, where, error)``: reports a failure that stops keeping outputs.

    Examples
    --------
    >>> outputs = ValidationOutputs("accuracy")
    >>> outputs.add(logits=[[2.0, 0.0], [0.0, 1.0]], labels=[0, 0])
    >>> outputs.close(epoch=0)
    >>> outputs.add(logits=[[2.0, 0.0], [1.0, 0.0]], labels=[0, 0])
    >>> outputs.close(epoch=1)
    >>> outputs.latest.epoch, outputs.best.epoch, outputs.best.value
    (1, 1, 1.0)
    """

    def __init__(
        self,
        metric: str,
        *,
        say: Callable[[str, str], None] | None = None,
        switch_off: Callable[[str, str, BaseException], None] | None = None,
    ) -> None:
        self.metric = metric
        self._say = say
        self._switch_off = switch_off
        self.on = True
        self._greater = metric_info(metric).greater_is_better
        self._probs: list[NDArray[np.float32]] = []
        self._labels: list[NDArray[np.int64]] = []
        self._groups: list[NDArray[Any]] = []
        self._cells = 0
        self.over_budget = False
        self.latest: EpochOutputs | None = None
        self.best: EpochOutputs | None = None

    def add(self, *, labels: Any, logits: Any = None, probs: Any = None, groups: Any = None) -> None:
        """One validation batch: its labels, and its logits or its probabilities (one of them).

        Raises
        ------
        ValueError
            When both or neither of ``logits`` and ``probs`` are given, or the rows differ.
        """
        if (logits is None) == (probs is None):
            raise ValueError("pass the batch's logits= or its probs=, one of them")
        scores = as_array(logits if probs is None else probs)
        batch = _probabilities(scores, are_logits=probs is None)
        y = as_array(labels).reshape(-1).astype(np.int64)
        if len(y) != len(batch):
            raise ValueError(f"{len(batch)} rows of outputs but {len(y)} labels")
        g = None if groups is None else np.asarray(as_array(groups)).reshape(-1)
        if g is not None and len(g) != len(y):
            raise ValueError(f"{len(y)} labels but {len(g)} groups")
        self._cells += batch.size
        if self._cells > MAX_CELLS:
            self.over_budget = True
            return
        self._probs.append(batch)
        self._labels.append(y)
        if g is not None:
            self._groups.append(g)

    def log(self, **batch: Any) -> None:
        """:meth:`add`, never raising: a failure stops keeping outputs (reported once)."""
        if not self.on:
            return
        try:
            self.add(**batch)
        except Exception as error:  # gapdoctor must never stop a training run
            self._stop("log_validation", error)

    def end_epoch(self, epoch: int, *, sharded: bool = False) -> None:
        """:meth:`close`, never raising; says once when the outputs are over budget or one shard's."""
        if not self.on:
            return
        try:
            self.close(epoch)
        except Exception as error:
            self._stop("end_epoch (validation outputs)", error)
            return
        if self._say is None:
            return
        if self.over_budget:
            self._say(
                "validation outputs: too many",
                f"gapdoctor keeps no validation outputs: one epoch's exceed its budget of {MAX_CELLS:,} row x "
                "class cells; pass val_probs= and y_val= to diagnose() instead.",
            )
        elif self.latest is not None and sharded:
            self._say(
                "validation outputs: shard",
                "gapdoctor judges the validation outputs of this process's shard only (torch.distributed): the "
                "metric-side checks see part of the validation set.",
            )

    def _stop(self, where: str, error: BaseException) -> None:
        self.on = False
        if self._switch_off is not None:
            self._switch_off("validation outputs", where, error)

    def close(self, epoch: int) -> None:
        """End of the epoch: its collected outputs become the latest (and the best when they beat it)."""
        collected = self._probs and not self.over_budget
        if collected:
            probs = np.concatenate(self._probs)
            labels = np.concatenate(self._labels)
            groups = np.concatenate(self._groups) if len(self._groups) == len(self._probs) else None
            value = self._value(labels, probs)
            self.latest = EpochOutputs(epoch, probs, labels, groups, value)
            if self.best is None or self._beats(value, self.best.value):
                self.best = self.latest
        self._probs, self._labels, self._groups, self._cells = [], [], [], 0

    def _value(self, labels: NDArray[np.int64], probs: NDArray[np.float32]) -> float:
        scorer = metric_info(self.metric).scorer
        if scorer is None or labels.size == 0 or int(labels.max()) >= probs.shape[1] or int(labels.min()) < 0:
            return math.nan
        try:
            return float(scorer(labels, probabilities("val_probs", probs, len(labels), "y_val")))
        except ValueError:  # a metric undefined on these rows (one class for AUC)
            return math.nan

    def _beats(self, value: float, best: float) -> bool:
        if math.isnan(value):
            return False
        return math.isnan(best) or (value > best if self._greater else value < best)

    def diagnose_inputs(self) -> dict[str, Any]:
        """``val_probs``, ``y_val`` (and ``groups_val``) of the latest epoch for :func:`gapdoctor.diagnose`."""
        if self.latest is None or not self.on:
            return {}
        out: dict[str, Any] = {"val_probs": self.latest.probs, "y_val": self.latest.labels}  # checked at the door
        if self.latest.groups is not None:
            out["groups_val"] = self.latest.groups
        return out
