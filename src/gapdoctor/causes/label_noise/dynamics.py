"""Label noise from the training dynamics of every row, without out-of-fold probabilities.

The per-row store (:mod:`gapdoctor.inputs.training_dynamics`) is filled by a
training-loop integration from its logits. A row is flagged when its given label trailed
another class through training by a clear share of the margin fitted rows reach (area under the
margin, Pleiss et al. 2020) in a class pair confident learning estimates labels flowed into,
or when confident learning on its softmax averaged over the epochs flags it
(:func:`dynamics_label_issues`). The score counts only the rows whose AUM is also below minus
half the run's own scale of fit (:data:`_MIRROR_SHARE`), so that rows a slow or underfit run
has not fitted yet are not taken for evidence of wrong labels. Scored like confident learning
(:mod:`gapdoctor.causes.label_noise.check`): the flagged share over a floor (the validation
control when ``y_val`` / ``val_probs`` are given). With ``train_probs`` this check steps
aside: ``label_noise.confident_learning`` uses the dynamics as corroboration.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.label_noise.check import (
    _MAX_SUSPECTS,
    _MIN_ROWS,
    _control_floor,
    _label,
    validation_control_rate,
)
from gapdoctor.causes.label_noise.confident_learning import find_label_issues
from gapdoctor.causes.label_noise.fit_gap import fit_gap_of, gap_sentence
from gapdoctor.causes.label_noise.result import DynamicsSuspect, TrainingDynamicsNoise
from gapdoctor.causes.label_noise.score import FLOOR, chance_rate, gap_ratio, noise_ratio, score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.training_dynamics import MIN_EPOCHS, DynamicsSummary, LabelDynamics, flag_label_issues
from gapdoctor.stats.accumulators import binomial_interval

__all__ = ["dynamics_label_issues"]

_MIRROR_SHARE = 0.5
"""A flagged row counts towards the score only when its AUM is below minus this share of the
run's own scale of fit (the median AUM of the rows with a positive one).

A wrong label under a model that learned the true class is the mirror image of a fitted
row: the true class leads it by about what a fitted row's label leads by, so its AUM sits
near minus the median positive AUM. A correct row the model has not fitted yet (a slow or
underfit run) sits near 0: its early epochs, before the model learned anything, pull it
just below. Halfway between the two separates them without a constant tied to one run.
Measured (digits, X/16, Adam 1e-3, 20 epochs, seeds 0-2): clean, 4.0-4.6% of rows below 0
but 0.6% below the half mirror; 30% flipped, 28-31% below it at precision 0.97.
All flagged rows are still listed and estimated: wrong labels of a confusable class pair
(class-conditional flips) also sit just below 0, and leaving them out dropped the F1
of the listed rows from 0.90 to 0.76-0.83 (digits, 20% pair flips)."""


_FLAG_MIRROR_SHARE = 0.2
"""Besides confident learning's flags, a row is flagged when its AUM is below minus this share of
the run's scale of fit (see :data:`_MIRROR_SHARE`) and its averaged self-confidence is below its
class's mean.

Chosen, before that second condition was added, on ``benchmarks/training_dynamics.py``'s
calibration sets, digits (3 seeds) and mnist1d (10/20/40% symmetric and class-conditional
flips), by replaying their recorded logits (``benchmarks/training_dynamics_replay.py``): AUM < 0
over-flags a run that has not fitted its clean rows (mnist1d, MLP at 41-62% training accuracy:
46-66% of rows below 0 for 10-40% flipped), while the wrong labels a memorising run half-learned
sit just below 0 (digits, class-conditional). F1 at shares 0.15 / 0.2 / 0.25 / 0.3 (cleanlab on
out-of-fold probabilities): digits 40% class-conditional 0.653 / 0.651 / 0.643 / 0.639 (0.648);
20% 0.905 / 0.896 / 0.891 / 0.883 (0.886); mnist1d 20% class-conditional 0.502 / 0.511 / 0.516 /
0.518 (0.517, one seed). 0.2 is the largest share that keeps every digits setting above cleanlab.
The self-confidence condition then lifted mnist1d (20%: 0.511 -> 0.531 class-conditional, 0.542 ->
0.567 symmetric) and left digits and the 100k sets within 0.001."""


_PAIR_SHARE = 0.5
"""An AUM flag (see :data:`_FLAG_MIRROR_SHARE`) counts only where confident learning's estimated
joint puts at least this share of the given label's mean off-diagonal cell on the pair (given
label, leading other class): where it estimates that labels flowed from the given class into the
class that leads.

A model that cannot memorise (overlapping classes, few epochs) leaves clean rows of two
overlapping classes led by the other class (the overlap, not flips); confident learning's joint,
on calibrated probabilities, puts little mass on such a pair (25-124 of 10,000 rows a class on
the 100k class-conditional set, against about 2,000 on the flipped pairs), while the AUM
condition takes them (precision 0.05 there; F1 0.883 against cleanlab's 0.917). A memorising run
(digits) makes confident learning undercount a flipped pair, but not to nothing. Chosen on the
replayed digits and mnist1d runs (``benchmarks/training_dynamics_replay.py``), with one 100k
class-conditional seed as the only big run, as the share in 0 / 0.1 / 0.2 / 0.25 / 0.3 / 0.4 /
0.5 with the largest worst margin over cleanlab on digits and mnist1d (0.0024 / 0.0015 / 0.0015 /
0.0018 / 0.0020 / 0.0022 / 0.0027) that is also above cleanlab on that seed (0.9336 vs 0.9216;
0.2: 0.9191). Half, as for :data:`_MIRROR_SHARE`: the largest share tried."""


def dynamics_label_issues(summary: DynamicsSummary, y_train: NDArray[np.integer]) -> LabelDynamics:
    """Rows likely mislabelled, from the training dynamics alone (no out-of-fold model).

    A row is flagged when confident learning (Northcutt et al. 2021: per-class thresholds, the
    confident joint, pruning by noise rate) on its softmax averaged over the epochs flags it, or
    when its given label trailed another class through training by over
    :data:`_FLAG_MIRROR_SHARE` of the margin fitted rows reach (area under the margin, Pleiss et
    al. 2020) while its averaged probability of the given label is below the mean of the rows
    given that label (confident learning's per-class threshold) and confident learning's joint
    estimates that labels flowed from the given class into the class that leads
    (:data:`_PAIR_SHARE`; otherwise the row is in the overlap of two classes). The averaged probabilities are
    in-sample, so a memorising model lifts a wrong label it fitted late: the area under the
    margin keeps those rows, while confident learning keeps the rows of an underfit run that the
    model leans away from without a clear margin.
    Without averaged probabilities (more than ``MAX_PROBABILITY_CELLS`` rows x classes), rows are
    flagged by :func:`~gapdoctor.inputs.training_dynamics.flag_label_issues` (AUM below 0 or never learned).

    Parameters
    ----------
    summary : DynamicsSummary
    y_train : ndarray of int
        The given labels, encoded 0..k-1.

    Returns
    -------
    LabelDynamics
        Flagged rows, lowest AUM first; ``threshold`` is the AUM threshold used.
    """
    if summary.mean_probabilities is None:
        return flag_label_issues(summary)
    flag_label_issues(summary)  # the same errors (too few epochs)
    seen = np.flatnonzero(summary.seen)
    fitted = summary.aum[seen][summary.aum[seen] > 0]
    threshold = -_FLAG_MIRROR_SHARE * float(np.median(fitted)) if len(fitted) else 0.0
    flagged = np.zeros(len(summary.aum), dtype=bool)
    labels = np.asarray(y_train)[seen].astype(np.int64)
    probabilities = summary.mean_probabilities[seen]
    if len(seen) and probabilities.shape[1] > labels.max(initial=0):
        issues = find_label_issues(labels, probabilities)
        flagged[seen[issues.rows]] = True
        # a clear AUM counts where the averaged self-confidence is also below its class's mean
        # (confident learning's per-class threshold): a clean row an underfit run has not fitted
        # yet still gets about its class's usual confidence
        own = probabilities[np.arange(len(seen)), labels]
        # ... and where confident learning's joint estimates that labels flowed from the given
        # class into the class that leads (not the mere overlap of two classes)
        joint = np.asarray(issues.joint, dtype=np.float64)
        mean_cell = (joint.sum(axis=1) - np.diag(joint)) / max(joint.shape[0] - 1, 1)
        others = probabilities.copy()
        others[np.arange(len(seen)), labels] = -np.inf
        leading = others.argmax(axis=1)
        flowed = (joint[labels, leading] > 0) & (joint[labels, leading] >= _PAIR_SHARE * mean_cell[labels])
        flagged[seen] |= (summary.aum[seen] < threshold) & (own < issues.thresholds[labels]) & flowed
    candidates = np.flatnonzero(flagged)
    order = np.lexsort((candidates, summary.aum[candidates]))
    return LabelDynamics(
        rows=candidates[order].astype(np.int64),
        n_seen=len(seen),
        never_learned=int((summary.never_learned & flagged).sum()),
        threshold=threshold,
    )


@register(
    name="label_noise.training_dynamics",
    cause="label_noise",
    requires=("y_train", "training_dynamics"),
    description="Rows whose given label trailed another class through training (area under the margin), every row.",
)
def label_noise_training_dynamics(evidence: Evidence) -> list[Finding]:
    """Low-AUM and never-learned rows, when no out-of-sample probabilities are given."""
    summary = evidence.training_dynamics
    assert summary is not None and evidence.y_train is not None
    if evidence.train_probs is not None:
        raise SkipCheck("train_probs given: label_noise.confident_learning uses the dynamics as corroboration")
    if summary.n_epochs < MIN_EPOCHS:
        raise SkipCheck(f"training dynamics cover {summary.n_epochs} epochs; at least {MIN_EPOCHS} are needed")
    flags = dynamics_label_issues(summary, evidence.y_train)
    if flags.n_seen < _MIN_ROWS:
        raise SkipCheck(f"training dynamics cover {flags.n_seen} rows; at least {_MIN_ROWS} are needed")
    fitted = summary.aum[summary.seen & (summary.aum > 0)]
    scale = float(np.median(fitted)) if len(fitted) else 0.0
    rows = flags.rows
    n_clear = int(np.sum(summary.aum[rows] < -_MIRROR_SHARE * scale))
    # the evidence (score) is the clear share; the estimate and the rows to relabel are all
    # flagged rows (wrong labels a model half-learned sit near 0 too, e.g. confusable pairs)
    clear_rate = n_clear / flags.n_seen
    clear_low, _ = binomial_interval(n_clear, flags.n_seen)
    rate = flags.noise_rate
    low, high = binomial_interval(len(rows), flags.n_seen)
    control = validation_control_rate(evidence)
    n_val = 0 if evidence.y_val is None else len(evidence.y_val)
    floor = FLOOR if control is None else _control_floor(clear_rate, flags.n_seen, control, n_val)
    chance = chance_rate(np.bincount(np.asarray(evidence.y_train)[summary.seen], minlength=len(evidence.classes)))
    # the final model's own fit gap needs no control: a long run memorises its wrong labels (their AUM
    # turns positive, the control rises with the damage), while at the best validation epoch it still
    # fitted them worse than the validation labels (:mod:`gapdoctor.causes.label_noise.fit_gap`)
    gap = fit_gap_of(evidence)
    by_gap = 0.0 if gap is None else gap_ratio(gap.gap, gap.z)
    estimated = noise_ratio(clear_rate, clear_low, floor, chance=chance)
    strength_of_evidence = score(max(estimated, by_gap))
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []
    margins = (
        f"in {len(rows)} rows the given label trailed another class through training (area under the margin, "
        f"or confident learning on the softmax averaged over epochs; {flags.never_learned} never learned), in "
        f"{n_clear} clearly (by over half the margin fitted rows reach)"
    )
    if gap is not None and estimated < 1.0 <= by_gap:  # the gap alone: the margins no longer tell
        summary_text = (
            f"At least about {100 * gap.gap:.0f}% of training labels look wrong." + gap_sentence(gap) + " By the end "
            f"the model had memorised them, and their margins no longer single them out: {margins}."
        )
    else:
        summary_text = (
            f"About {100 * rate:.1f}% of training labels look wrong (95% interval {100 * low:.1f}–{100 * high:.1f}%): "
            f"{margins} — wrong labels are fitted late, by memorisation." + gap_sentence(gap)
        )
    suspects: list[DynamicsSuspect] = [
        {
            "row": int(r),
            "given": _label(evidence, int(evidence.y_train[r])),
            "suggested": _label(evidence, int(summary.suggested[r])) if summary.suggested[r] >= 0 else "",
            "aum": round(float(summary.aum[r]), 3),
            "given_label_confidence": round(float(summary.confidence[r]), 4),
            "forgetting_events": int(summary.forgetting_events[r]),
        }
        for r in rows[:_MAX_SUSPECTS]
    ]
    result = TrainingDynamicsNoise(
        noise_rate_pct=round(100 * rate, 2),
        noise_rate_low_pct=round(100 * low, 2),
        noise_rate_high_pct=round(100 * high, 2),
        clear_noise_rate_pct=round(100 * clear_rate, 2),
        flagged_rows=len(rows),
        clearly_flagged_rows=n_clear,
        training_rows=flags.n_seen,
        never_learned_rows=flags.never_learned,
        fitted_margin_scale=round(scale, 3),
        epochs=summary.n_epochs,
        floor_pct=round(100 * floor, 2),
        mean_forgetting_events_flagged=round(float(summary.forgetting_events[rows].mean()), 2) if len(rows) else 0.0,
        validation_control_rate_pct=None if control is None else round(100 * control, 2),
        fit_gap_pct=None if gap is None else round(100 * gap.gap, 2),
        fit_gap_z=None if gap is None else round(gap.z, 2),
        fit_gap_epoch=None if gap is None else gap.epoch,
        suspects=suspects,
    )
    return [
        Finding(
            cause="label_noise",
            score=strength_of_evidence,
            summary=summary_text,
            fixes=(
                f"Inspect the {len(rows)} flagged rows (finding.rows, most suspicious first) and relabel them."
                if len(rows)
                else "Find the wrong labels with out-of-fold probabilities (train_probs from cross-validation): "
                "the memorised ones no longer stand out in this run's margins.",
                *cause_info("label_noise").fixes[1:],
            ),
            rows=tuple(int(r) for r in rows),
            check="label_noise.training_dynamics",
            result=result,
        )
    ]
