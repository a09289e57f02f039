"""Pipeline bug: a detector trained on images whose objects never reached its targets.

Ultralytics YOLO logs its loss as weighted terms (:mod:`gapdoctor.inputs.loss_terms`). A term that measures the
objects — the box and distribution-focal losses, a mask's or a keypoint's — is 0.0 exactly when a batch holds no
object: nothing to localise. Logged 0 at every epoch of training while the validation images' twin is positive,
the training targets held no object at all: the label files were not found beside the images (Ultralytics warns
"No labels found" and trains on), their class ids were filtered out, or the dataset's YAML points the training
split at another folder. The model learns to call everything background (its class loss falls to nearly 0), the
validation loss rises, and the curve checks read that as overfitting. Real log:
``tests/data/real_logs_heldout16/yolo_anemia2.csv`` (box and dfl losses 0 at all 50 epochs, validation box loss
3.48, mAP50-95 at most 0.007).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.result import EmptyTrainingTargets
from gapdoctor.causes.pipeline_bug.score import EMPTY_TRAINING_TARGETS
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.loss_terms import DETECTION_TERMS

__all__ = ["empty_training_targets"]

_OBJECT_TERMS = DETECTION_TERMS - {"cls"}
"""The detector's terms that measure the objects (the class term of a batch without objects still measures
background)."""


@register(
    name=EmptyTrainingTargets.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="A detector's object loss terms 0 at every training evaluation, not on validation: no labels.",
)
def empty_training_targets(evidence: Evidence) -> list[Finding]:
    """The detector's object loss terms logged 0 throughout training while their validation twins are not."""
    history = evidence.history
    assert history is not None
    terms = [term for term in history.empty_train_terms if term in _OBJECT_TERMS]
    if not terms:
        raise SkipCheck("no detector loss term was logged 0 throughout training")
    val = history.get("val_loss")
    finite = val[np.isfinite(val)] if val is not None else np.empty(0)
    result = EmptyTrainingTargets(
        terms=", ".join(terms),
        points_logged=history.n_points,
        val_loss_final=round(float(finite[-1]), 4) if len(finite) else float("nan"),
    )
    summary = (
        f"The detector's training {' and '.join(terms)} losses are 0 at every one of the {history.n_points} "
        "evaluations while the validation images' are not: the training targets hold no object, so the model "
        "learned background only (label files not found beside the images, or their classes filtered out)."
    )
    fixes = (
        "Check that every training image has its label file where the loader looks for it (images/x.jpg -> "
        "labels/x.txt for YOLO; Ultralytics warns 'No labels found' when it does not) and that the dataset YAML's "
        "train path is the folder with the labels.",
        "Check that the class ids in the label files are within the dataset's names (others are dropped).",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=EMPTY_TRAINING_TARGETS,
            summary=summary,
            fixes=fixes,
            check=EmptyTrainingTargets.CHECK,
            result=result,
        )
    ]
