"""Optimisation: one output of a multi-output model never learnt, while the others did.

A model with several outputs minimises the sum of their losses. When one output's loss sits at a guess's loss
(``ln k`` over its ``k`` classes, :func:`~gapdoctor.causes.optimization.chance.chance_level`) from its first
evaluations to the end while another output's loss falls, the total still falls, the curves of the run look
healthy, and that output's metric sits at chance: its predictions do not depend on the inputs. Its labels do not
reach its loss (a wrong target column or encoding), its branch gets no gradient (frozen or detached layers, a loss
weight of 0), or the other outputs' gradients swamp it. The per-output losses are read where the log holds them
(:mod:`gapdoctor.inputs.output_heads`); when every output sits at a guess, the total does too, and the stall check
reads the run.

Real log: ``tests/data/real_logs_heldout35/wandb_dgbqa.wandb`` (a three-output Keras model: ``loss_id`` at
``ln 10`` = 2.3026 and ``loss_hgr`` at ``ln 11`` at all 14 epochs, accuracies 0.09-0.10, while ``loss_icgd`` fell
to 0; the total fell 11% and no other check reported anything).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.optimization.chance import chance_level
from gapdoctor.causes.optimization.result import OutputAtChance
from gapdoctor.causes.optimization.score import head_at_chance_score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.curves import relative_fall

__all__ = ["output_at_chance"]

_LEARNT_FALL = 0.1
"""An output whose training loss fell by this share (first to last logged value) learned something."""


def _finite(values: FloatArray) -> FloatArray:
    return np.asarray(values[np.isfinite(values)], dtype=np.float64)


@register(
    name=OutputAtChance.CHECK,
    cause="optimization",
    requires=("history",),
    description="One output of a multi-output model whose loss sits at a guess's while another output learns.",
)
def output_at_chance(evidence: Evidence) -> list[Finding]:
    """The outputs whose own loss sits at a guess's from the start while another output's loss falls."""
    history = evidence.history
    assert history is not None
    if not history.heads:
        raise SkipCheck("no per-output losses of a multi-output model were logged beside the total")
    guesses = {head: chance_level(train, val) for head, (train, val) in history.heads.items()}
    dead = {head: level for head, level in guesses.items() if level is not None}
    logged = {head: _finite(train) for head, (train, _) in history.heads.items()}
    learnt = [
        head
        for head, train in logged.items()
        if head not in dead and len(train) >= 2 and relative_fall(float(train[0]), float(train[-1])) >= _LEARNT_FALL
    ]
    if not dead or not learnt:
        raise SkipCheck(
            "no output's loss sits at a guess's while another output learns"
            if not dead
            else "every output's loss sits at a guess's or none fell: the stall check reads the total"
        )
    train_total = history.get("train_loss")
    total = _finite(train_total) if train_total is not None else np.zeros(0)
    evaluations = min(len(logged[head]) for head in dead)
    named = "; ".join(f"{head}: ln {level.classes} = {level.loss:.4g}" for head, level in dead.items())
    first, last = (float(total[0]), float(total[-1])) if len(total) else (float("nan"), float("nan"))
    result = OutputAtChance(
        outputs=named,
        evaluations=evaluations,
        learnt=", ".join(learnt),
        total_start=round(first, 6),
        total_final=round(last, 6),
    )
    if len(dead) == 1:
        head, level = next(iter(dead.items()))
        said = (
            f"Output {head!r} never learnt: its own loss sits at ln {level.classes} = {level.loss:.4g}, a uniform "
            f"guess's over {level.classes} classes,"
        )
    else:
        said = (
            f"Outputs {', '.join(repr(h) for h in dead)} never learnt: their own losses sit at a uniform guess's "
            f"over their classes ({named}),"
        )
    summary = (
        f"{said} from the first evaluations to the end ({evaluations} points logged), while "
        f"{', '.join(repr(h) for h in learnt)} learnt. The total training loss ({first:.4g} -> {last:.4g}) hides "
        "it: that output's predictions do not depend on the inputs, and its metric sits at chance."
    )
    fixes = (
        "Check that the output's labels reach its loss: the target column, its encoding (integer classes for a "
        "sparse cross-entropy, one-hot for a categorical one) and the loss given to that output.",
        "Check that its branch gets gradient (no frozen or detached layers, a loss weight not 0 or tiny beside the "
        "others'); overfit one small batch on that output alone.",
        "Weigh the outputs' losses so that no output's gradient swamps the others'; try a 10x smaller learning rate.",
    )
    return [
        Finding(
            cause="optimization",
            score=head_at_chance_score(evaluations),
            summary=summary,
            fixes=fixes,
            check=OutputAtChance.CHECK,
            result=result,
        )
    ]
