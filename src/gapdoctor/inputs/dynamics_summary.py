"""What the training dynamics say per row, and the rows they flag.

:class:`DynamicsSummary` is what :class:`gapdoctor.inputs.training_dynamics.TrainingDynamics`
hands out (and what ``diagnose(training_dynamics=...)`` takes, checked by
:func:`checked_summary`); :func:`flag_label_issues` flags rows by their area under the
margin (see :mod:`gapdoctor.inputs.training_dynamics` for the statistics and the rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats.array_types import FloatArray

__all__ = ["AUM_THRESHOLD", "MIN_EPOCHS", "DynamicsSummary", "LabelDynamics", "checked_summary", "flag_label_issues"]

AUM_THRESHOLD = 0.0
"""AUM below this: the given label trailed another class on average over training.

-0.5 was tried on ``benchmarks/training_dynamics.py``: better on overlapping classes
(100k synthetic: F1 0.955 instead of 0.920) but far worse on class-conditional noise
(digits, 40% pair flips: 0.43 instead of 0.67, where the flipped rows sit just below 0)."""
MIN_EPOCHS = 3
"""Fewer epochs do not separate late (memorised) rows from early-fitted ones."""


@dataclass(frozen=True)
class DynamicsSummary:
    """Per-row statistics over the epochs recorded (rows never seen hold NaN / 0).

    Attributes
    ----------
    seen : ndarray of bool
        Rows seen in at least one epoch.
    aum : ndarray
        Area under the margin: mean over epochs of given-label logit minus the largest other.
    confidence, variability : ndarray
        Mean and standard deviation over epochs of the given label's probability.
    mean_loss : ndarray
        Mean cross-entropy over epochs.
    forgetting_events : ndarray of int
        Times the row went from correctly classified to misclassified between epochs.
    never_learned : ndarray of bool
        Seen but never classified correctly.
    suggested : ndarray of int
        The class that last beat the given label (-1: none ever did).
    n_epochs : int
    mean_probabilities : ndarray of shape (rows, classes) or None
        Each row's softmax averaged over the epochs it was seen (in-sample: the model was
        trained on the row); None when rows x classes exceeds :data:`MAX_PROBABILITY_CELLS`.
    """

    seen: NDArray[np.bool_]
    aum: FloatArray
    confidence: FloatArray
    variability: FloatArray
    mean_loss: FloatArray
    forgetting_events: NDArray[np.int64]
    never_learned: NDArray[np.bool_]
    suggested: NDArray[np.int64]
    n_epochs: int
    mean_probabilities: FloatArray | None = None


def checked_summary(value: Any, n_train: int | None) -> DynamicsSummary:
    """``value`` when it is a :class:`DynamicsSummary` of ``n_train`` rows; else GapdoctorInputError."""
    if not isinstance(value, DynamicsSummary):
        raise GapdoctorInputError(
            "training_dynamics",
            f"is a {type(value).__name__}",
            "pass monitor.training_dynamics (recorded with log_batch(logits=..., labels=..., rows=...))",
        )
    if n_train is None:
        raise GapdoctorInputError("training_dynamics", "was given without y_train", "pass y_train with it")
    if len(value.aum) != n_train:
        raise GapdoctorInputError(
            "training_dynamics",
            f"covers {len(value.aum)} rows but y_train has {n_train}",
            "record every training row of the same training set (n_train=len(y_train))",
        )
    return value


@dataclass(frozen=True)
class LabelDynamics:
    """Rows flagged as likely mislabelled from their training dynamics.

    Attributes
    ----------
    rows : ndarray of int
        Flagged training rows, lowest AUM (most suspicious) first.
    n_seen : int
        Rows with at least one recorded epoch (the denominator of the rate).
    never_learned : int
        Flagged rows never classified correctly.
    threshold : float
        The AUM threshold used.
    """

    rows: NDArray[np.int64]
    n_seen: int
    never_learned: int
    threshold: float

    @property
    def noise_rate(self) -> float:
        """Share of the seen rows that are flagged."""
        return len(self.rows) / self.n_seen if self.n_seen else 0.0


def flag_label_issues(summary: DynamicsSummary, *, threshold: float = AUM_THRESHOLD) -> LabelDynamics:
    """Rows whose AUM is below ``threshold`` or that were never learned, most suspicious first.

    Examples
    --------
    >>> from gapdoctor.inputs.training_dynamics import TrainingDynamics
    >>> dyn = TrainingDynamics(n_train=3)
    >>> for _ in range(3):
    ...     dyn.add(np.array([0, 1, 2]), np.array([[3.0, 0.0], [0.5, 0.0], [0.0, 2.0]]), np.array([0, 0, 0]))
    ...     dyn.end_epoch()
    >>> flag_label_issues(dyn.summary()).rows.tolist()  # row 2: label 0, but class 1 leads by 2
    [2]
    """
    if summary.n_epochs < MIN_EPOCHS:
        raise GapdoctorInputError(
            "training dynamics",
            f"cover {summary.n_epochs} epochs",
            f"record at least {MIN_EPOCHS} epochs before flagging rows",
        )
    flagged = summary.seen & ((summary.aum < threshold) | summary.never_learned)
    candidates = np.flatnonzero(flagged)
    order = np.lexsort((candidates, summary.aum[candidates]))
    return LabelDynamics(
        rows=candidates[order].astype(np.int64),
        n_seen=int(summary.seen.sum()),
        never_learned=int((summary.never_learned & flagged).sum()),
        threshold=threshold,
    )
