"""Label noise: wrong training labels that the model is memorising.

Two kinds of evidence, used together when both are given:

- **Confident learning** on out-of-sample ``train_probs`` (see
  :mod:`gapdoctor.causes.label_noise.confident_learning`): the estimated fraction of wrong labels
  with a 95% interval, the noise matrix (given label x estimated true label) and every
  flagged row, most suspicious first.
- **Training dynamics** of every row (``training_dynamics``, recorded by an integration
  from its logits; :mod:`gapdoctor.inputs.training_dynamics`): rows whose area under the
  margin is below zero or that were never learned. No out-of-fold model needed; with
  ``train_probs`` they corroborate and reorder the confident-learning flags.
- **Memorisation** from per-epoch per-row losses (``sample_losses``): a correctly
  labelled row is fitted early, with the bulk of its class; a wrong label is fitted
  late, by memorisation, or never. A row is *late* when its loss stays below ln 2 (the
  model gives its label more than half the probability) only from an epoch well after
  the bulk of the rows, or not at all.

Telling noise from the model's ordinary errors: with ``y_val`` and ``val_probs`` the same
estimate on the validation split is the control — there the method can only see the
model's own confident errors (or noise both splits share), so the training estimate must
clear the validation one to be *training* label noise. Without them, on clean data a decent out-of-fold
model still has confident errors, which confident learning counts as noise (1–2% of
the rows on digits, breast cancer and wine with logistic regression). The score is the
*excess* over that floor: a rate of :data:`_FLOOR` scores 0, :data:`_AT_REPORT`
scores 0.5, and the finding is reported only when the lower end of the interval
clears the floor. Memorisation that agrees with the flags strengthens the finding;
flags the training curves do not single out weaken it. A task whose classes overlap
heavily (a weak model, 15%+ out-of-fold error) can still reach the threshold: for
confident learning that overlap *is* label noise with respect to the features. The
summary then carries a caveat (out-of-fold error more than twice the estimate; with
injected noise the ratio stays near 1.5, on clean data it is 2 to 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import FloatArray, IntArray, LabelIssues, find_label_issues
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.training_dynamics import MIN_EPOCHS, flag_label_issues
from gapdoctor.stats.accumulators import binomial_interval, squash
from gapdoctor.stats.budget import LABEL_PASS_CELLS, sample_rows

__all__ = ["Memorisation", "label_issues_of", "label_pass_rows", "memorisation_of", "noise_matrix_data"]

_FLOOR = 0.02  # noise rate confident learning reports on clean data with a decent model
_AT_REPORT = 0.05  # estimated noise rate reported at score 0.5
_MIN_ROWS = 30
_OVERLAP_RATIO = 2.0  # out-of-fold error this many times the noise estimate: overlap, not only noise
_MAX_SUSPECTS = 50
_LEARNED_LOSS = math.log(2.0)  # cross-entropy below ln 2: the label gets > 1/2 of the probability
_LATE_FLOOR = 0.05  # share of rows a clean run fits late (hard but correct rows)
_LATE_AT_REPORT = 0.12  # share of late rows reported at score 0.5 (memorisation alone)


def label_issues_of(evidence: Evidence) -> LabelIssues:
    """Confident-learning estimate on the training split of ``evidence``.

    Raises
    ------
    SkipCheck
        When there are too few rows or only one class.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> y = [0] * 20 + [1] * 20
    >>> probs = [[0.9, 0.1]] * 19 + [[0.05, 0.95]] + [[0.2, 0.8]] * 20  # row 19 looks like class 1
    >>> label_issues_of(build_evidence(y_train=y, train_probs=probs)).rows.tolist()
    [19]
    """
    y, probs = evidence.y_train, evidence.train_probs
    if y is None or probs is None:
        raise SkipCheck("needs y_train and out-of-sample train_probs")
    if len(y) < _MIN_ROWS:
        raise SkipCheck(f"only {len(y)} training rows; confident learning needs at least {_MIN_ROWS}")
    if len(np.unique(y)) < 2:
        raise SkipCheck("y_train holds a single class")
    return _budgeted_label_issues(y, probs, evidence.chunk_rows, "training rows for confident learning")


def label_pass_rows(n_rows: int, n_classes: int, what: str | None = None) -> IntArray:
    """The rows the confident-learning pass reads: all, or a seeded subsample past the budget."""
    return sample_rows(n_rows, LABEL_PASS_CELLS // max(n_classes, 1), what=what)


def _budgeted_label_issues(y: IntArray, probs: FloatArray, chunk_rows: int, what: str) -> LabelIssues:
    """Confident learning within :data:`LABEL_PASS_CELLS`; flagged rows in the split's numbering."""
    rows = label_pass_rows(len(y), probs.shape[1], what)
    if len(rows) == len(y):
        return find_label_issues(y, probs, chunk_rows=chunk_rows)
    issues = find_label_issues(y[rows], probs[rows], chunk_rows=chunk_rows)
    return replace(issues, rows=rows[issues.rows])


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


def _label(evidence: Evidence, class_id: int) -> str:
    return str(evidence.classes[class_id])


def _suspects(evidence: Evidence, issues: LabelIssues, order: NDArray[np.int64]) -> list[dict[str, Any]]:
    assert evidence.y_train is not None and evidence.train_probs is not None
    out: list[dict[str, Any]] = []
    for i in order[:_MAX_SUSPECTS]:
        row = int(issues.rows[i])
        suggested = int(issues.suggested[i])
        out.append(
            {
                "row": row,
                "given": _label(evidence, int(evidence.y_train[row])),
                "suggested": _label(evidence, suggested),
                "confidence": round(float(evidence.train_probs[row, suggested]), 4),
            }
        )
    return out


def noise_matrix_data(evidence: Evidence, issues: LabelIssues) -> dict[str, Any]:
    """The noise matrix as Finding.data wants it (rows given, columns estimated true)."""
    return {"classes": [str(c) for c in evidence.classes], "counts": issues.noise_matrix.tolist()}


def _top_confusion(evidence: Evidence, issues: LabelIssues) -> tuple[str, int]:
    off = issues.noise_matrix.copy()
    np.fill_diagonal(off, 0)
    given, true = np.unravel_index(int(np.argmax(off)), off.shape)
    count = int(off[given, true])
    text = f"labelled '{_label(evidence, int(given))}' but look like '{_label(evidence, int(true))}'"
    return text, count


def _noise_strength(rate: float, low: float, floor: float = _FLOOR) -> float:
    # an excess of 3 points reports over a low floor; over a high floor (a weak model that
    # errs a lot anyway) the excess must be a quarter of the floor itself
    strength = max(rate - floor, 0.0) / max(_AT_REPORT - _FLOOR, 0.25 * floor)
    if low <= floor:  # the interval does not clear the floor: never reported
        strength = min(strength, 0.9)
    return strength


def _control_floor(rate: float, n_train: int, control: float, n_val: int) -> float:
    """The validation control plus the sampling noise of the train-minus-validation difference."""
    se = math.sqrt(rate * (1 - rate) / n_train + control * (1 - control) / n_val)
    return max(_FLOOR, control + 1.96 * se)


def validation_control_rate(evidence: Evidence) -> float | None:
    """What confident learning reports on the validation split, whose labels the model never fitted.

    On validation the method can only see the model's own confident errors (and any noise
    the validation labels share with training): it is the floor the training estimate must
    clear to be *training* label noise. None without ``y_val`` / ``val_probs`` or with too
    few validation rows.
    """
    y, probs = evidence.y_val, evidence.val_probs
    if y is None or probs is None or len(y) < _MIN_ROWS or len(np.unique(y)) < 2:
        return None
    return float(_budgeted_label_issues(y, probs, evidence.chunk_rows, "validation rows for the control").noise_rate)


@register(
    name="label_noise.confident_learning",
    cause="label_noise",
    requires=("y_train", "train_probs"),
    description="Confident learning on out-of-sample train_probs (with memorisation from per-row losses if given).",
)
def label_noise_confident_learning(evidence: Evidence) -> list[Finding]:
    """Training labels contradicted by confident out-of-sample predictions."""
    issues = label_issues_of(evidence)
    assert evidence.y_train is not None and evidence.train_probs is not None
    n = issues.n_rows
    rate, (low, high) = issues.noise_rate, issues.noise_rate_interval()
    control = validation_control_rate(evidence)
    n_val = 0 if evidence.y_val is None else len(evidence.y_val)
    floor = _FLOOR if control is None else _control_floor(rate, n, control, n_val)
    strength = _noise_strength(rate, low, floor)
    errors = int(np.sum(evidence.train_probs.argmax(axis=1) != evidence.y_train))  # one linear pass, all rows
    figures: dict[str, Any] = {
        "noise_rate_pct": round(100 * rate, 2),
        "noise_rate_low_pct": round(100 * low, 2),
        "noise_rate_high_pct": round(100 * high, 2),
        "flagged_rows": len(issues.rows),
        "training_rows": n,
        "out_of_fold_error_pct": round(100 * errors / len(evidence.y_train), 2),
        "floor_pct": round(100 * floor, 2),
    }
    if control is not None:
        figures["validation_control_rate_pct"] = round(100 * control, 2)
    confusion_text, confusion_count = _top_confusion(evidence, issues)
    if confusion_count:
        figures["most_common_confusion"] = f"{confusion_count} rows {confusion_text}"

    order = np.arange(len(issues.rows))
    corroboration = ""
    if evidence.sample_losses is not None:
        try:
            memo = memorisation_of(evidence)
        except SkipCheck:
            memo = None
        if memo is not None and len(issues.rows):
            late_rows = memo.rows[memo.late]
            flagged_tracked = np.isin(issues.rows, memo.rows)
            flagged_late = np.isin(issues.rows, late_rows)
            unflagged = ~np.isin(memo.rows, issues.rows)
            share_flagged = float(flagged_late.sum() / max(flagged_tracked.sum(), 1))
            share_unflagged = float(memo.late[unflagged].mean()) if unflagged.any() else 0.0
            figures |= {
                "late_fitted_share_of_flagged_pct": round(100 * share_flagged, 1),
                "late_fitted_share_of_others_pct": round(100 * share_unflagged, 1),
                "bulk_fitted_epoch": memo.bulk_epoch,
            }
            if flagged_tracked.sum() >= 5:
                if share_flagged >= 0.5 and share_flagged >= 3 * share_unflagged:
                    strength *= 1.25
                    corroboration = (
                        f" {100 * share_flagged:.0f}% of the flagged rows were fitted late or never "
                        f"(vs {100 * share_unflagged:.0f}% of the others): they are being memorised."
                    )
                elif share_flagged <= 1.5 * share_unflagged:
                    strength *= 0.75
                    corroboration = " The training losses do not single the flagged rows out (no memorisation signal)."
            order = np.lexsort((order, ~flagged_late))  # corroborated rows first, margin order kept
    if evidence.training_dynamics is not None and evidence.training_dynamics.n_epochs >= MIN_EPOCHS:
        low_aum = np.zeros(n, dtype=bool)
        low_aum[flag_label_issues(evidence.training_dynamics).rows] = True
        flagged = np.zeros(n, dtype=bool)
        flagged[issues.rows] = True
        share_flagged = float(low_aum[flagged].mean()) if flagged.any() else 0.0
        share_others = float(low_aum[~flagged].mean()) if (~flagged).any() else 0.0
        figures |= {
            "low_aum_share_of_flagged_pct": round(100 * share_flagged, 1),
            "low_aum_share_of_others_pct": round(100 * share_others, 1),
        }
        if flagged.sum() >= 5 and share_flagged >= 0.5 and share_flagged >= 3 * share_others:
            strength *= 1.25
            corroboration += (
                f" {100 * share_flagged:.0f}% of the flagged rows also trailed another class through training "
                f"(area under the margin below 0; {100 * share_others:.0f}% of the others)."
            )
        order = order[np.argsort(~low_aum[issues.rows[order]], kind="stable")]  # both kinds agree: first

    score = squash(strength, 1.0)
    if score < 0.05 and not len(issues.rows):
        return []
    caveat = ""
    if errors / n > _OVERLAP_RATIO * rate and score >= 0.5:
        caveat = (
            f" Caveat: the model's out-of-fold error ({100 * errors / n:.1f}%) is over {_OVERLAP_RATIO:g}x this "
            "estimate; part of it may be classes that overlap in feature space rather than wrong labels — "
            "check the first flagged rows by hand."
        )
        figures["overlap_caveat"] = "out-of-fold error far above the estimated noise rate"
    summary = (
        f"About {100 * rate:.1f}% of training labels look wrong (95% interval {100 * low:.1f}–{100 * high:.1f}%): "
        f"{len(issues.rows)} rows where the out-of-sample model confidently predicts another class"
        + (f"; most often {confusion_text}." if confusion_count else ".")
        + corroboration
        + caveat
        + (
            f" The same method finds {100 * control:.1f}% on the validation split (labels the model never fitted)."
            if control is not None
            else ""
        )
    )
    fixes = (
        f"Inspect the {len(issues.rows)} flagged rows (finding.rows, most suspicious first) and relabel them.",
        *cause_info("label_noise").fixes[1:],
    )
    return [
        Finding(
            cause="label_noise",
            score=score,
            summary=summary,
            evidence=figures,
            fixes=fixes,
            rows=tuple(int(r) for r in issues.rows[order]),
            check="label_noise.confident_learning",
            data={"noise_matrix": noise_matrix_data(evidence, issues), "suspects": _suspects(evidence, issues, order)},
        )
    ]


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
    strength = max(share - _LATE_FLOOR, 0.0) / (_LATE_AT_REPORT - _LATE_FLOOR)
    if low <= _LATE_FLOOR:
        strength = min(strength, 0.9)
    score = squash(strength, 1.0)
    if score < 0.05:
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
            score=score,
            summary=summary,
            evidence={
                "late_fitted_pct": round(100 * share, 2),
                "late_fitted_low_pct": round(100 * low, 2),
                "late_fitted_high_pct": round(100 * high, 2),
                "late_fitted_rows": n_late,
                "never_fitted_rows": never,
                "tracked_rows": n,
                "bulk_fitted_epoch": memo.bulk_epoch,
                "late_after_epoch": memo.late_after,
            },
            fixes=(
                f"Inspect the {n_late} late-fitted rows (finding.rows, never-fitted first) and relabel them.",
                "Pass out-of-sample train_probs (cross-validated) to estimate the noise matrix.",
                *cause_info("label_noise").fixes[1:],
            ),
            rows=tuple(int(r) for r in late_rows[order]),
            check="label_noise.memorisation",
            data={"markers": {"bulk_fitted_epoch": int(memo.bulk_epoch)}},
        )
    ]
