"""Pipeline bug: a loss logged exactly 0 at every evaluation — a value that was never measured.

No optimiser starts at a loss of 0: a training loss of exactly 0 at every evaluation, the first included, is a
placeholder (``self.log("train_loss", 0.0)`` written before the loss existed), an accumulator reset before it was
read (``running_loss = 0.0`` then the print), or a mean over no batches guarded to 0. A validation loss of exactly 0
throughout beside a training loss above it is the same on the validation side (an empty validation loader, a loss
never added up). The curve checks would read such a curve as a stall or as a model that generalises perfectly;
either is a verdict on a value that measures nothing. Real log: ``tests/data/real_logs_heldout23/
tb_pl_fivesense_server_v3.tfevents`` (a Lightning forecaster whose training and validation losses, MAE, RMSE, MAPE
and SMAPE are 0.0 at all 6 evaluations; read as an optimisation stall at 0.98 before).

A validation loss of 0 throughout while a validation metric was measured (its values not all 0) has one reading: the
rows were scored, the loss was never added up (detection trainers that log 0 for it). Said, weakly
(:data:`~gapdoctor.causes.pipeline_bug.score.ZERO_VAL_LOSS_BESIDE_METRIC`): the metric the stall is about was
measured, and the curve checks read it.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import val_metric_curve, zero_throughout
from gapdoctor.causes.pipeline_bug.result import ZeroLoss
from gapdoctor.causes.pipeline_bug.score import ZERO_LOSS, ZERO_VAL_LOSS_BESIDE_METRIC
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence

__all__ = ["zero_loss"]


@register(
    name=ZeroLoss.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="A training or validation loss logged exactly 0 at every evaluation: never measured.",
)
def zero_loss(evidence: Evidence) -> list[Finding]:
    """The training and validation losses at exactly 0 at every one of their (four or more) evaluations."""
    history = evidence.history
    assert history is not None
    zero, points = zero_throughout(history, ("train_loss", "val_loss"))
    if not zero:
        raise SkipCheck("no training or validation loss was logged 0 at every evaluation")
    train = history.get("train_loss")
    if zero == ["val_loss"] and (train is None or not np.any(train[np.isfinite(train)] > 0)):
        raise SkipCheck("a validation loss 0 throughout, and no training loss above 0 shows what a measured one is")
    names = " and ".join("training loss" if name == "train_loss" else "validation loss" for name in zero)
    measured = _measured_metric(evidence) if zero == ["val_loss"] else None
    if measured is not None:
        summary = (
            f"The validation loss is exactly 0 at every one of {points} evaluations while validation {measured} "
            "was measured on the same rows: the loss was never computed (some detection trainers log 0 for it). "
            f"Not why the metric stalls: the curve checks read {measured}."
        )
    else:
        summary = (
            f"The {names} {'are' if len(zero) > 1 else 'is'} exactly 0 at every one of {points} evaluations: no "
            "optimiser starts at a loss of 0, so the value logged was never measured (a placeholder logged before "
            "the loss existed, an accumulator reset before it was read, a mean over no batches). The curves cannot "
            "show what training did."
        )
    fixes = (
        "Log the loss the optimiser minimised: the value returned by the loss function (loss.item()), added up over "
        "the epoch's batches before the total is reset, and divided by the number of batches actually seen.",
        "Check the loader the zero comes from is not empty (len(loader) > 0) and that the logging call runs after "
        "the loss is computed, not before it.",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=ZERO_LOSS if measured is None else ZERO_VAL_LOSS_BESIDE_METRIC,
            summary=summary,
            fixes=fixes,
            check=ZeroLoss.CHECK,
            result=ZeroLoss(series=", ".join(zero), points_logged=points, metric_measured=measured),
        )
    ]


def _measured_metric(evidence: Evidence) -> str | None:
    """The validation metric the curve checks read, when its values are not all 0 (measured); else None."""
    history = evidence.history
    assert history is not None
    metric = val_metric_curve(evidence, history)
    if metric is None:
        return None
    name, values = metric
    return name if np.any(values[np.isfinite(values)] != 0) else None
