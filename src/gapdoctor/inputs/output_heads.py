"""The losses of a multi-output model's heads, each as logged beside the total it adds up to.

A model with several outputs logs one loss per output beside their (weighted) sum: Keras names them
``<output>_loss`` and ``val_<output>_loss`` beside ``loss`` and ``val_loss``; loops and Lightning modules
write ``train_<output>_loss`` or ``loss_<output>``. The total is the run's training loss; the heads' own
losses are not curves the checks read, but one of them can tell what the total hides: a head whose loss
sits at a guess's while the others learn (its labels do not reach its loss, its branch gets no gradient)
leaves the total falling, the run looking healthy, and that output's metric at chance.
:mod:`gapdoctor.causes.optimization.heads` reads them.

Only names no other rule understood are read (:attr:`~gapdoctor.inputs.history.RunHistory.ignored`), only
for a run that logs a total training loss and the losses of two heads or more, each with its values as
logged (one per logged position, in order).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import numpy as np

from gapdoctor.inputs.series_names import PER_BATCH_SUFFIXES, split_and_body
from gapdoctor.stats.array_types import FloatArray

__all__ = ["HeadLosses", "head_losses"]

HeadLosses = Mapping[str, tuple[FloatArray, FloatArray | None]]
"""Head name -> (its training loss as logged, its validation loss as logged or None)."""

_NOT_HEADS = frozenset({"total", "train", "val", "valid", "validation", "test", "epoch", *PER_BATCH_SUFFIXES})


def _split_head(raw: str) -> tuple[str, str] | None:
    """``(split, head)`` of a head's loss name (``val_gender_loss``, ``gender_loss``, ``val_loss_gender``)."""
    parsed = split_and_body(raw)
    split, body = parsed if parsed is not None else ("train", raw.strip().lower())
    body = body.replace("/", "_").replace(".", "_")
    if body.endswith("_loss"):
        head = body[: -len("_loss")]
    elif body.startswith("loss_"):
        head = body[len("loss_") :]
    else:
        return None
    if not head or head in _NOT_HEADS or head.endswith(("_step", "_epoch", "_batch")):
        return None
    return split, head


def head_losses(points: Iterable[tuple[str, float, float, float]], ignored: Collection[str], total: bool) -> HeadLosses:
    """The heads' losses of a multi-output model, from the logged points whose names were ignored.

    Parameters
    ----------
    points : iterable of (name, step, epoch, value)
        The run's logged points, in the order logged.
    ignored : collection of str
        Raw names no rule read.
    total : bool
        Whether the run logs a total training loss (the heads are its parts).

    Returns
    -------
    mapping
        Head -> (training loss, validation loss or None), for two heads or more; empty otherwise.

    Examples
    --------
    >>> pts = [(n, 0.0, float(e), v) for e in range(3) for n, v in (("age_loss", 1.0), ("sex_loss", 0.69))]
    >>> sorted(head_losses(pts, {"age_loss", "sex_loss"}, total=True))
    ['age', 'sex']
    """
    if not total:
        return {}
    names = {raw: _split_head(raw) for raw in ignored}
    spelled = [key for key in names.values() if key is not None]
    names = {raw: key for raw, key in names.items() if key is not None and spelled.count(key) == 1}
    values: dict[tuple[str, str], list[float]] = {}
    for raw, _, _, value in points:
        key = names.get(raw)
        if key is not None:
            values.setdefault(key, []).append(value)
    heads = {
        head: (np.asarray(train, dtype=np.float64), values.get(("val", head)))
        for (split, head), train in values.items()
        if split == "train"
    }
    if len(heads) < 2:
        return {}
    return {
        head: (train, None if val is None else np.asarray(val, dtype=np.float64))
        for head, (train, val) in heads.items()
    }
