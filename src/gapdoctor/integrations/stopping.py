"""``stop_when``: end training when a named cause is reported, and name the epoch to keep.

Off by default. ``Monitor(stop_when=("overfitting",))`` (or any callback's ``stop_when=``)
diagnoses the curves after every epoch (or every ``diagnose_every``) and, the first time a
finding of one of those causes is reported (score >= 0.5), decides to stop: the torch
loop reads ``monitor.should_stop``; Lightning, HF Transformers and Keras stop the trainer
themselves. The decision names the epoch to go back to — for overfitting the best
validation epoch the finding located (restore that checkpoint; Keras restores those
weights itself when ``restore_best_weights=True`` is also given) — beyond patience-only
early stopping, which waits a fixed number of epochs whatever the curves say.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.vocabulary import CAUSES, known_causes
from gapdoctor.errors import GapdoctorInputError

__all__ = ["StopDecision", "StopRule", "check_stop_when"]


def check_stop_when(stop_when: Any) -> tuple[str, ...]:
    """Validate ``stop_when`` at the door: a cause name or an iterable of cause names.

    Raises
    ------
    GapdoctorInputError
        Naming ``stop_when``, what was given and the known causes.
    """
    names = (stop_when,) if isinstance(stop_when, str) else stop_when
    if not isinstance(names, Iterable) or isinstance(names, (bytes, dict)):
        raise GapdoctorInputError("stop_when", f"is {stop_when!r}", 'pass causes, e.g. stop_when=("overfitting",)')
    out = tuple(names)
    unknown = [n for n in out if not isinstance(n, str) or n not in known_causes()]
    if unknown:
        raise GapdoctorInputError(
            "stop_when", f"names unknown causes {unknown!r}", f"use causes of gapdoctor.CAUSES: {', '.join(CAUSES)}"
        )
    return out


@dataclass(frozen=True)
class StopDecision:
    """Why training stops.

    Parameters
    ----------
    cause : str
    score : float
    epoch : int
        The epoch (counted from 1) after which it was decided.
    best_epoch : int, float or None
        The epoch to keep (epochs completed, as the report counts them), when the finding
        locates one.
    message : str
        One line, as logged.
    """

    cause: str
    score: float
    epoch: int
    best_epoch: int | float | None
    message: str


class StopRule:
    """The ``stop_when`` rule of one recorder.

    Parameters
    ----------
    causes : tuple of str
        Validated with :func:`check_stop_when`; empty: never stops.
    """

    def __init__(self, causes: tuple[str, ...]) -> None:
        self.causes = causes
        self.decision: StopDecision | None = None

    def consider(self, diagnosis: Any, epoch: int, say: Callable[[str, str], None]) -> None:
        """Decide to stop when ``diagnosis`` reports one of the causes (once; said on the logger)."""
        if self.decision is not None or not self.causes:
            return
        finding = next((f for f in diagnosis.reported if f.cause in self.causes), None)
        if finding is None:
            return
        best = getattr(payload_of(finding), "best_epoch", None)  # epochs completed at the best point
        best_epoch = best if isinstance(best, (int, float)) and math.isfinite(best) else None
        keep = f"; keep epoch {best_epoch} (its checkpoint or weights)" if best_epoch is not None else ""
        message = f"gapdoctor stops training after epoch {epoch}: {finding.cause} (score {finding.score:.2f}){keep}."
        self.decision = StopDecision(finding.cause, float(finding.score), epoch, best_epoch, message)
        say("stop_when", message)
