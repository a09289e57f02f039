"""How ``label_noise``'s measured statistics become its strength of evidence: its one scoring declaration.

The statistic is an estimated share of wrong training labels with its exact 95% interval:
confident learning's noise rate on out-of-sample probabilities, the clear low-AUM share of
training dynamics, or the share of rows fitted late (per-row losses). Each is scored by its
*excess* over a floor (what a clean run shows: a decent model's own confident errors, or the
validation control when given), only reported when the interval's low end clears that floor and
the estimate exceeds what the model's own probabilities explain (confident learning on labels
drawn from them).
Agreement of the other per-row evidence multiplies it. Ratios to the reporting points below
are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio` (0.5 at the reporting point).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.scoring import capped, strength_from_ratio

__all__ = [
    "AT_REPORT",
    "CONTROL_Z",
    "CORROBORATED_FACTOR",
    "FLOOR",
    "GAP_ALONE_Z",
    "GAP_CLOSED",
    "GAP_SKIPPED_EPOCHS",
    "GAP_SMOOTHING",
    "HIGH_FLOOR_SHARE",
    "LATE_AT_REPORT",
    "LATE_FLOOR",
    "OUT_OF_FOLD_STEP_SHARE",
    "PEAK_FALL_MIN_Z",
    "PEAK_FALL_REPORTABLE",
    "PEAK_MEMORISING_FALL",
    "UNCLEARED_MAX_RATIO",
    "UNCORROBORATED_FACTOR",
    "chance_rate",
    "control_z",
    "gap_ratio",
    "late_ratio",
    "noise_ratio",
    "peak_fall_score",
    "score",
]

FLOOR = 0.02
"""Noise rate confident learning reports on clean data with a decent model (1-2% of the rows on
digits, breast cancer and wine with logistic regression): scored 0."""
AT_REPORT = 0.05
"""Estimated noise rate reported at 0.5 over that floor (an excess of 3 points) ..."""
HIGH_FLOOR_SHARE = 0.25
"""... over a high floor (a weak model that errs a lot anyway, or a high validation control) the
excess must be a quarter of the floor itself, or a quarter of the room left between the floor and
chance (:func:`chance_rate`), whichever is smaller.

The quarter stands for what the floor cannot measure: the out-of-fold models are trained on fewer
rows than the model the validation control reads, so they may err more. A weaker model's error
grows with its error (a quarter of it), but it cannot pass chance: near chance the room left, not
the floor, bounds it. With the floor alone, a binary task whose control is 40% could never be
reported (the excess would have to reach 50%, past chance): corpus seeds 113 and 385 (37-39%
symmetric flips, estimate 46-50% at chance against a 37-40% control) scored 0.37 and 0.33 and their
own symptom, overfitting, headed."""
UNCLEARED_MAX_RATIO = 0.9
"""The interval's low end does not clear the floor, or the estimate does not exceed the model's own
uncertainty (:func:`noise_ratio`): never reported (ratio 0.9, score 0.47)."""
CORROBORATED_FACTOR = 1.25
"""The flagged rows are also the ones memorised late / trailing another class: a quarter more evidence."""
UNCORROBORATED_FACTOR = 0.75
"""The per-row losses do not single the flagged rows out: a quarter less."""
CONTROL_Z = 1.96
"""The estimate clears the validation control by this many standard errors of their difference (95%,
one test); with the fit gap as a second test the two are combined (:func:`control_z`)."""
GAP_ALONE_Z = CONTROL_Z * math.sqrt(2.0)
"""A fit gap this many standard errors above 0 is significant on its own at the combined test's bar
(:func:`control_z`: it leaves the estimate nothing to clear but the control) and is read as a noise
estimate of its own (:func:`gap_ratio`). On the calibration corpus (both sides, 1,269 runs whose gap was
read, beyond the model's own doubt and with a validation control) a gap of z >= 2 appeared in 155 runs,
every one with wrong training labels injected (flipped or pseudo-labelled): 0 of the others."""
GAP_SKIPPED_EPOCHS = 1
"""The fit gap (:mod:`gapdoctor.causes.label_noise.fit_gap`) skips the first epoch: a training metric
averaged over an epoch that starts from an untrained model lags the validation one read at its end."""
GAP_SMOOTHING = 3
"""The fit gap's curves are averaged over this many epochs (centred) before the best validation epoch
is picked: the luckiest single epoch of a small validation split is not the model's best."""
GAP_CLOSED = 0.0
"""The fit gap is read only when the training curve reaches the validation curve (their smoothed gap at
the last epoch at most 0): the premise, training labels fitted at least as well as unseen ones, then
visibly holds for the curve as it was measured, and the earlier gap was wrong labels not yet memorised.
A training accuracy logged in training mode (dropout, augmentation) stays below validation to the end on
clean labels (torch MLPs with dropout 0.5: +16 to +20 points at the last epoch on digits and on
make_classification, z 6-12; on a non-linear task with logistic out-of-fold models it lifted a clean
run's label noise from 0.38 to 0.63); memorised wrong labels cross it (corpus seeds 49 and 129, the wine
runs of the tests: -14 to -22 points at the end)."""
OUT_OF_FOLD_STEP_SHARE = 0.8
"""Out-of-fold models trained like the final model, for as many epochs on four fifths of its rows (five folds:
scikit-learn's ``cross_val_predict`` default, the bench's and the corpus's), took four fifths of its steps: they
stand where it stood four fifths into its training (:func:`gapdoctor.causes.label_noise.control.out_of_fold_lag`)."""
LATE_FLOOR = 0.05
"""Share of rows a clean run fits late (hard but correct rows): scored 0."""
LATE_AT_REPORT = 0.12
"""Share of late-fitted rows reported at 0.5 (memorisation alone)."""


PEAK_FALL_REPORTABLE = 0.05
"""Accuracy lost from the validation curve's (smoothed) peak to its end, reported at 0.5: 5 points. A network
memorising wrong training labels gives back on correct validation labels what it had learnt (the early-learning
peak, then the decline of memorisation); one memorising correct labels keeps most of it, its validation loss
rising through overconfidence (the loop yardstick's overfitting runs: 0.2-2.8 points)."""
PEAK_FALL_MIN_Z = 3.0
"""The fall must be this many times the accuracy's noise (its sampling s.d. on the validation rows, or its
point-to-point noise where larger): no evidence below it."""
PEAK_MEMORISING_FALL = 0.5
"""After the peak the training loss must fall by at least half again: the model went on fitting its labels."""


def peak_fall_score(fall: float, z: float, fitting: float) -> float:
    """Strength of evidence of the validation accuracy lost after its peak (0 within the noise), times the
    evidence in [0, 1] that the run went on fitting its training labels meanwhile.

    Examples
    --------
    >>> round(peak_fall_score(0.11, 5.0, 1.0), 2), peak_fall_score(0.11, 2.0, 1.0), peak_fall_score(0.11, 5.0, 0.0)
    (0.69, 0.0, 0.0)
    """
    ratio = fall / PEAK_FALL_REPORTABLE if z >= PEAK_FALL_MIN_Z and fall > 0 else 0.0
    return strength_from_ratio(ratio * fitting)


def chance_rate(label_counts: Sequence[int] | NDArray[np.integer]) -> float:
    """The share of labels a model that learned nothing contradicts: ``1 - sum(prior^2)``.

    A label drawn independently of the features disagrees with an equally uninformed guess at
    this rate (``1 - 1/k`` for ``k`` balanced classes); no noise estimate is read past it.

    Examples
    --------
    >>> chance_rate([50, 50]), round(chance_rate([10, 10, 10]), 4)
    (0.5, 0.6667)
    """
    counts = np.asarray(label_counts, dtype=np.float64)
    prior = counts / max(float(counts.sum()), 1.0)
    return float(1.0 - np.sum(prior * prior))


def control_z(gap_z: float | None) -> float:
    """How many standard errors the estimate must clear the validation control by, given the fit gap's z.

    Two one-sided tests of "no wrong labels beyond the model's own errors", confident learning
    against the control (out-of-fold models) and the final model's fit gap
    (:mod:`gapdoctor.causes.label_noise.fit_gap`, one model at one epoch), are combined by
    Stouffer's rule as if independent: ``(z_control + z_gap) / sqrt(2) >= CONTROL_Z``. They read
    different models but share the validation labels, so the combined bar is somewhat lenient; on
    the corpus (366 runs, 323 without injected label noise) it raised no label-noise finding. A gap
    of ``CONTROL_Z * (sqrt(2) - 1)`` (0.81) or less leaves the control's own bar; a gap significant
    at the combined bar on its own (2.77) leaves the estimate only to exceed the control.

    Examples
    --------
    >>> control_z(None), control_z(0.5), round(control_z(2.3), 2), control_z(3.0)
    (1.96, 1.96, 0.47, 0.0)
    """
    if gap_z is None:
        return CONTROL_Z
    return min(max(CONTROL_Z * math.sqrt(2.0) - gap_z, 0.0), CONTROL_Z)


def noise_ratio(
    rate: float,
    low: float,
    floor: float = FLOOR,
    *,
    chance: float = 1.0,
    own_uncertainty: float = 0.0,
    clears: float | None = None,
) -> float:
    """An estimated noise rate's excess over ``floor``, over its reporting point.

    ``chance`` (:func:`chance_rate`) bounds how much more a weaker model can err than the floor
    (:data:`HIGH_FLOOR_SHARE`); a floor at or past chance leaves no room (ratio 0: a model that
    knows nothing of the validation labels cannot tell wrong training labels). ``own_uncertainty``
    is what confident learning finds on labels drawn from the model's own probabilities
    (:func:`gapdoctor.causes.label_noise.own_uncertainty.own_uncertainty_rate`): an estimate below
    it is weighed by the share of that doubt it reaches (a model that learnt the classes contradicts
    wrong labels far beyond its doubt; one trained on 30% flipped labels is about as unsure as they
    are wrong, the demo's 0.96-1.06x, and keeps its evidence; healthy runs on overlapping classes
    sit at 0.33-0.81x). A hard "never within the doubt" rule lost the demo's seed 0 (0.964x).
    Within that doubt it is also weighed by the room the doubt leaves below chance
    (``1 - own_uncertainty / chance``): models whose doubt reaches chance flag labels drawn from
    their own probabilities as often as a model that learned nothing, and can tell no wrong label
    (held-out corpus seed 274, a rare positive class: out-of-fold logistic models no more accurate
    than the majority class, doubt 17.1% against chance 17.2%, flagged 15.0% against a 3.9% control
    read by the surer final model and was reported at 0.65; the demo's doubt is 33-36% against 90%).

    An estimate whose whole interval lies past chance is no label noise either: wrong labels drawn
    at random leave the labels at worst uninformative, contradicted at the chance rate; labels
    contradicted more often are systematically mismatched (corpus seed 232, a pipeline bug on iris:
    out-of-fold models trained on class-sorted folds contradict 86.9% of the labels, chance 66.7%).

    ``clears``: what the interval's low end must clear to be reported (default ``floor``); with the
    fit gap as a second test the floor carries the combined test and the low end need only clear
    the control itself (:func:`control_z`).

    Examples
    --------
    >>> round(noise_ratio(0.501, 0.475, 0.436, chance=0.5), 2)  # binary, near chance: the room bounds it
    2.17
    >>> round(noise_ratio(0.176, 0.144, 0.140, chance=0.5, own_uncertainty=0.216), 2)  # within the model's doubt
    0.48
    """
    room = chance - floor
    if room <= 0 or low > chance:  # labels contradicted beyond chance are mismatched, not randomly wrong
        return 0.0
    ratio = max(rate - floor, 0.0) / max(AT_REPORT - FLOOR, HIGH_FLOOR_SHARE * min(floor, room))
    if 0.0 < rate < own_uncertainty:  # weighed by the share of the model's own doubt the estimate reaches
        ratio *= rate / own_uncertainty * max(1.0 - own_uncertainty / chance, 0.0)
    return capped(ratio, UNCLEARED_MAX_RATIO, when=low <= (floor if clears is None else clears))


def gap_ratio(gap: float, z: float) -> float:
    """The fit gap read as an estimate of the share of wrong training labels, over its reporting point.

    At its best validation epoch a model that has learnt the true classes but not yet memorised the
    wrong labels fits the given training labels worse than the validation labels by about the wrong
    labels' share times its margin over chance on them: the gap is a lower bound of that share. It
    needs no validation control, which the final model reads: a model that memorised many wrong labels
    errs on validation by their damage, and its control can stand above the out-of-fold estimate
    (held-out corpus seeds 2657, 4049, 1505: 32-36% flipped labels, estimate 34% against a 39% control,
    gap 15-20 points at z 4.4-5.4, label noise at 0.08-0.16). Scored like an estimate over
    :data:`FLOOR` (a floor the gap's null, 0, lies below) once its low end, taken :data:`GAP_ALONE_Z`
    standard errors down, clears that floor. A gap short of that is no estimate of its own (ratio 0,
    not the capped ratio of an uncleared estimate, which corroboration could lift past the reporting
    point): it already weighs in the combined test of the control (:func:`control_z`). Read with
    the capped ratio, insignificant gaps (z 0.8-1.8) on tiny validation splits were lifted to 0.73
    by their late-fitted rows in 8 corpus runs, 6 of them without wrong labels.

    Examples
    --------
    >>> round(gap_ratio(0.20, 5.4), 1), gap_ratio(0.08, 1.5), gap_ratio(-0.02, -1.0)
    (6.0, 0.0, 0.0)
    """
    if gap <= 0 or z <= 0:
        return 0.0
    low = gap - GAP_ALONE_Z * gap / z
    return noise_ratio(gap, low) if low > FLOOR else 0.0


def late_ratio(share: float, low: float) -> float:
    """The share of late-fitted rows' excess over :data:`LATE_FLOOR`, over its reporting point."""
    ratio = max(share - LATE_FLOOR, 0.0) / (LATE_AT_REPORT - LATE_FLOOR)
    return capped(ratio, UNCLEARED_MAX_RATIO, when=low <= LATE_FLOOR)


def score(ratio: float, *factors: float, within_own_uncertainty: bool = False) -> float:
    """Strength of evidence of a ratio, times the corroboration factors of the other evidence.

    ``within_own_uncertainty``: the estimate does not exceed what the model's own probabilities
    explain (:func:`noise_ratio`); corroborating factors then cannot raise it. The rows a doubtful
    model contradicts are the rows its training run fits late or never as well (corpus seed 300,
    healthy: 91% of the flagged rows against 23% of the others), so per-row losses cannot
    corroborate them.
    """
    for factor in factors:
        ratio *= min(factor, 1.0) if within_own_uncertainty else factor
    return strength_from_ratio(ratio)
