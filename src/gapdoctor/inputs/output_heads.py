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
logged (one per logged position, in order). A history given as a mapping (Keras' ``History.history`` of a
multi-output model) names each output's metrics too (``digit_accuracy``, ``val_size_auc``): those are the
model's own per-output series, not names to refuse (:func:`per_output_names`); they are listed as ignored.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import numpy as np

from gapdoctor.inputs.series_names import PER_BATCH_SUFFIXES, split_and_body
from gapdoctor.stats.array_types import FloatArray

__all__ = ["HeadLosses", "head_losses", "mapping_head_losses", "per_output_names"]

HeadLosses = Mapping[str, tuple[FloatArray, FloatArray | None]]
"""Head name -> (its training loss as logged, its validation loss as logged or None)."""

_NOT_HEADS = frozenset({"total", "train", "val", "valid", "validation", "test", "epoch", *PER_BATCH_SUFFIXES})


def _split_body(raw: str) -> tuple[str, str]:
    """``(split, body)`` of a name; a name with no split prefix or suffix is a training one (Keras' ``gender_loss``)."""
    parsed = split_and_body(raw)
    split, body = parsed if parsed is not None else ("train", raw.strip().lower())
    return split, body.replace("/", "_").replace(".", "_")


def _split_head(raw: str) -> tuple[str, str] | None:
    """``(split, head)`` of a head's loss name (``val_gender_loss``, ``gender_loss``, ``val_loss_gender``)."""
    split, body = _split_body(raw)
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
    names = _heads_of(ignored)
    values: dict[tuple[str, str], list[float]] = {}
    for raw, _, _, value in points:
        key = names.get(raw)
        if key is not None:
            values.setdefault(key, []).append(value)
    heads = {
        head: (np.asarray(train, dtype=np.float64), _as_array(values.get(("val", head))))
        for (split, head), train in values.items()
        if split == "train"
    }
    return heads if len(heads) >= 2 else {}


def _as_array(values: list[float] | None) -> FloatArray | None:
    return None if values is None else np.asarray(values, dtype=np.float64)


def _heads_of(names: Collection[str]) -> dict[str, tuple[str, str]]:
    """Raw name -> (split, head) of each head's loss, when two heads or more log a training loss."""
    parsed = {raw: _split_head(raw) for raw in names}
    spelled = [key for key in parsed.values() if key is not None]
    found = {raw: key for raw, key in parsed.items() if key is not None and spelled.count(key) == 1}
    return found if len({head for split, head in found.values() if split == "train"}) >= 2 else {}


def per_output_names(names: Collection[str]) -> set[str]:
    """The names, among ``names``, of a multi-output model's per-output series: each head's loss, and each
    metric named after a head (``digit_accuracy``, ``val_digit_accuracy``, ``accuracy_digit``).

    Examples
    --------
    >>> sorted(per_output_names(["digit_loss", "size_loss", "val_size_accuracy", "acc_digit", "other"]))
    ['acc_digit', 'digit_loss', 'size_loss', 'val_size_accuracy']
    """
    losses = _heads_of(names)
    heads = {head for _, head in losses.values()}
    out = set(losses)
    for raw in names:
        _, body = _split_body(raw)
        if any(body.startswith(f"{head}_") or body.endswith(f"_{head}") for head in heads):
            out.add(raw)
    return out


def mapping_head_losses(history: Mapping[Any, Any], names: Collection[str]) -> HeadLosses:
    """:func:`head_losses` of a history given as ``name -> per-epoch values`` (None read as NaN; a series that is
    not a list of numbers is left out)."""
    points: list[tuple[str, float, float, float]] = []
    for raw in names:
        try:
            values = np.asarray(history[raw], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError, KeyError):
            continue
        points += [(raw, float(i), float(i), float(v)) for i, v in enumerate(values)]
    return head_losses(points, names, total=True)
