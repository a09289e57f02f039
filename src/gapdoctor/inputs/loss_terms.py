"""A detector's loss logged only as its weighted terms, for both splits: their sum is the loss it minimises.

Ultralytics YOLO logs ``train/box_loss``, ``train/cls_loss``, ``train/dfl_loss`` (YOLOv5: ``obj_loss``
for ``dfl_loss``; segmentation adds ``seg_loss``, pose ``pose_loss`` / ``kobj_loss``, OBB ``angle_loss``;
YOLOv10 each of its two heads' terms, ``box_om`` ... ``dfl_oo``) and their ``val/`` twins, each already multiplied by
its gain, and no total: the model minimises their sum.
So, for a run that logs no plain loss and no named total (:func:`~gapdoctor.inputs.series_names.named_losses`),
the sum of those terms at each logged position is read as the loss of its split, and said so.

Terms of other vocabularies are not summed: a VAE's ``recon`` and ``kl`` are weighted by a β the log
does not hold, and a GAN's generator and discriminator losses are opposed, not added.

A term whose validation twin is logged 0 at every position while the training term is not (newer Ultralytics
versions log ``val/sem_loss`` and ``val/rle_loss`` 0 throughout: their validators do not compute them) is left out of
both sums, and said so: the training loss would otherwise hold a term the validation loss cannot.

A training term logged 0 at every position while its validation twin is not (``train/box_loss`` and
``train/dfl_loss`` 0 throughout, ``val/box_loss`` 3.5) measures objects the training targets do not hold: a
detector trained on images whose label files were not found learns background only. Those terms are named
(:attr:`~gapdoctor.inputs.history.RunHistory.empty_train_terms`) for ``pipeline_bug.empty_training_targets``.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from gapdoctor.inputs.merged_points import merged_at_positions
from gapdoctor.inputs.named_losses import named_losses
from gapdoctor.inputs.series_names import normalise_series_name, split_and_body

__all__ = ["DETECTION_TERMS", "summed_loss_terms"]

DETECTION_TERMS = frozenset({"box", "obj", "cls", "dfl", "seg", "pose", "kobj", "angle", "giou", "l1", "sem", "rle"})
"""Loss terms Ultralytics' detectors (and RT-DETR) log weighted: ``<split>/<term>_loss`` (newer segmentation runs add
``sem_loss``, newer pose runs ``rle_loss``)."""

_V10_HEADS = frozenset({"om", "oo"})
"""YOLOv10 trains two heads and logs each one's terms without ``_loss``: ``train/box_om`` (one-to-many),
``train/box_oo`` (one-to-one), ...; its loss is the sum of all six."""

_Point = tuple[str, float, float, float]


def _terms(unknown: Collection[str]) -> dict[str, dict[str, str]] | None:
    """``{split: {term: raw name}}`` when both splits log the same two or more detection terms, else None."""
    by_split: dict[str, dict[str, str]] = {}
    for raw in unknown:
        parsed = split_and_body(raw)
        if parsed is None:
            continue
        split, body = parsed
        head, _, kind = body.rpartition("_")
        if kind in _V10_HEADS and head in DETECTION_TERMS:
            term = body  # YOLOv10's "box_om", "box_oo": each head's term is a term
        elif kind != "loss":
            continue
        elif (term := head) not in DETECTION_TERMS:
            return None  # another vocabulary: not guessed
        if term in by_split.get(split, {}):
            return None  # one term logged under two names: not guessed
        by_split.setdefault(split, {})[term] = raw
    train, val = by_split.get("train", {}), by_split.get("val", {})
    if len(train) < 2 or set(train) != set(val):
        return None
    return by_split


def _zero_terms(points: list[_Point], terms: dict[str, dict[str, str]], zero: str, other: str) -> tuple[str, ...]:
    """The terms logged 0 at every position in split ``zero`` whose twin in split ``other`` has a positive value:
    empty training targets (``zero="train"``), or a term the validator never computes (``zero="val"``)."""
    values: dict[str, list[float]] = {}
    for raw, _, _, value in points:
        values.setdefault(raw, []).append(value)
    return tuple(
        term
        for term, raw in terms[zero].items()
        if values.get(raw) and all(v == 0 for v in values[raw]) and any(v > 0 for v in values[terms[other][term]])
    )


def summed_loss_terms(
    points: list[_Point], metrics: Collection[str] = ()
) -> tuple[list[_Point], tuple[str, ...], tuple[str, ...]]:
    """Points with each split's detection terms replaced by their sum (``train_loss`` / ``val_loss``), the note,
    and the training terms logged 0 throughout while their validation twins are not (empty training targets).

    A sum is made at each position where every term of the split was logged (the k-th value logged at
    one step and epoch, so appended runs stay apart); a term missing there leaves no point. Runs with a
    plain or named loss, or without a detection vocabulary for both splits, are returned unchanged.

    Examples
    --------
    >>> pts = [(f"{s}/{t}_loss", 1.0, 1.0, v) for s in ("train", "val") for t, v in (("box", 0.5), ("cls", 0.25))]
    >>> summed, note, empty = summed_loss_terms(pts)
    >>> summed
    [('train_loss', 1.0, 1.0, 0.75), ('val_loss', 1.0, 1.0, 0.75)]
    >>> unmeasured = pts + [("train/sem_loss", 1.0, 1.0, 3.8), ("val/sem_loss", 1.0, 1.0, 0.0)]
    >>> [p for p in summed_loss_terms(unmeasured)[0] if p[0].endswith("_loss") and "/" not in p[0]]
    [('train_loss', 1.0, 1.0, 0.75), ('val_loss', 1.0, 1.0, 0.75)]
    """
    raws = list(dict.fromkeys(p[0] for p in points))
    names = {raw: normalise_series_name(raw, metrics=metrics) for raw in raws}
    if {"train_loss", "val_loss"} & set(names.values()):
        return points, (), ()
    unknown = [raw for raw in raws if names[raw] is None]
    terms = None if named_losses(unknown)[0] else _terms(unknown)
    if terms is None:
        return points, (), ()
    unmeasured = _zero_terms(points, terms, zero="val", other="train")
    if unmeasured and len(unmeasured) < len(terms["val"]):
        terms = {split: {t: r for t, r in by_term.items() if t not in unmeasured} for split, by_term in terms.items()}
    else:
        unmeasured = ()
    group_of = {raw: f"{split}_loss" for split, by_term in terms.items() for raw in by_term.values()}
    out = merged_at_positions(points, group_of, math.fsum)
    listed = "; ".join(f"{split}: {' + '.join(by_term.values())}" for split, by_term in terms.items())
    note = f"no total loss was logged: the sum of the detector's weighted loss terms read as the loss ({listed})"
    if unmeasured:
        note += (
            f"; left out of both sums: {', '.join(f'{t}_loss' for t in unmeasured)}, logged 0 at every validation "
            "(its validator does not compute it)"
        )
    return out, (note,), _zero_terms(points, terms, zero="train", other="val")
