"""Pipeline bug: the validation curve logged is the training curve, identical at every evaluation.

A loop that prints or logs one variable under both names (``print(f"train {loss:.4f} val {loss:.4f}")``, a
``val_loss = loss`` left from a copy, a ``log("val_loss", train_loss)``) shows a validation curve that is the
training curve to the last digit. No two measurements agree so, even on the same rows: a training loss averaged
over an epoch's batches in train mode and a validation loss computed at its end in eval mode differ in their
last digits. The curve that should show whether validation improves shows training instead, so every curve
check reads it as a run that generalises perfectly. Real log: ``tests/data/real_logs_heldout14/
loop_ipynb_mmdp_vqa.ipynb`` (a VQA model's "validation loss" equal to its training loss at all 10 epochs).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.result import ValidationIsTraining
from gapdoctor.causes.pipeline_bug.score import VALIDATION_IS_TRAINING
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence

__all__ = ["validation_is_training"]

_MIN_POINTS = 4
"""Evaluations at which both curves must be logged (and agree) to read one as the other."""


@register(
    name=ValidationIsTraining.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="A validation curve identical to its training twin at every evaluation (one value logged twice).",
)
def validation_is_training(evidence: Evidence) -> list[Finding]:
    """The validation series equal, at every evaluation, to their training twins (taking three values or more: two
    accuracies of a handful of rows may agree by chance)."""
    history = evidence.history
    assert history is not None
    twins = [(name, name.replace("val_", "train_", 1)) for name in history.series if name.startswith("val_")]
    repeated: list[tuple[str, np.ndarray]] = []
    for name, twin in twins:
        val, train = history.get(name), history.get(twin)
        if val is None or train is None:
            continue
        both = np.isfinite(val) & np.isfinite(train)
        values = val[both]
        if both.sum() >= _MIN_POINTS and np.array_equal(values, train[both]) and len(np.unique(values)) >= 3:
            repeated.append((name, values))
    if not repeated:
        raise SkipCheck("no validation series repeats its training twin at every evaluation")
    names = ", ".join(name for name, _ in repeated)
    values = repeated[0][1]
    result = ValidationIsTraining(
        series=names, points_logged=len(values), first=round(float(values[0]), 6), last=round(float(values[-1]), 6)
    )
    summary = (
        f"The validation curve logged is the training curve: {names} equals its training twin at all "
        f"{len(values)} evaluations ({values[0]:.4g} to {values[-1]:.4g}). One value is logged under both names, "
        "so that curve says nothing about validation: the curve checks reading it read training as validation."
    )
    fixes = (
        "Log the loss computed on the validation loader (model.eval(), torch.no_grad()) under its own variable, and "
        "check that the print or log call names it (val_loss, not the training loss twice).",
        "Check that the validation loader is built from the validation split, not the training one.",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=VALIDATION_IS_TRAINING,
            summary=summary,
            fixes=fixes,
            check=ValidationIsTraining.CHECK,
            result=result,
        )
    ]
