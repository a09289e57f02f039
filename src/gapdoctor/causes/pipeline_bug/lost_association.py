"""Labels that lost their relation to the features in one split: the evidence of misaligned rows.

Per informative feature, the label association (:func:`~gapdoctor.stats.association.split_association`)
one split keeps in the other; where most is lost, a model of those features fitted on the keeping split
scores the other, and a neighbouring row whose features fit its labels better names the shift
(:mod:`gapdoctor.causes.pipeline_bug.offsets`). Read by ``pipeline_bug.misaligned_rows``
(:mod:`gapdoctor.causes.pipeline_bug.check`).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.offsets import LabelOffset, label_offset
from gapdoctor.causes.pipeline_bug.score import at_chance, chance_margin, shown_at_chance
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.association import MISALIGNED_RETENTION, association_retained, split_association
from gapdoctor.stats.transfer import Transfer, transfer_accuracy, transfer_model

__all__ = ["lost_association"]


def lost_association(
    evidence: Evidence,
) -> tuple[float, str, int, dict[str, float], Transfer, LabelOffset | None] | None:
    """Median share of the label association kept in the other split, which split lost it, the
    number of informative features, the median association in each split (keeping one first),
    how a model of those features fitted on the keeping split scores the other, and the offset
    at which the other split's labels fit its features better (None: none does).

    A split whose labels a model of the other split's informative features still predicts
    beyond chance kept the relation (label noise weakens it; misaligned rows remove it). Within
    :func:`~gapdoctor.causes.pipeline_bug.score.chance_margin` of chance, the labels are read as
    misaligned when a neighbouring row's features fit them better
    (:mod:`gapdoctor.causes.pipeline_bug.offsets`) or when the accuracy is shown at chance
    (:func:`~gapdoctor.causes.pipeline_bug.score.shown_at_chance`), not merely not shown above it.
    """
    if evidence.X_train is None or evidence.X_val is None or evidence.y_train is None or evidence.y_val is None:
        return None
    a = split_association(evidence.X_train, evidence.y_train, evidence.X_val, evidence.y_val, evidence.n_classes)
    for source, target, a_s, a_t, noise_s, X_s, y_s, X_t, y_t in (
        (
            "train",
            "val",
            a.train,
            a.val,
            a.noise_train,
            evidence.X_train,
            evidence.y_train,
            evidence.X_val,
            evidence.y_val,
        ),
        (
            "val",
            "train",
            a.val,
            a.train,
            a.noise_val,
            evidence.X_val,
            evidence.y_val,
            evidence.X_train,
            evidence.y_train,
        ),
    ):
        retention, informative = association_retained(a_s, a_t, noise_s)
        if retention >= MISALIGNED_RETENTION:
            continue
        model = transfer_model(X_s, y_s, informative)  # fitted once: the transfer and the offsets read it
        transfer = transfer_accuracy(X_s, y_s, X_t, y_t, informative, model=model)
        low, _ = binomial_interval(transfer.correct, transfer.rows)
        if not at_chance(low, transfer.chance, chance_margin(transfer.chance)):
            continue  # the labels still follow the features: weakened (label noise), not lost
        offset = label_offset(X_s, y_s, X_t, y_t, informative, model=model)
        if offset is None and not shown_at_chance(transfer.accuracy, low, transfer.chance):
            continue  # best as aligned and not shown at chance: weakened as label noise weakens it, not misaligned
        medians = {
            f"median_label_association_{source}": round(float(np.median(a_s[informative])), 4),
            f"median_label_association_{target}": round(float(np.median(a_t[informative])), 4),
        }
        return retention, target, len(informative), medians, transfer, offset
    return None
