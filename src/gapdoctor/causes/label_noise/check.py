"""Label noise: wrong training labels that the model is memorising.

Three kinds of evidence, used together when more than one is given (this module holds the
confident-learning check and the scoring the other two share):

- **Confident learning** on out-of-sample ``train_probs`` (see
  :mod:`gapdoctor.causes.label_noise.confident_learning`): the estimated fraction of wrong labels
  with a 95% interval, the noise matrix (given label x estimated true label) and every
  flagged row, most suspicious first.
- **Training dynamics** of every row (``training_dynamics``, recorded by an integration
  from its logits; :mod:`gapdoctor.causes.label_noise.dynamics`): rows whose area under the
  margin is below zero or that were never learned. No out-of-fold model needed; with
  ``train_probs`` they corroborate and reorder the confident-learning flags.
- **Memorisation** from per-epoch per-row losses (``sample_losses``, see
  :mod:`gapdoctor.causes.label_noise.memorisation`): a wrong label is fitted late, by
  memorisation, or never; with ``train_probs`` it corroborates the flags too.

What each check measured is its typed payload (:mod:`gapdoctor.causes.label_noise.result`).

Telling noise from the model's ordinary errors: with ``y_val`` and ``val_probs`` the same
estimate on the validation split is the control — there the method can only see the
model's own confident errors (or noise both splits share), so the training estimate must
clear the validation one to be *training* label noise. The control is the final model's, the
estimate the out-of-fold models'; where the two are not the same kind of model (a final model that
collapsed onto one class) the control is raised, and an estimate within the models' own doubt must
clear the control's exact upper bound (:mod:`gapdoctor.causes.label_noise.control`). Beyond that
doubt, a second test of the same null needs neither: with accuracy curves in ``history``, the final
model fitting its own training labels worse than the validation labels at its best epoch, then
memorising them (a training curve that never reaches validation may be logged in training mode, under
dropout: :mod:`gapdoctor.causes.label_noise.fit_gap`) is combined with the control's test and lowers the
margin the estimate must clear it by (a model that memorised mild noise errs confidently on
validation too, and its control swallowed held-out corpus seeds 49 and 129). Without them,
on clean data a decent out-of-fold model still has confident errors, which confident learning counts as noise (1–2% of
the rows on digits, breast cancer and wine with logistic regression). The score is the
*excess* over that floor: a rate of ``score.FLOOR`` scores 0, ``score.AT_REPORT``
scores 0.5, and the finding is reported only when the lower end of the interval
clears the floor. The control cannot see that the out-of-fold models (trained on fewer rows)
may err more than the model it reads; their own probabilities can: confident learning on
labels drawn from them (:mod:`gapdoctor.causes.label_noise.own_uncertainty`) is what their
doubt alone accounts for, measured like the estimate, and with a control an estimate below it
is weighed by the share of that doubt it reaches, with no corroboration lifting it (an
early-stopped MLP on overlapping classes: estimate 17.6% against 21.6% there, while the
validation control read 10.3%: not reported). Without validation labels
there is no such comparison to guard: the fixed floor and the caveat below stand, as a model
calibrated to noisy labels (one that cannot memorise them) is as unsure as they are wrong.
Memorisation that agrees with the flags strengthens the finding;
flags the training curves do not single out weaken it. A task whose classes overlap
heavily (a weak model, 15%+ out-of-fold error) can still reach the threshold: for
confident learning that overlap *is* label noise with respect to the features. The
summary then carries a caveat (out-of-fold error more than twice the estimate; with
injected noise the ratio stays near 1.5, on clean data it is 2 to 5).

Known limitation: out-of-fold models of a weaker kind than the final one (logistic regression
under an MLP on non-linear clusters) read as wrong labels on clean data; no evidence in the inputs
tells them apart from wrong labels (figures in :mod:`gapdoctor.causes.label_noise.own_uncertainty`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.confident_learning import LabelIssues, find_label_issues
from gapdoctor.causes.label_noise.control import (
    ControlCredit,
    control_credit,
    control_upper,
    error_rate,
    out_of_fold_lag,
)
from gapdoctor.causes.label_noise.corroboration import by_dynamics, by_memorisation
from gapdoctor.causes.label_noise.fit_gap import fit_gap_of, gap_sentence
from gapdoctor.causes.label_noise.own_uncertainty import own_uncertainty_rate
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise, CountMatrix, Suspect
from gapdoctor.causes.label_noise.score import (
    CONTROL_Z,
    FLOOR,
    chance_rate,
    control_z,
    gap_ratio,
    noise_ratio,
    score,
)
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.causes.wording import count_of
from gapdoctor.findings import MIN_FINDING_SCORE, REPORT_THRESHOLD, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import IntArray, ProbabilityArray
from gapdoctor.stats.budget import LABEL_PASS_CELLS, sample_rows

__all__ = ["label_issues_of", "label_pass_rows", "noise_matrix_data", "own_uncertainty_of", "validation_control_rate"]

_MIN_ROWS = 30
_CONTROL_MIN_ROWS = 10  # fewer validation rows say nothing about the model's own confident errors
_OVERLAP_RATIO = 2.0  # out-of-fold error this many times the noise estimate: overlap, not only noise
_MAX_SUSPECTS = 50
_SHOWN_SHIFT = 0.005  # the summary says the control was raised when it moved by half a point or more
_SHOWN_LAG = 0.01  # ... and that the final model was still learning when it gained a point or more (flat: noise)
_DEVICE_CHUNK_ROWS = 1 << 20  # rows per chunk on a GPU: 80 MB of float64 x 10 classes, few kernel launches


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
    if evidence.train_probs_device is not None and len(y) * probs.shape[1] <= LABEL_PASS_CELLS:
        from gapdoctor.causes.label_noise.confident_learning_torch import find_label_issues_torch  # torch: an extra

        return find_label_issues_torch(y, evidence.train_probs_device, chunk_rows=_DEVICE_CHUNK_ROWS)
    return _budgeted_label_issues(y, probs, evidence.chunk_rows, "training rows for confident learning")


def own_uncertainty_of(evidence: Evidence) -> float:
    """Confident learning's rate on labels drawn from ``train_probs`` themselves, on the rows its pass reads."""
    probs = evidence.train_probs
    assert probs is not None
    n, k = probs.shape
    rows = None if n * k <= LABEL_PASS_CELLS else label_pass_rows(n, k)
    return own_uncertainty_rate(probs, chunk_rows=evidence.chunk_rows, rows=rows)


def label_pass_rows(n_rows: int, n_classes: int, what: str | None = None) -> IntArray:
    """The rows the confident-learning pass reads: all, or a seeded subsample past the budget."""
    return sample_rows(n_rows, LABEL_PASS_CELLS // max(n_classes, 1), what=what)


def _budgeted_label_issues(y: IntArray, probs: ProbabilityArray, chunk_rows: int, what: str) -> LabelIssues:
    """Confident learning within :data:`LABEL_PASS_CELLS`; the sample read in place (no copy of its rows)."""
    if len(y) * probs.shape[1] <= LABEL_PASS_CELLS:  # every row: no index array of n rows
        return find_label_issues(y, probs, chunk_rows=chunk_rows)
    return find_label_issues(y, probs, chunk_rows=chunk_rows, rows=label_pass_rows(len(y), probs.shape[1], what))


def _label(evidence: Evidence, class_id: int) -> str:
    return str(evidence.classes[class_id])


def _suspects(evidence: Evidence, issues: LabelIssues, order: NDArray[np.int64]) -> list[Suspect]:
    assert evidence.y_train is not None and evidence.train_probs is not None
    out: list[Suspect] = []
    for i in order[:_MAX_SUSPECTS]:
        row = int(issues.rows[i])
        suggested = int(issues.suggested[i])
        out.append(
            {
                "row": row,
                "given": _label(evidence, int(evidence.y_train[row])),
                "suggested": _label(evidence, suggested),
                "confidence": round(float(issues.suggested_probability[i]), 4),
            }
        )
    return out


def noise_matrix_data(evidence: Evidence, issues: LabelIssues) -> CountMatrix:
    """The noise matrix as Finding.data wants it (rows given, columns estimated true)."""
    return {"classes": [str(c) for c in evidence.classes], "counts": issues.noise_matrix.tolist()}


def _top_confusion(evidence: Evidence, issues: LabelIssues) -> tuple[str, int]:
    off = issues.noise_matrix.copy()
    np.fill_diagonal(off, 0)
    given, true = np.unravel_index(int(np.argmax(off)), off.shape)
    count = int(off[given, true])
    text = f"labelled '{_label(evidence, int(given))}' but look like '{_label(evidence, int(true))}'"
    return text, count


def _control_floor(rate: float, n_train: int, control: float, n_val: int, z: float = CONTROL_Z) -> float:
    """The validation control plus ``z`` standard errors of the train-minus-validation difference.

    The control's variance is taken at the Agresti-Coull proportion ((k + 2) / (n + 4)): a small
    validation split that happens to show no confident error is not proof the model makes none.
    """
    adjusted = (control * n_val + 2) / (n_val + 4)
    se = math.sqrt(rate * (1 - rate) / n_train + adjusted * (1 - adjusted) / (n_val + 4))
    return max(FLOOR, control + z * se)


def _raised_text(rate: float, credit: ControlCredit, train_error: float, val_error: float) -> str:
    """The summary's sentence on a control raised by :func:`~gapdoctor.causes.label_noise.control.control_credit`."""
    raised, shift, unbacked = 100 * credit.added, 100 * credit.predicted_shift, 100 * credit.unbacked
    control = credit.control
    return (
        f" The validation control is raised by {raised:.1f} points to {100 * credit.credited:.1f}%, the smaller of "
        "two bounds on what it misses: the final model predicts other classes than the out-of-fold models "
        f"(predicted class shares {shift:.1f} points apart), and the flags beyond the control "
        f"({100 * (rate - control):.1f} points) exceed by {unbacked:.1f} points what the training labels' extra "
        f"errors can hold ({100 * train_error:.1f}% against {100 * val_error:.1f}% on validation, at most "
        f"{100 * credit.excess_errors_high:.1f} points more with sampling noise)."
    )


def validation_control_rate(evidence: Evidence) -> float | None:
    """What confident learning reports on the validation split, whose labels the model never fitted.

    On validation the method can only see the model's own confident errors (and any noise
    the validation labels share with training): it is the floor the training estimate must
    clear to be *training* label noise. None without ``y_val`` / ``val_probs`` or with too
    few validation rows.
    """
    y, probs = evidence.y_val, evidence.val_probs
    if y is None or probs is None or len(y) < _CONTROL_MIN_ROWS or len(np.unique(y)) < 2:
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
    confusion = evidence.train_confusion  # argmax per chunk, all rows: no full-size temporary
    assert confusion is not None
    errors = int(confusion.sum() - np.trace(confusion))
    val_confusion = None if control is None else evidence.val_confusion
    val_error = None if val_confusion is None else error_rate(val_confusion)
    credit = (
        None if control is None or val_confusion is None else control_credit(rate, confusion, val_confusion, control)
    )
    kind_credited = None if credit is None else credit.credited
    # out-of-fold models took fewer steps: a final model still learning fast stands ahead of them
    lag = 0.0 if kind_credited is None else out_of_fold_lag(evidence.history)
    credited = None if kind_credited is None else min(kind_credited + lag, 1.0)
    # the models' own doubt is read only against a validation control (a second pass over the rows)
    own = None if control is None else own_uncertainty_of(evidence)
    chance = chance_rate(issues.label_counts)
    # the control is the final model's; the estimate, out-of-fold models' trained on fewer rows: the
    # excess over the control must also exceed what those models' own doubt accounts for
    within_doubt = own is not None and rate <= own
    # beyond that doubt, the final model's own fit gap is a second test of the same null (fit_gap)
    gap = None if credited is None or within_doubt else fit_gap_of(evidence)
    z = control_z(None if gap is None else gap.z)
    floor = FLOOR if credited is None else _control_floor(rate, n, credited, n_val, z)
    clears = None if credited is None or z >= CONTROL_Z else max(FLOOR, credited)
    if within_doubt and credited is not None:
        floor = max(floor, control_upper(credited, n_val))
    confusion_text, confusion_count = _top_confusion(evidence, issues)
    memorised = by_memorisation(evidence, issues, np.arange(len(issues.rows)))
    assert memorised.order is not None
    dynamics = by_dynamics(evidence, issues, memorised.order)
    assert dynamics.order is not None
    order = dynamics.order
    estimated = noise_ratio(rate, low, floor, chance=chance, own_uncertainty=0.0 if own is None else own, clears=clears)
    # the fit gap is an estimate of its own, needing no control (score.gap_ratio)
    by_gap = 0.0 if gap is None else gap_ratio(gap.gap, gap.z)
    strength_of_evidence = score(
        max(estimated, by_gap),
        memorised.factor,
        dynamics.factor,
        within_own_uncertainty=within_doubt,
    )
    if strength_of_evidence < MIN_FINDING_SCORE and not len(issues.rows):
        return []
    overlap = errors / n > _OVERLAP_RATIO * rate and strength_of_evidence >= REPORT_THRESHOLD
    caveat = (
        f" Caveat: the model's out-of-fold error ({100 * errors / n:.1f}%) is over {_OVERLAP_RATIO:g}x this "
        "estimate; part of it may be classes that overlap in feature space rather than wrong labels — "
        "check the first flagged rows by hand."
        if overlap
        else ""
    )
    summary = (
        f"About {100 * rate:.1f}% of training labels look wrong (95% interval {100 * low:.1f}–{100 * high:.1f}%): "
        f"{count_of(len(issues.rows), 'row')} where the out-of-sample model confidently predicts another class"
        + (f"; most often {confusion_text}." if confusion_count else ".")
        + gap_sentence(gap)
        + (
            f" That gap alone shows wrong labels (at least about {100 * gap.gap:.0f}% of them), though the estimate "
            "does not clear the validation control, which the final model reads (a model that memorised wrong labels "
            "errs on validation by their damage)."
            if gap is not None and estimated < 1.0 <= by_gap
            else ""
        )
        + memorised.text
        + dynamics.text
        + caveat
        + (
            f" The same method finds {100 * control:.1f}% on the validation split (labels the model never fitted)."
            if control is not None
            else ""
        )
        + (
            _raised_text(rate, credit, errors / n, val_error or 0.0)
            if credit is not None and credit.added > _SHOWN_SHIFT
            else ""
        )
        + (
            f" The control is raised by {100 * lag:.1f} points: the final model was still gaining validation "
            "accuracy when it stopped, and out-of-fold models trained for four fifths of its steps stand that far "
            "behind it."
            if lag >= _SHOWN_LAG
            else ""
        )
        + (
            f" Not read as label noise: labels drawn from the model's own probabilities would be flagged as often "
            f"({100 * (own or 0.0):.1f}%): the model is unsure where it disagrees, as on overlapping classes."
            if within_doubt and rate > floor and strength_of_evidence < REPORT_THRESHOLD
            else ""
        )
    )
    result = ConfidentLearningNoise(
        noise_rate_pct=round(100 * rate, 2),
        noise_rate_low_pct=round(100 * low, 2),
        noise_rate_high_pct=round(100 * high, 2),
        flagged_rows=len(issues.rows),
        training_rows=n,
        out_of_fold_error_pct=round(100 * errors / len(evidence.y_train), 2),
        floor_pct=round(100 * floor, 2),
        validation_control_rate_pct=None if control is None else round(100 * control, 2),
        validation_error_pct=None if val_error is None else round(100 * val_error, 2),
        own_uncertainty_rate_pct=None if own is None else round(100 * own, 2),
        chance_rate_pct=round(100 * chance, 2),
        out_of_fold_lag_pct=None if credited is None else round(100 * lag, 2),
        control_shift_pct=None if credit is None else round(100 * credit.predicted_shift, 2),
        control_unbacked_pct=None if credit is None else round(100 * credit.unbacked, 2),
        most_common_confusion=f"{confusion_count} rows {confusion_text}" if confusion_count else None,
        late_fitted_share_of_flagged_pct=memorised.late_share_of_flagged,
        late_fitted_share_of_others_pct=memorised.late_share_of_others,
        bulk_fitted_epoch=memorised.bulk_fitted_epoch,
        low_aum_share_of_flagged_pct=dynamics.low_aum_share_of_flagged,
        low_aum_share_of_others_pct=dynamics.low_aum_share_of_others,
        fit_gap_pct=None if gap is None else round(100 * gap.gap, 2),
        fit_gap_z=None if gap is None else round(gap.z, 2),
        fit_gap_epoch=None if gap is None else gap.epoch,
        overlap_caveat="out-of-fold error far above the estimated noise rate" if overlap else None,
        noise_matrix=noise_matrix_data(evidence, issues),
        suspects=_suspects(evidence, issues, order),
    )
    fixes = (
        f"Inspect the {len(issues.rows)} flagged rows (finding.rows, most suspicious first) and relabel them.",
        *cause_info("label_noise").fixes[1:],
    )
    return [
        Finding(
            cause="label_noise",
            score=strength_of_evidence,
            summary=summary,
            fixes=fixes,
            rows=tuple(int(r) for r in issues.rows[order]),
            check="label_noise.confident_learning",
            result=result,
        )
    ]
