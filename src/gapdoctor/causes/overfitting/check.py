"""Overfitting, read from the training curves.

The story: the validation loss reaches a minimum and turns up while the training loss
keeps falling; the validation metric stops improving (or gives back what it gained).
The check locates the validation minimum, the epoch at which the train/validation gap
starts to grow (a two-piece linear fit of the gap), and the best epoch to stop at.

Strength of evidence is how far the validation curve rose after its best point,
relative to its own progress and to its epoch-to-epoch noise, provided the training
loss kept falling meanwhile. A validation curve that merely plateaus counts too, by
how much of the run came after the plateau and how far the training loss fell
meanwhile (epochs spent memorising), provided the plateau spans enough points to be a
trend, the training loss's fall is beyond its own noise, and training is ahead of
validation (when the training twin of the metric is logged). A model that memorised its
training rows counts as well: training ahead of validation at the end by more than the
validation figure's sampling noise (:mod:`gapdoctor.causes.overfitting.sampling`) while the
validation loss has not improved since its minimum and the training loss kept falling. A metric's turn is judged
against at least half its smallest logged step (one validation example). Since every
cause of a stuck validation metric shows that picture,
:func:`gapdoctor.ranking.rank` puts a reported root cause first
(and a reported small validation set before a plateau, or before a turn inside the sampling noise
of two evaluations on the validation rows: :meth:`OverfittingCurves.explained_by`).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import (
    epoch_of,
    history_of,
    info_of,
    oriented,
    point,
    step_of,
    training_curve,
    training_words,
    val_metric_curve,
)
from gapdoctor.causes.overfitting.gain import stopping_gain
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.causes.overfitting.sampling import (
    generalisation_gap,
    metric_own_sd_of,
    metric_sampling_sd,
    turn_within_sampling_noise,
    val_loss_sampling_se,
)
from gapdoctor.causes.overfitting.score import (
    ceiling_room,
    memorised_strength,
    plateau_strength,
    score,
    train_factor,
    turn_strength,
)
from gapdoctor.causes.overfitting.summary import curves_summary
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import MIN_EPOCHS_FOR_TRENDS, RunHistory, hinge_point, noise_sd, smooth
from gapdoctor.stats.curves import fall_beyond_noise, noise_sd_curved, relative_fall, smoothing_window

# Fewer evaluation points than this: the finding says that it rests on few points.
_FEW_POINTS = 12
# A plateau counts as memorisation in full when the training twin of the validation metric leads it
# at the end by this many of the validation metric's noise standard deviations, and not at all when
# the lead is within one (the evidence grows linearly in between).
_GAP_SIGMAS = 2.0


def _turn_strength(curve: np.ndarray, noise: float, best: int) -> tuple[float, float, float]:
    """Strength of a turn for the worse after ``best`` (curve oriented lower-is-better).

    Returns (strength, rise, progress): the rise after the best point and the
    progress made before it.
    """
    smoothed = smooth(curve)
    rise = float(smoothed[-1] - smoothed[best])
    progress = float(max(smoothed[: best + 1].max() - smoothed[best], 0.0))
    if rise <= 0:
        return 0.0, rise, progress
    scale = max(progress, 1e-3 * max(abs(float(smoothed[best])), 1e-12))
    noise_floor = max(noise, 1e-6 * max(abs(float(smoothed[best])), 1e-12))
    strength = turn_strength(rise / scale, rise / noise_floor)
    # A rise sustained over the k points after the best: their mean is known to noise / sqrt(k)
    # (and the best, a smoothed value, to about noise / sqrt(3)), not to one point's noise.
    after = curve[best + 1 :]
    after = after[np.isfinite(after)]
    if len(after) >= 2:
        sustained = float(after.mean() - smoothed[best])
        sd = noise_floor * np.sqrt(1.0 / len(after) + 1.0 / 3.0)
        strength = max(strength, turn_strength(sustained / scale, sustained / sd))
    return float(strength), rise, progress


def _before_climb_back(train: np.ndarray, train_s: np.ndarray) -> int | None:
    """Where the training loss (``train_s`` smoothed) reached its lowest, when it climbed back beyond its noise after
    it (an unstable stretch: a spike, a restart, a learning rate raised) and at least :data:`MIN_EPOCHS_FOR_TRENDS`
    points came after; None when it kept falling or levelled off. A turn of the validation loss is then also judged
    up to that point, where training was still falling: what came after says nothing against the memorisation
    before it."""
    low = int(np.argmin(train_s))
    if low < MIN_EPOCHS_FOR_TRENDS - 1 or len(train) - 1 - low < MIN_EPOCHS_FOR_TRENDS:
        return None
    climbed = fall_beyond_noise(train[low:][::-1].copy(), 0, unknown=0.0)  # a fall read backwards: a climb
    return low if climbed >= 1.0 else None


def _turn_before_climb_back(
    val_loss: np.ndarray, train: np.ndarray, train_s: np.ndarray, turn: int, turn_to_end: float
) -> tuple[float, float, int] | None:
    """(strength, training loss's fall, its lowest point) of the validation loss's turn judged up to where the
    training loss climbed back (:func:`_before_climb_back`), no stronger than the turn to the end; None without
    such a point after the turn or 4 validation values up to it."""
    low = _before_climb_back(train, train_s)
    if low is None or low <= turn or np.isfinite(val_loss[: low + 1]).sum() < MIN_EPOCHS_FOR_TRENDS:
        return None
    before, _, _ = _turn_strength(val_loss[: low + 1], noise_sd_curved(val_loss), turn)
    fell = relative_fall(train_s[turn], train_s[low])
    return min(before, turn_to_end) * train_factor(fell) * fall_beyond_noise(train[: low + 1], turn), fell, low


def _half_step(values: np.ndarray) -> float:
    """Half the smallest change between two logged values: the noise floor of a quantised metric.

    Accuracy on 16 validation images moves in steps of 1/16; a curve that sits on one level and
    sometimes flips to the next has a median second difference of zero, yet one image either way is
    all that separates two of its values (a value flipping between two levels has a standard
    deviation of half a step). Negligible for a metric measured on many rows.
    """
    levels = np.unique(values[np.isfinite(values)])
    steps = np.diff(levels)
    return float(steps.min()) / 2 if len(steps) else 0.0


def _gap_beyond_noise(evidence: Evidence, history: RunHistory, metric: tuple[str, np.ndarray] | None) -> float:
    """Evidence in [0, 1] that training is ahead of validation at the end (a generalisation gap).

    Epochs spent only lowering the training loss memorise something only when the model does
    better on its training data than on validation: with the training twin of the validation
    metric logged (``train_accuracy`` beside ``val_accuracy``), its lead at the end is compared
    with the validation metric's point-to-point noise (0 within one standard deviation, 1 from
    ``_GAP_SIGMAS``). 1 when no twin was logged.
    """
    twin = None if metric is None else history.get(f"train_{metric[0]}")
    if metric is None or twin is None:
        return 1.0
    info = info_of(evidence, metric[0])
    val = oriented(info, metric[1])
    train = oriented(info, twin)
    lead = float(smooth(train)[-1] - smooth(val)[-1])
    noise = max(noise_sd(val), _half_step(val))
    if noise <= 0:
        return 1.0 if lead > 0 else 0.0
    return float(np.clip((lead / noise - 1.0) / (_GAP_SIGMAS - 1.0), 0.0, 1.0))


def _plateau_index(curve: np.ndarray) -> int:
    """First point of the final plateau of ``curve`` (lower is better).

    The plateau starts where 98% of the total improvement is achieved (or the curve is
    within its noise of the best).
    """
    finite = curve[np.isfinite(curve)]
    if len(finite) and finite.min() > 0:
        # a positive loss: progress is relative (0.05 -> 0.01 is as real as 3.6 -> 0.7), so a
        # large first drop does not make every later gain look like a plateau
        curve = np.log(curve)
    smoothed = smooth(curve)
    floor = float(smoothed.min())
    gained = float(smoothed.max() - floor)
    tolerance = max(noise_sd(curve), 0.02 * gained, 1e-12)
    return int(np.flatnonzero(smoothed <= floor + tolerance)[0])


@register(
    name="overfitting.curves",
    cause="overfitting",
    requires=("history",),
    description="Validation loss/metric turning for the worse while training loss keeps falling.",
)
def overfitting_from_curves(evidence: Evidence) -> list[Finding]:
    """Validation curves turning for the worse while the training loss keeps falling."""
    history = history_of(evidence)
    val_loss = history.get("val_loss")
    metric = val_metric_curve(evidence, history)
    curve = training_curve(evidence, history, metric)
    if curve is None:
        raise SkipCheck(
            "not enough to judge: history has no train_loss (nor the training twin of the validation metric), so "
            "whether training kept improving is unknown (HF Trainer: logging_steps defaults to 500; log more often)"
        )
    train, stand_in = curve  # with no training loss logged, the metric's training twin (its error for a score)
    if val_loss is None and metric is None:
        raise SkipCheck("history has neither val_loss nor a val_<metric> series")

    n = history.n_epochs
    train_s = smooth(train)
    strengths: list[float] = []
    best_epoch_idx: int | None = None
    turn_idx: int | None = None
    best_loss_idx: int | None = None
    gap_onset_idx: int | None = None
    val_loss_min: float | None = None
    val_loss_final: float | None = None
    val_loss_rise_pct: float | None = None
    gap_growth: float | None = None
    metric_name: str | None = None
    best_metric_idx: int | None = None
    metric_plateau_idx: int | None = None
    val_metric_best: float | None = None
    val_metric_final: float | None = None
    loss_rise: float | None = None
    metric_fall: tuple[float, float] | None = None  # the metric's fall after its best, and its sampling sd
    metric_sd: float | None = None  # the metric's own sampling sd where it is not a share of rows

    if val_loss is not None:
        vs = smooth(val_loss)
        best_loss_idx = int(np.argmin(vs))
        strength, rise, _ = _turn_strength(val_loss, noise_sd_curved(val_loss), best_loss_idx)
        strengths.append(strength)
        loss_rise = max(rise, 0.0)
        turn_idx = best_loss_idx
        val_loss_min = round(float(vs[best_loss_idx]), 4)
        val_loss_final = round(float(vs[-1]), 4)
        val_loss_rise_pct = round(100 * rise / max(abs(float(vs[best_loss_idx])), 1e-12), 1)
        # a stand-in for the training loss is no loss: no gap to the validation loss
        onset, slope_before, slope_after = (
            hinge_point(val_loss - train) if n >= 6 and stand_in is None else (0, 0.0, 0.0)
        )
        if slope_after > max(slope_before, 0.0):
            gap_onset_idx = onset
            gap_growth = round(slope_after, 5)
        best_epoch_idx = best_loss_idx

    if metric is not None:
        metric_name, values = metric
        better = oriented(info_of(evidence, metric_name), values)
        ms = smooth(better)
        best_metric_idx = int(np.argmax(ms))
        strength, _, _ = _turn_strength(-better, max(noise_sd_curved(better), _half_step(better)), best_metric_idx)
        if val_loss is not None and best_loss_idx is not None and best_loss_idx > best_metric_idx:
            # the metric turned while the validation loss kept falling beyond its noise: no overfitting turn
            strength *= 1.0 - fall_beyond_noise(val_loss, best_metric_idx, unknown=0.0)
        strengths.append(strength)
        sign = 1.0 if better is values else -1.0
        noise = noise_sd(better)
        metric_plateau_idx = int(
            np.flatnonzero(ms >= ms[best_metric_idx] - max(noise, 1e-3 * abs(ms[best_metric_idx])))[0]
        )
        if info_of(evidence, metric_name).bounded and evidence.val_size:
            level = min(max(sign * float(ms[best_metric_idx]), 0.0), 1.0)
            fall = max(float(ms[best_metric_idx] - ms[-1]), 0.0)
            metric_sd = metric_own_sd_of(evidence, metric_name)
            metric_fall = (fall, metric_sampling_sd(level, evidence.val_size, metric_sd))
        val_metric_best = round(sign * float(ms[best_metric_idx]), 4)
        val_metric_final = round(sign * float(ms[-1]), 4)
        best_epoch_idx = best_metric_idx  # stop on the metric the user cares about
        turn_idx = best_metric_idx if turn_idx is None else min(turn_idx, best_metric_idx)

    assert best_epoch_idx is not None and turn_idx is not None
    train_drop_frac = relative_fall(train_s[turn_idx], train_s[-1])

    # Training must have kept improving after the turn: that is the symptom.
    strength = max(strengths) * train_factor(train_drop_frac) * fall_beyond_noise(train, turn_idx)
    # A training loss that climbed back late (a spike, a restart) hides a turn it made while still falling: the
    # turn is judged up to its lowest too, no stronger than the validation loss's rise to the end allows
    windowed = None
    if val_loss is not None and best_loss_idx == turn_idx:
        windowed = _turn_before_climb_back(val_loss, train, train_s, turn_idx, strengths[0])
    train_low_idx = None
    if windowed is not None and windowed[0] > strength:
        strength, train_drop_frac, train_low_idx = windowed

    # Plateau: the validation curve stopped improving at some epoch and every epoch after
    # it only lowered the training loss (memorisation), even if validation did not rise.
    # The metric the user cares about decides when validation stopped improving.
    # Every validation series logged must have stopped improving: epochs that still lower
    # the validation loss did not "only lower the training loss", whatever the metric did.
    references = [-oriented(info_of(evidence, metric[0]), metric[1])] if metric is not None else []
    references += [val_loss] if val_loss is not None else []
    plateau_idx = max(_plateau_index(reference) for reference in references)
    wasted = (n - 1 - plateau_idx) / n
    # measured from midway through the wasted epochs: training must *keep* falling
    mid = (plateau_idx + n - 1) // 2
    drop_after_plateau = relative_fall(train_s[mid], train_s[-1])
    plateau = plateau_strength(drop_after_plateau, wasted) * fall_beyond_noise(train, plateau_idx)
    plateau *= _gap_beyond_noise(evidence, history, metric)
    if metric is not None and info_of(evidence, metric[0]).bounded and val_metric_best is not None:
        # a metric that levelled off at its ceiling had no room to go on improving
        headroom = 1.0 - val_metric_best if info_of(evidence, metric[0]).greater_is_better else val_metric_best
        plateau *= ceiling_room(headroom, evidence.val_size)
    if val_loss is not None:
        # a validation loss still falling beyond its noise over those epochs: they did not "only lower the
        # training loss" (the plateau index of a loss is read within a tolerance of its final floor, so a
        # loss still reaching new lows at the end can sit inside it), and stopping there would lose that
        plateau *= 1.0 - fall_beyond_noise(val_loss, plateau_idx, unknown=0.0)
    if n - plateau_idx < MIN_EPOCHS_FOR_TRENDS:
        plateau = 0.0  # a flat stretch is a trend too: fewer points cannot tell it from noise

    # Memorisation: training ahead of validation beyond the validation set's sampling noise, while the
    # validation loss has not improved since its minimum and the training loss kept falling since then.
    loss_se = None if val_loss is None else val_loss_sampling_se(evidence)
    lead = generalisation_gap(evidence, history, metric, train, None if stand_in else val_loss, loss_se, metric_sd)
    memorised = 0.0
    if lead is not None and best_loss_idx is not None and n - best_loss_idx >= MIN_EPOCHS_FOR_TRENDS:
        stall = relative_fall(train_s[best_loss_idx], train_s[-1]) * (n - 1 - best_loss_idx) / n
        memorised = memorised_strength(lead.gap / lead.sd, stall) * fall_beyond_noise(train, best_loss_idx)
    within = turn_within_sampling_noise(
        loss=None if loss_rise is None or loss_se is None else (loss_rise, loss_se),
        metric=metric_fall,
        has_loss=val_loss is not None,
        has_metric=metric is not None,
    )
    strength_of_evidence = score(strength, plateau, memorised)
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []
    marker_at = {"best_epoch": best_epoch_idx, "val_loss_min_epoch": best_loss_idx, "gap_onset_epoch": gap_onset_idx}
    result = OverfittingCurves(
        epochs=n,
        val_loss_min=val_loss_min,
        val_loss_min_epoch=epoch_of(history, best_loss_idx),
        val_loss_min_step=step_of(history, best_loss_idx),
        val_loss_final=val_loss_final,
        val_loss_rise_pct=val_loss_rise_pct,
        gap_onset_epoch=epoch_of(history, gap_onset_idx),
        gap_onset_step=step_of(history, gap_onset_idx),
        gap_growth_per_epoch=gap_growth,
        metric=metric_name,
        val_metric_best=val_metric_best,
        val_metric_best_epoch=epoch_of(history, best_metric_idx),
        val_metric_best_step=step_of(history, best_metric_idx),
        val_metric_final=val_metric_final,
        val_metric_plateau_epoch=epoch_of(history, metric_plateau_idx),
        val_metric_plateau_step=step_of(history, metric_plateau_idx),
        train_loss_drop_after_turn_pct=round(100 * train_drop_frac, 1),
        train_loss_low_epoch=epoch_of(history, train_low_idx),
        best_epoch=history.epoch_at(best_epoch_idx),
        best_step=step_of(history, best_epoch_idx),
        val_plateau_epoch=history.epoch_at(plateau_idx),
        val_plateau_step=step_of(history, plateau_idx),
        train_loss_drop_late_pct=round(100 * drop_after_plateau, 1),
        # "turn": validation got worse; "plateau": it only stopped improving (which a validation
        # set too small to show progress also produces — see OverfittingCurves.explained_by)
        pattern="turn" if strength >= max(plateau, memorised) else "plateau" if plateau >= memorised else "memorised",
        few_points=n if n < _FEW_POINTS else None,
        training_curve=stand_in,
        val_loss_sampling_se=None if loss_se is None else round(loss_se, 5),
        generalisation_gap=None if lead is None else round(lead.gap, 4),
        generalisation_gap_sd=None if lead is None else round(lead.sd, 5),
        generalisation_gap_on=None if lead is None else lead.read_on,
        turn_within_sampling_noise=within,
        smoothed_over=smoothing_window(n) if n >= 3 else None,  # fewer points are read as logged
        markers={k: point(i) for k, i in marker_at.items() if i is not None},
    )
    patience = max(2, n // 10)
    unit = "evaluations" if history.unit == "step" else "epochs"
    stop_early = (
        f"Stop early at {history.position(best_epoch_idx)} (the best point of the smoothed validation curve), "
        f"e.g. early stopping with patience {patience} {unit}."
    )
    at_end = best_epoch_idx == n - 1  # its best point is the last: stopping earlier gains no validation metric
    if at_end:
        stop_early = (
            f"Stop at {history.position(plateau_idx)}: the validation curve had reached its level there and the "
            f"{unit} after it only lowered the {training_words(stand_in)} (early stopping with patience {patience} "
            f"{unit})."
        )
    # a model that memorised its training rows while its metric held gains little from stopping early:
    # regularisation, capacity and data come first
    others = cause_info("overfitting").fixes[1:]
    fixes = (*others, stop_early) if result.pattern == "memorised" or at_end else (stop_early, *others)
    return [
        Finding(
            cause="overfitting",
            score=strength_of_evidence,
            summary=curves_summary(
                result, history, evidence, best_loss_idx, best_metric_idx, plateau_idx, train_low_idx
            ),
            fixes=fixes,
            check="overfitting.curves",
            result=result,
            gain=stopping_gain(result, evidence),
        )
    ]
