"""What the per-row losses and the training dynamics say about the rows confident learning flagged.

Flagged rows fitted late (memorised, from ``sample_losses``) or trailing another class through
training (area under the margin below 0, from ``training_dynamics``) far more often than the others
corroborate the finding and come first; flags the training curves do not single out weaken it.
The factors are the cause's scoring declarations (:mod:`gapdoctor.causes.label_noise.score`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import LabelIssues
from gapdoctor.causes.label_noise.memorisation import memorisation_of
from gapdoctor.causes.label_noise.score import CORROBORATED_FACTOR, UNCORROBORATED_FACTOR
from gapdoctor.causes.registry import SkipCheck
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.training_dynamics import MIN_EPOCHS, flag_label_issues

__all__ = ["Corroboration", "by_dynamics", "by_memorisation"]


@dataclass(frozen=True)
class Corroboration:
    """What the per-row losses and the training dynamics say about the flagged rows."""

    factor: float = 1.0  # multiplies the strength of evidence
    text: str = ""  # appended to the summary
    order: NDArray[np.int64] | None = None  # flagged rows reordered, corroborated first
    late_share_of_flagged: float | None = None
    late_share_of_others: float | None = None
    bulk_fitted_epoch: float | None = None
    low_aum_share_of_flagged: float | None = None
    low_aum_share_of_others: float | None = None


def by_memorisation(evidence: Evidence, issues: LabelIssues, order: NDArray[np.int64]) -> Corroboration:
    """Flagged rows fitted late (memorised) far more often than the others strengthen the finding.

    Only in a run that lasted to the late epoch (:attr:`Memorisation.lasted`): before it, "late or
    never" is "not fitted yet", the rows a still-learning model finds hard (flagged or not).
    """
    if evidence.sample_losses is None or not len(issues.rows):
        return Corroboration(order=order)
    try:
        memo = memorisation_of(evidence)
    except SkipCheck:
        return Corroboration(order=order)
    late_rows = memo.rows[memo.late]
    flagged_tracked = np.isin(issues.rows, memo.rows)
    flagged_late = np.isin(issues.rows, late_rows)
    unflagged = ~np.isin(memo.rows, issues.rows)
    share_flagged = float(flagged_late.sum() / max(flagged_tracked.sum(), 1))
    share_unflagged = float(memo.late[unflagged].mean()) if unflagged.any() else 0.0
    factor, text = 1.0, ""
    if flagged_tracked.sum() >= 5 and memo.lasted:
        if share_flagged >= 0.5 and share_flagged >= 3 * share_unflagged:
            factor = CORROBORATED_FACTOR
            text = (
                f" {100 * share_flagged:.0f}% of the flagged rows were fitted late or never "
                f"(vs {100 * share_unflagged:.0f}% of the others): they are being memorised."
            )
        elif share_flagged <= 1.5 * share_unflagged:
            factor = UNCORROBORATED_FACTOR
            text = " The training losses do not single the flagged rows out (no memorisation signal)."
    return Corroboration(
        factor=factor,
        text=text,
        order=np.lexsort((order, ~flagged_late)),  # corroborated rows first, margin order kept
        late_share_of_flagged=round(100 * share_flagged, 1),
        late_share_of_others=round(100 * share_unflagged, 1),
        bulk_fitted_epoch=memo.bulk_epoch,
    )


def by_dynamics(evidence: Evidence, issues: LabelIssues, order: NDArray[np.int64]) -> Corroboration:
    """Flagged rows that also trailed another class through training (low AUM) strengthen the finding."""
    dynamics = evidence.training_dynamics
    if dynamics is None or dynamics.n_epochs < MIN_EPOCHS:
        return Corroboration(order=order)
    n = issues.n_rows
    low_aum = np.zeros(n, dtype=bool)
    low_aum[flag_label_issues(dynamics).rows] = True
    flagged = np.zeros(n, dtype=bool)
    flagged[issues.rows] = True
    share_flagged = float(low_aum[flagged].mean()) if flagged.any() else 0.0
    share_others = float(low_aum[~flagged].mean()) if (~flagged).any() else 0.0
    factor, text = 1.0, ""
    if flagged.sum() >= 5 and share_flagged >= 0.5 and share_flagged >= 3 * share_others:
        factor = CORROBORATED_FACTOR
        text = (
            f" {100 * share_flagged:.0f}% of the flagged rows also trailed another class through training "
            f"(area under the margin below 0; {100 * share_others:.0f}% of the others)."
        )
    return Corroboration(
        factor=factor,
        text=text,
        order=order[np.argsort(~low_aum[issues.rows[order]], kind="stable")],  # both kinds agree: first
        low_aum_share_of_flagged=round(100 * share_flagged, 1),
        low_aum_share_of_others=round(100 * share_others, 1),
    )
