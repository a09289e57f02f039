"""Diagnosis from inside the loop: what the recorder hands to :func:`gapdoctor.diagnose`, and alerts.

- **Early diagnosis.** With ``diagnose_every=K`` the curves are diagnosed every K epochs
  (curves only: cheap) and each cause that crosses the reporting threshold is logged
  once, e.g. "overfitting began at epoch 14; best val accuracy at epoch 12 (smoothed curve)". Alerts are
  kept in :attr:`AlertLog.alerts` even when a logging handler refuses them.
- **What the loop recorded may be rejected without losing the diagnosis.** The per-row
  losses and the label order are evidence the recorder adds on its own; when
  :func:`gapdoctor.diagnose` rejects one of them (labels of another type than
  ``y_train``, negative losses...), the diagnosis is made again without it and the
  reason is reported once. What the user passes is never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.causes.payload import payload_of
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis
from gapdoctor.integrations.guard import ErrorGuard

__all__ = [
    "AlertLog",
    "diagnose_loop_evidence",
    "headline",
    "loop_evidence",
    "measurable",
    "say_unseen_rows",
]

# Arguments the recorder adds by itself, by the argument an error names: those dropped with it.
_OWN_EVIDENCE = {
    "sample_losses": ("sample_losses", "sample_loss_rows"),
    "sample_loss_rows": ("sample_losses", "sample_loss_rows"),
    "train_label_order": ("train_label_order",),
    "training_dynamics": ("training_dynamics",),
    # validation outputs kept by the loop: labels outside the training classes, groups that do not fit
    "val_probs": ("val_probs", "y_val", "groups_val"),
    "y_val": ("val_probs", "y_val", "groups_val"),
    "groups_val": ("groups_val",),
}


def headline(finding: Any) -> str:
    """One line for an alert: the onset epoch for overfitting, else the finding's summary."""
    result = payload_of(finding)
    if isinstance(result, OverfittingCurves):
        what = f"val {result.metric}" if result.metric is not None else "val loss"
        # the best of the smoothed curve (a lucky single epoch is not the model's best): said, since the
        # largest logged value can sit epochs away on a noisy plateau
        return f"overfitting began at epoch {result.began}; best {what} at epoch {result.best_epoch} (smoothed curve)"
    return str(finding.summary)


class AlertLog:
    """Causes alerted so far (each once per run).

    Parameters
    ----------
    guard : ErrorGuard
        Reports through it (a refusing logging handler never reaches the loop).
    """

    def __init__(self, guard: ErrorGuard) -> None:
        self.alerts: list[str] = []
        self.alerted: set[str] = set()
        self._guard = guard

    def alert(self, diagnosis: Diagnosis, epoch: int) -> None:
        """Log each reported cause of ``diagnosis`` not alerted before."""
        for finding in diagnosis.reported:
            if finding.cause in self.alerted:
                continue
            self.alerted.add(finding.cause)
            message = f"epoch {epoch}: {finding.cause} (score {finding.score:.2f}): {headline(finding)}"
            self.alerts.append(message)
            self._guard.report("gapdoctor: %s", message)


def loop_evidence(sample_losses: list[list[float]], tracked_rows: Any, label_order: list[Any]) -> dict[str, Any]:
    """The recorder's own evidence as :func:`gapdoctor.diagnose` arguments.

    Non-finite per-row losses (a bf16/fp16 overflow, a diverging step) mean "not measured".
    """
    arguments: dict[str, Any] = {}
    if sample_losses:
        losses = np.asarray(sample_losses, dtype=np.float64)
        losses[~np.isfinite(losses)] = np.nan
        arguments["sample_losses"] = losses
        arguments["sample_loss_rows"] = tracked_rows
    if label_order:
        arguments["train_label_order"] = np.asarray(label_order)
    return arguments


def measurable(history: dict[str, list[float]], guard: ErrorGuard) -> dict[str, list[float]]:
    """A loop's history for a diagnosis: an infinite value of a series other than the training loss
    (a validation loss on a probability of 0) is passed as not measured, and said once.

    :func:`gapdoctor.diagnose` refuses such a value in a history given by hand; a loop's
    diagnosis must not be lost to one epoch of it (the recorder's curves keep it as logged).
    """
    for name, values in history.items():
        infinite = [i + 1 for i, v in enumerate(values) if math.isinf(v)]
        if name == "train_loss" or not infinite:
            continue
        history[name] = [math.nan if math.isinf(v) else v for v in values]
        guard.report_once(
            f"infinite {name}",
            "gapdoctor reads %s as not measured at epoch(s) %s, where it was infinite (a probability of 0 "
            "on a true class); clip probabilities when computing it",
            name,
            ", ".join(map(str, infinite[:10])),
        )
    return history


def say_unseen_rows(guard: ErrorGuard, seen: Any) -> None:
    """Say once why the training dynamics stay out of a diagnosis: rows never seen with logits."""
    guard.report_once(
        "dynamics: labels",
        "gapdoctor leaves the training dynamics out of the diagnosis: %d of %d training rows were never "
        "seen with logits (this process's shard under DDP, limit_train_batches...), so their labels are "
        "unknown; pass y_train=... to the monitor or callback.",
        seen.size - int(seen.sum()),
        seen.size,
    )


def diagnose_loop_evidence(arguments: Mapping[str, Any], own: set[str], guard: ErrorGuard) -> Diagnosis:
    """:func:`gapdoctor.diagnose`, made again without each of the recorder's own arguments it rejects.

    Parameters
    ----------
    arguments : mapping
        All arguments of :func:`gapdoctor.diagnose`.
    own : set of str
        Those the recorder added by itself (droppable).
    guard : ErrorGuard
        Reports each dropped argument once.

    Returns
    -------
    Diagnosis
    """
    from gapdoctor.engine import diagnose

    arguments = dict(arguments)
    while True:
        try:
            return diagnose(**arguments)
        except GapdoctorInputError as error:
            dropped = [name for name in _OWN_EVIDENCE.get(error.argument, ()) if name in own and name in arguments]
            if not dropped:
                raise
            for name in dropped:
                del arguments[name]
            guard.report_once(
                f"dropped {error.argument}",
                "gapdoctor: what the loop recorded as %s does not fit (%s); diagnosing without it.",
                error.argument,
                error,
            )
