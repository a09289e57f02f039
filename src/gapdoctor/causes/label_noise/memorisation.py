"""Label noise from memorisation: rows the model fits only late in training, or never.

From per-epoch per-row losses (``sample_losses``): a correctly labelled row is fitted
early, with the bulk of its class; a wrong label is fitted late, by memorisation, or
never. A row is *late* when its loss stays below ln 2 (the model gives its label more
than half the probability) only from an epoch well after the bulk of the rows, or not at
all. With ``train_probs`` this check steps aside and
:func:`gapdoctor.causes.label_noise.check.label_noise_confident_learning` uses the losses as
corroboration; ``pseudo_label_noise`` counts the late rows per label source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.result import LateFittedRows
from gapdoctor.causes.label_noise.score import late_ratio, score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval

__all__ = ["Memorisation", "memorisation_of"]

_LEARNED_LOSS = math.log(2.0)  # cross-entropy below ln 2: the label gets > 1/2 of the probability


@dataclass(frozen=True)
class Memorisation:
    """When each tracked training row was fitted.

    Parameters
    ----------
    rows : ndarray of int
        Training-row index of each tracked row seen at least once.
    learned_epoch : ndarray
        Epoch (from 1) from which the row's loss stays below ln 2; ``inf`` when its
        last recorded loss is still above (never fitted).
    bulk_epoch : float
        Median learning epoch (the last epoch when more than half are never fitted).
    late_after : float
        Rows learned after this epoch are late: twice the bulk's epoch, plus one.
    n_epochs : int
    """

    rows: NDArray[np.int64]
    learned_epoch: NDArray[np.float64]
    bulk_epoch: float
    late_after: float
    n_epochs: int

    @property
    def lasted(self) -> bool:
        """The run reached the late epoch: a row still unfitted then was passed over, not merely not reached yet.

        A run stopped before twice the bulk's epoch (still learning: a healthy logistic regression
        after 12 epochs, bulk at 10) leaves its hard rows unfitted, and their count says nothing of
        memorisation.
        """
        return self.n_epochs >= self.late_after

    @property
    def late(self) -> NDArray[np.bool_]:
        """Rows fitted late or never."""
        return np.asarray(self.learned_epoch > self.late_after)


def memorisation_of(evidence: Evidence) -> Memorisation:
    """Learning epoch of every tracked row from ``evidence.sample_losses``.

    Raises
    ------
    SkipCheck
        When no losses were recorded, or fewer than 3 epochs.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> losses = [[2.0, 0.1, 0.1, 2.0], [0.1, 0.1, 0.1, 2.0], [0.1, 0.1, 0.1, 2.0]]  # epochs x rows
    >>> memo = memorisation_of(build_evidence(y_train=[0, 1, 0, 1], sample_losses=losses))
    >>> memo.learned_epoch.tolist(), memo.late.tolist()  # row 3 is never fitted
    ([2.0, 1.0, 1.0, inf], [False, False, False, True])
    """
    losses, tracked = evidence.sample_losses, evidence.sample_loss_rows
    if losses is None or tracked is None:
        raise SkipCheck("needs sample_losses (per-epoch per-row training losses)")
    n_epochs = losses.shape[0]
    if n_epochs < 3:
        raise SkipCheck(f"sample_losses covers {n_epochs} epochs; memorisation needs at least 3")
    seen = ~np.isnan(losses)
    ever_seen = seen.any(axis=0)
    above = np.where(seen, losses >= _LEARNED_LOSS, False)
    epochs = np.arange(1, n_epochs + 1)[:, None]
    last_above = np.where(above, epochs, 0).max(axis=0)
    # first epoch the row was seen after its last loss above ln 2; inf when there is none
    learned = np.where(seen & (epochs > last_above), epochs, np.inf).min(axis=0)[ever_seen]
    if not len(learned):
        raise SkipCheck("sample_losses holds no recorded loss")
    bulk = min(float(np.median(learned)), float(n_epochs))
    return Memorisation(
        rows=tracked[ever_seen],
        learned_epoch=learned.astype(np.float64),
        bulk_epoch=bulk,
        late_after=2.0 * bulk + 1.0,
        n_epochs=n_epochs,
    )


@register(
    name="label_noise.memorisation",
    cause="label_noise",
    requires=("y_train", "sample_losses"),
    description="Training rows fitted only late (memorised) or never, from per-epoch per-row losses.",
)
def label_noise_memorisation(evidence: Evidence) -> list[Finding]:
    """Rows whose loss falls only late in training, when no out-of-sample probabilities are given."""
    if evidence.train_probs is not None:
        raise SkipCheck("train_probs given: label_noise.confident_learning uses the losses as corroboration")
    if evidence.training_dynamics is not None:
        raise SkipCheck("training_dynamics given: label_noise.training_dynamics follows every row")
    memo = memorisation_of(evidence)
    late = memo.late
    n_late, n = int(late.sum()), len(late)
    low, high = binomial_interval(n_late, n)
    share = n_late / n
    strength_of_evidence = score(late_ratio(share, low))
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []
    late_rows = memo.rows[late]
    never = int(np.isinf(memo.learned_epoch).sum())
    order = np.lexsort((late_rows, -memo.learned_epoch[late]))  # never fitted first, then latest
    summary = (
        f"{100 * share:.1f}% of tracked training rows (95% interval {100 * low:.1f}–{100 * high:.1f}%) are fitted "
        f"late or never: the bulk is fitted by epoch {memo.bulk_epoch:g}, these only after epoch "
        f"{memo.late_after:g} ({never} never). Late-fitted rows are typically wrong labels being memorised."
    )
    return [
        Finding(
            cause="label_noise",
            score=strength_of_evidence,
            summary=summary,
            fixes=(
                f"Inspect the {n_late} late-fitted rows (finding.rows, never-fitted first) and relabel them.",
                "Pass out-of-sample train_probs (cross-validated) to estimate the noise matrix.",
                *cause_info("label_noise").fixes[1:],
            ),
            rows=tuple(int(r) for r in late_rows[order]),
            check="label_noise.memorisation",
            result=LateFittedRows(
                late_fitted_pct=round(100 * share, 2),
                late_fitted_low_pct=round(100 * low, 2),
                late_fitted_high_pct=round(100 * high, 2),
                late_fitted_rows=n_late,
                never_fitted_rows=never,
                tracked_rows=n,
                bulk_fitted_epoch=memo.bulk_epoch,
                late_after_epoch=memo.late_after,
                markers={"bulk_fitted_epoch": int(memo.bulk_epoch)},
            ),
        )
    ]
