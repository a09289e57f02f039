"""The stall picture of the optimisation check: the training loss stopped improving early.

Read from the smoothed training loss: a last third flatter than 2% after a run that removed at most
70% of the loss, or a loss that crawls on after a learning-rate cut (:mod:`~gapdoctor.causes.optimization.cuts`).
With an ``lr`` series, a stall that begins right after a large cut is put on the schedule, and a rate
that never left a tiny value on the rate itself; a loss that bounces on its plateau on a rate too high (rises
beyond the noise the log measured: the spread of the batch losses logged inside each point, when the curve jitters
within it, else the curve's own when the validation loss does not share its jitter).
A flat end with none of these stories is convergence (:mod:`~gapdoctor.causes.optimization.convergence`),
not reported, unless it converged to chance: a loss sitting at a guess's loss from the start (``ln k``, or
the class shares' entropy; :mod:`~gapdoctor.causes.optimization.chance`) learned nothing. Validation
decisions that never changed say so too (a validation accuracy identical at the run's last evaluations, at a
class's share), whatever the training loss did while the model's bias learned the class shares: that stall
needs no flat end and is never excused as converged; nor a regression's validation R² at or below 0 at every
evaluation (:mod:`~gapdoctor.causes.optimization.below_mean`).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import epoch_of, point, step_of
from gapdoctor.causes.optimization.below_mean import below_mean
from gapdoctor.causes.optimization.chance import chance_level
from gapdoctor.causes.optimization.convergence import converged, late_fall_se, wobbles
from gapdoctor.causes.optimization.cuts import crawl_after_cut, stopped_at_cut
from gapdoctor.causes.optimization.finding import optimization_finding
from gapdoctor.causes.optimization.frozen import frozen_decisions
from gapdoctor.causes.optimization.progress import ValidationProgress
from gapdoctor.causes.optimization.result import Stall
from gapdoctor.causes.optimization.rises import (
    batch_noise,
    jitter_is_measurement,
    jitter_within_batches,
    rises_vs_batch_noise,
    rises_vs_curve_noise,
    steadier_of,
)
from gapdoctor.causes.optimization.schedule import STEP_CUT, Schedule
from gapdoctor.causes.optimization.score import crawl_score, frozen_score, stall_score
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.history import RunHistory, fill_missing, hinge_point, smooth
from gapdoctor.stats.curves import fall_beyond_noise, negated_score_floor, relative_fall

__all__ = ["stall"]

# With a schedule that anneals the rate, a flat end is by design: a stall is reported only when
# the whole run lowered the training loss by less than this fraction.
_ANNEALED_STALL_ACHIEVED = 0.15
# "The learning rate is too low" only when the peak rate is this small and the loss fell by less than _TOO_LOW_ACHIEVED.
_TOO_LOW_LR = 1e-5
_TOO_LOW_ACHIEVED = 0.3
# A training loss that jitters more than the validation loss (its measurement's noise) bounces only when its
# rises beyond that noise have a one-sided p-value below this.
_BOUNCE_P = 0.05
# A flat end whose smoothed loss rose over the last third by more than this many standard errors of that rise (the
# training loss's own measurement noise, when known) and by at least this fraction has climbed back, not stalled.
_CLIMB_SE = 2.0
_CLIMB_MIN = 0.05


def _climbed_back(late_drop: float, late_se: float) -> bool:
    """Whether the training loss rose over the last third by more than a flat end wanders: a rate too high for this
    stage of the run, not one too low (raising it, the flat end's advice, would make it worse).

    Examples
    --------
    >>> _climbed_back(-0.344, 0.106), _climbed_back(-0.03, 0.0), _climbed_back(-0.15, 0.10), _climbed_back(0.01, 0.0)
    (True, False, False, False)
    """
    return late_drop < 0 and -late_drop > max(_CLIMB_SE * late_se, _CLIMB_MIN)


def _training_start(history: RunHistory, ts: np.ndarray) -> float:
    """The training loss where the run started: the first logged values when the log has them."""
    raw = history.raw.get("train_loss")
    if raw is not None:
        first = raw[1][np.isfinite(raw[1])][:3]
        if len(first):
            return max(float(np.median(first)), float(ts[0]))
    return float(ts[0])


def _fell_from_first(train: np.ndarray, start: float) -> float:
    """The loss the run fell from, for the floor's tolerance: the first logged value when it is higher.

    ``start`` (the median of the first values) keeps one noisy value from inflating what the run
    achieved, but a run that converges within its first epoch has its first three values at the
    floor already: a linear model on an imbalanced task fell 0.389 -> 0.249 in its first epoch and
    wandered 0.0007 around it for 55 more, read as a fall of 0.041 whose 1% tolerance it "missed".
    How far the loss fell is what scales the wander a converged run keeps.
    """
    finite = train[np.isfinite(train)]
    return max(start, float(finite[0])) if len(finite) else start


def stall(
    history: RunHistory,
    train: np.ndarray,
    schedule: Schedule | None,
    val_progress: ValidationProgress | None,
    class_shares: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    val_rows: int | None = None,
) -> Finding | None:
    """The stall finding, or None (``class_shares``: the training and validation rows' class shares, when known;
    ``val_rows``: the number of validation rows, when known)."""
    n = history.n_points
    ts = smooth(train)
    start, end = _training_start(history, ts), float(ts[-1])
    third = max(2, n // 3)
    floor = negated_score_floor(train)  # falls read as shares of the way to the floor: -1 for a negated score
    late_drop = relative_fall(ts[-1 - third] - floor, end - floor)  # over the last `third` intervals
    achieved = relative_fall(start - floor, end - floor)
    # a loss that crawls on after a cut never looks flat enough: the cut's slowdown is its own evidence
    crawl = crawl_after_cut(train, schedule.cut_points) if schedule is not None else None
    flat = late_drop <= 0.02 and achieved <= 0.7
    frozen = frozen_decisions(history, val_rows, class_shares[1])
    mean_only = below_mean(history) if frozen is None else None
    unlearnt = frozen or mean_only  # the validation says the model learnt nothing: a story, a fix, its evaluations
    if not flat and crawl is None and unlearnt is None:
        return None
    if schedule is not None and schedule.annealed and achieved > _ANNEALED_STALL_ACHIEVED and unlearnt is None:
        return None  # the schedule anneals the rate: a flat end is by design
    knee, _, _ = hinge_point(train) if n >= 6 else (0, 0.0, 0.0)
    markers: dict[str, int] = {"stall_epoch": point(knee)}
    cut: int | None = None
    too_low = False
    tail = fill_missing(train)[n // 2 :]
    too_small = schedule is not None and schedule.peak <= _TOO_LOW_LR and achieved < _TOO_LOW_ACHIEVED
    # a rate this small does not make a loss bounce: its rises are the batches' noise
    bouncing = len(tail) > 3 and float(np.mean(np.diff(tail) > 0)) >= 0.35 and not wobbles(train) and not too_small
    val = history.get("val_loss")
    measurement = jitter_is_measurement(train, val)
    se = batch_noise(history)
    # a jitter within the noise the log measured (the batches logged inside each point) is the measurement's
    se = steadier_of(train, se) if se is not None and jitter_within_batches(train, se) else None
    if bouncing and (se is not None or measurement):
        # rises of a noise the log measured, or of a jitter the parameters do not share: only those beyond it count
        logged = np.isfinite(train)
        rises = (
            rises_vs_batch_noise(train[logged], se[logged]) if se is not None else rises_vs_curve_noise(train[logged])
        )
        bouncing = rises is not None and rises.p_value < _BOUNCE_P
    chance = None if bouncing else chance_level(train, val, *class_shares)
    climbed = False  # the training loss rose back beyond its noise: its own evidence, whatever validation did
    late_level = float(ts[-1 - third])
    late_se = late_fall_se(train, third, late_level) if measurement else None
    # a climb back is told from the noise the log measured when it did (the stall's strength keeps its own reading)
    climb_se = late_se if se is None else late_fall_se(train, third, late_level, se)
    if bouncing:
        cause = (
            "the training loss bounces on a plateau (it rose in most late epochs), a sign of a learning rate too high"
        )
        first_fix = "Lower the learning rate (try 3x and 10x smaller); clip gradients."
    elif chance is not None:
        cause, first_fix = chance.story(), chance.fix
    elif unlearnt is not None:
        cause, first_fix = unlearnt.story(), unlearnt.fix
    elif climbed := _climbed_back(late_drop, climb_se or 0.0):
        cause = "the training loss climbed back over the last third, beyond its noise"
        first_fix = "Lower the learning rate (try 3x and 10x smaller); clip gradients."
    else:
        cause = "the training loss stopped improving early"
        first_fix = "Raise the learning rate or use a warm-up + decay schedule; check the loss is wired to the outputs."
    if schedule is not None:
        near = [c for c in schedule.cut_points if abs(c - knee) <= max(2, n // 10) and stopped_at_cut(train, c, n)]
        if near and flat:  # a stall the cut explains: the crawl's measure counts too when it read the same cut
            crawl = crawl if crawl is not None and crawl.cut == near[0] else None
        elif crawl is not None:
            near, flat = [crawl.cut], False  # the crawl alone: its measure alone scores it
        lr = history.get("lr")
        if near:
            c = cut = int(near[0])
            markers["lr_cut_epoch"] = point(c)
            before = (
                f" from {lr[c - 1]:.3g} to {lr[c]:.3g}" if lr is not None and c >= 1 else f" by {STEP_CUT:g}x or more"
            )
            cause = f"the stall begins at {history.position(knee)}, right after the learning rate was cut{before}"
            if crawl is not None:
                cause = f"right after the learning rate was cut{before} at {history.position(c)}, " + crawl.sentence(
                    history.points_name
                )
            first_fix = "Delay the learning-rate decay (or cut by less); decay on plateau of the validation metric."
        elif too_small:
            cause = f"the learning rate never exceeds {schedule.peak:.3g} ({schedule.kind} schedule)"
            first_fix = "Raise the learning rate (run a learning-rate range test)."
            too_low = True
    if (
        not bouncing
        and cut is None
        and not too_low
        and chance is None
        and unlearnt is None
        and converged(train, _fell_from_first(train, start) - end, val if measurement else None)
    ):
        return (
            None  # converged: the loss reached the floor its course is heading to (not chance), nothing left to remove
        )
    # a loss at a uniform guess says the outputs carry nothing: a validation metric that moves is argmax churn
    capped = (
        val_progress is not None
        and val_progress.still_improving
        and cut is None
        and not too_low
        and not chance
        and unlearnt is None
    )
    score = stall_score(
        achieved,
        late_drop,
        after_cut=cut is not None,
        too_low_lr=too_low,
        improving=capped,
        late_drop_se=late_se or 0.0,
    )
    learnt = 0.0
    if flat and not (cut is not None or too_low or chance or unlearnt or climbed) and val_progress is not None:
        # the validation curve (and its loss, when logged) improved beyond its noise after the training loss
        # levelled off: the model kept learning what the run measures (a detector's summed terms can hold still
        # while its boxes improve)
        learnt = val_progress.learnt_after(knee)
        learnt = learnt if val is None else min(learnt, fall_beyond_noise(val, knee, unknown=0.0))
        score *= 1.0 - learnt
    score = max(
        score if flat else 0.0,
        0.0 if crawl is None else crawl_score(crawl.slowdown, crawl.reachable),
        0.0 if unlearnt is None else frozen_score(unlearnt.evaluations),
    )
    if score < MIN_FINDING_SCORE:
        return None
    result = Stall(
        train_loss_start=round(start, 4),
        train_loss_final=round(end, 4),
        train_loss_drop_pct=round(100 * achieved, 1),
        late_drop_pct=round(100 * late_drop, 2),
        stall_epoch=history.epoch_at(knee),
        stall_step=step_of(history, knee),
        lr_max=None if schedule is None else schedule.peak,
        lr_final=None if schedule is None else schedule.final,
        lr_schedule=None if schedule is None else schedule.kind,
        lr_cut_epoch=epoch_of(history, cut),
        lr_cut_step=step_of(history, cut),
        val_still_improving="yes" if capped else None,
        val_late_slope_t=val_progress.reported_slope_t if capped and val_progress else None,
        val_noise_vs_gain=val_progress.reported_noise_vs_gain if capped and val_progress else None,
        markers=markers,
        late_drop_se_pct=None if late_se is None else round(100 * late_se, 2),
        pace_slowdown_after_cut=None if crawl is None else round(min(crawl.slowdown, 1e6), 1),
        reachable_at_old_pace_pct=None if crawl is None else round(100 * crawl.reachable, 1),
        chance_level_classes=None if chance is None else chance.classes,
        frozen_metric=None if frozen is None else frozen.metric,
        frozen_value=None if frozen is None else round(frozen.value, 4),
        frozen_evaluations=None if frozen is None else frozen.evaluations,
        val_r2_best=None if mean_only is None else mean_only.best,
        val_r2_evaluations=None if mean_only is None else mean_only.evaluations,
        val_learnt_after_stall=round(learnt, 3) if learnt > 0 else None,
    )
    summary = (
        f"Optimisation stalled: {cause}; the training loss fell {'' if crawl else 'only '}{100 * achieved:.0f}% "
        f"{'of the way to its floor of -1 (a negated score) ' if floor else ''}overall ({start:.3g} -> {end:.3g}) "
        f"and {'rose ' if late_drop < 0 else ''}{abs(100 * late_drop):.1f}% over "
        "the last third"
        + (
            f" (give or take {100 * late_se:.1f}%: noise of its measurement, which the validation loss lacks)."
            if late_se
            else "."
        )
    )
    return optimization_finding(score, summary, result, first_fix)
