"""Pipeline bug: a validation curve logged NaN at every evaluation while the training loss stays finite.

A loss or metric computed on the validation rows comes back NaN when those rows or their labels hold missing
or infinite values the training rows do not (a column imputed or scaled on the training split only, a label
outside the classes), when the validation batches are empty (a mean over no rows), or when the metric is
undefined there. The finite training loss shows the model and its loss work on the training side: what is
broken is the validation side of the pipeline, and the curve that should show progress holds none to show.
The series are read by the log readers and recorded apart (:attr:`gapdoctor.inputs.history.RunHistory.non_finite`).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.result import NanValidation
from gapdoctor.causes.pipeline_bug.score import NAN_VALIDATION
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence

__all__ = ["nan_validation"]


@register(
    name=NanValidation.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="Validation curves logged NaN at every evaluation beside a finite training loss.",
)
def nan_validation(evidence: Evidence) -> list[Finding]:
    """The validation series the history holds with no finite value, when the training loss is finite."""
    history = evidence.history
    assert history is not None
    nan = [name for name in history.non_finite if name.startswith("val_")]
    if not nan:  # nothing to read here: a finite curve is the curve checks' to judge, not a pass of this one
        raise SkipCheck("no validation series was logged NaN throughout")
    train = history.get("train_loss")
    if train is None or not len(train) or not np.isfinite(train[-1]):
        raise SkipCheck("needs a training loss finite at the end, to tell a broken validation from a diverged run")
    final = float(train[-1])
    result = NanValidation(series=", ".join(nan), points_logged=history.n_points, train_loss_final=round(final, 4))
    summary = (
        f"The validation curve is NaN at every one of the {history.n_points} evaluations ({', '.join(nan)}) while "
        f"the training loss stays finite ({final:.4g} at the end): the validation side of the pipeline "
        "produces NaN, so no progress can show there."
    )
    fixes = (
        "Look for NaN or infinite values in the validation inputs and labels (np.isnan(X_val).any()): a column "
        "imputed or scaled with statistics of the training split only, or missing in the validation file.",
        "Check the validation loader yields rows (an empty batch averages to NaN) and that every validation "
        "label is one of the training classes.",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=NAN_VALIDATION,
            summary=summary,
            fixes=fixes,
            check=NanValidation.CHECK,
            result=result,
        )
    ]
