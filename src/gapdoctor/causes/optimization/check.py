"""Optimisation problems (learning rate, schedule, batch size), read from the curves.

Three pictures, each its own finding:

* **divergence** — the training loss turns NaN/infinite, or climbs far above its best;
* **instability** — the training loss oscillates or spikes by amounts comparable to the
  progress it makes (a learning rate too high for the batch size);
* **stall** — the training loss stops improving early, far from where it started;
  with an ``lr`` series, a stall that begins right after a large learning-rate cut (and
  that the cut did not first speed up) is attributed to the schedule, and a tiny learning
  rate from the start to the rate itself. A flat end with none of these stories, reached by
  falls that shrink geometrically to nothing, is convergence, not a stall: it is not reported, unless
  the loss sits at a guess's from the start (:mod:`gapdoctor.causes.optimization.chance`). The stall
  picture is read in :mod:`gapdoctor.causes.optimization.stall`.

Noise and a flat training loss are weak at most while the validation curve still improves beyond
its own noise (:mod:`gapdoctor.causes.optimization.progress`).

Noise is judged against what the log says about batch noise: when several training-loss
values were logged between evaluation points (per step, or Lightning's ``*_step``), their
spread gives the standard error of each point, and only noise beyond it counts. The
learning-rate schedule is read first (:mod:`gapdoctor.causes.optimization.schedule`): a decay that
anneals the rate flattens the end of a run by design, and a warm restart bumps the loss.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import epoch_of, history_of, step_of
from gapdoctor.causes.optimization.convergence import wobbles
from gapdoctor.causes.optimization.finding import optimization_finding
from gapdoctor.causes.optimization.frozen import frozen_tail
from gapdoctor.causes.optimization.progress import ValidationProgress, validation_progress
from gapdoctor.causes.optimization.result import CHECK as _NAME
from gapdoctor.causes.optimization.result import Instability, LossClimb, NanDivergence
from gapdoctor.causes.optimization.rises import (
    RisesVsNoise,
    batch_noise,
    jitter_is_measurement,
    rises_expected_from_se,
    rises_vs_curve_noise,
)
from gapdoctor.causes.optimization.schedule import Schedule, read_schedule
from gapdoctor.causes.optimization.score import (
    DIVERGENCE_VERDICT,
    NAN_DIVERGENCE,
    climb_score,
    instability_ratio,
    instability_score,
    rises_excess,
)
from gapdoctor.causes.optimization.spikes import find_spikes
from gapdoctor.causes.optimization.stall import stall
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.wording import p_text
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory, smooth
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.curves import noise_sd_curved

# Over this many points each step's trend is small against any noise and about half the steps rise
# whatever the learning rate: the share of rises tells nothing, only the noise level and spikes do.
_MAX_POINTS_FOR_RISES = 100
# The training loss must be logged at this many points for its course to be read at all.
_MIN_TRAIN_POINTS = 4
# Noise is told from curvature by differences of up to third order: it needs at least this many points.
_MIN_POINTS_FOR_NOISE = 6
# A training loss logged at fewer than this share of the evaluation points, one value each, is
# sampled every N steps: each value is one batch's loss, and batch noise of unknown size is all
# that separates two of them, so its spread alone is never reported as instability (score.py caps it).
_SAMPLED_SHARE = 0.5


# A validation curve the same at this many evaluations or more, beside a training loss non-finite from its
# first point, shows weights that never changed (at 2 a same value could be a plateau's chance).
_UNCHANGED_EVALUATIONS = 3


def _val_unchanged(history: RunHistory) -> int | None:
    """Evaluations at which every validation series logged holds one value throughout, when that shows."""
    curves = [v[np.isfinite(v)] for name, v in history.series.items() if name.startswith("val_")]
    if not curves or min(len(v) for v in curves) < _UNCHANGED_EVALUATIONS:
        return None
    return min(len(v) for v in curves) if all(frozen_tail(v) == len(v) for v in curves) else None


def _nan_divergence(history: RunHistory) -> Finding | None:
    if history.diverged_at is None:
        return None
    summary = f"Training diverged: the training loss is NaN/infinite from {history.position(history.diverged_at)} on."
    first_fix = "Lower the learning rate (10x) and clip gradients; check for log(0) or division by zero in the loss."
    unchanged = _val_unchanged(history) if history.diverged_at == 0 else None
    if unchanged is not None:  # no update reached the weights: no batch trained, or every step was skipped
        summary = (
            f"The training loss is NaN/infinite from {history.position(0)} on, and every validation value is the "
            f"same at all {unchanged} evaluations: the weights never changed. No batch reached the optimiser (a "
            "training loader with fewer rows than one batch and drop_last=True yields none; fastai then prints "
            "its training loss as nan), or every step was skipped as non-finite."
        )
        first_fix = (
            "Check the training loader yields batches (len(train_loader) > 0; lower the batch size or set "
            "drop_last=False), then look for NaN in the inputs or the loss; lower the learning rate (10x)."
        )
    return optimization_finding(
        NAN_DIVERGENCE,
        summary,
        NanDivergence(
            diverged_at_epoch=history.epoch_at(history.diverged_at),
            diverged_at_step=step_of(history, history.diverged_at),
            val_unchanged_evaluations=unchanged,
        ),
        first_fix,
    )


def _divergence(history: RunHistory, train: np.ndarray) -> Finding | None:
    nan_divergence = _nan_divergence(history)
    if nan_divergence is not None:
        return nan_divergence
    keep = np.flatnonzero(np.isfinite(train))  # the points where it was logged
    ts = smooth(train[keep])
    best = int(np.argmin(ts))
    start = float(ts[0])
    blowup = float(ts[-1] - ts[best]) / max(abs(start - float(ts[best])), 1e-12)
    if best < len(ts) - 2 and float(ts[-1]) > start:
        return optimization_finding(
            climb_score(blowup),
            f"Training loss climbed back above its starting value ({ts[-1]:.3g} > {start:.3g}) "
            f"after its best at {history.position(int(keep[best]))}.",
            LossClimb(
                train_loss_final=round(float(ts[-1]), 4),
                train_loss_best_epoch=history.epoch_at(int(keep[best])),
                train_loss_best_step=step_of(history, int(keep[best])),
            ),
            "Lower the learning rate (10x) and clip gradients.",
        )
    return None


def _sampled_batches(history: RunHistory, train: np.ndarray) -> bool:
    """True when the training loss is one batch's value every N steps (spread: unknown batch noise)."""
    counts = history.train_loss_counts
    logged = np.isfinite(train)
    if counts is None or float(np.mean(logged)) >= _SAMPLED_SHARE:
        return False
    return bool(np.all(counts[logged] <= 1))


def _instability(
    history: RunHistory, train: np.ndarray, schedule: Schedule | None, val_progress: ValidationProgress | None
) -> tuple[Finding | None, bool]:
    """The instability finding, and whether its only evidence is the noise against the progress (no spike, no
    rises beyond noise): a ratio a loss that hardly fell makes large whatever its noise."""
    logged = np.isfinite(train)
    if int(logged.sum()) < _MIN_POINTS_FOR_NOISE:
        return None, False
    # noise and rises between logged values only: interpolated gaps are neither
    keep = np.flatnonzero(logged)
    x = train[keep]
    ts = smooth(train)[keep]
    progress = float(ts.max() - ts.min())
    noise = noise_sd_curved(x)
    if progress <= 0:
        return None, False
    se = batch_noise(history)
    se = None if se is None else se[keep]
    batch = float(np.median(se)) if se is not None else 0.0
    excess = float(np.sqrt(max(noise**2 - batch**2, 0.0)))
    val = history.get("val_loss")
    jitter_measured = jitter_is_measurement(train, val)
    if jitter_measured and val is not None:  # the parameters' noise moves the validation loss at least as much
        excess = min(excess, noise_sd_curved(val[np.isfinite(val)]))
    relative_noise = excess / progress
    restarts = () if schedule is None else schedule.restart_points  # a warm restart is meant to bump the loss
    found = find_spikes(
        x,
        keep,
        noise=noise,
        batch=batch,
        progress=progress,
        excused={p + d for p in restarts for d in (0, 1)},
        shared_by=val if jitter_measured else None,
    )
    spikes = found.positions
    rose = np.diff(x[2:]) > 0 if len(x) > 4 else np.zeros(0, dtype=bool)  # after the first epochs
    ups = float(rose.mean()) if len(rose) else 0.0
    ups_low = binomial_interval(int(rose.sum()), len(rose))[0]  # 4 rises in 5 epochs: 28% or more (95%)
    expected = rises_expected_from_se(ts, se)  # rises batch noise alone makes (0 when it is not known)
    # a logged loss is a mean of sampled batches: without a measured spread, its own noise says how often it rises
    # so does a curve whose jitter the validation loss, read from the same parameters, does not share
    measured = history.train_loss_counts is not None or jitter_measured
    logged_noise = rises_vs_curve_noise(x) if se is None and measured else None
    if logged_noise is not None:
        expected = logged_noise.expected_share
    # Epoch-averaged training loss of a healthy run rarely rises beyond batch noise (score.py).
    # a plateau's wobble (rises under BOUNCE_MATERIAL of the loss) rises half the time whatever the rate
    excess_rises = (
        rises_excess(ups, ups_low, expected) if len(x) <= _MAX_POINTS_FOR_RISES and not wobbles(train) else None
    )
    sampled = se is None and _sampled_batches(history, train)
    improving = val_progress is not None and val_progress.still_improving
    noise_only = not len(spikes) and not excess_rises and not found.resets
    score = instability_score(
        relative_noise,
        excess_rises,
        len(spikes),
        improving=improving,
        sampled=sampled,
        gave_back=found.gave_back,
        noise_only=noise_only,
    )
    if score < MIN_FINDING_SCORE:
        return None, False
    where = history.points_name
    # the words follow the evidence
    reported = instability_ratio(relative_noise, excess_rises, len(spikes)) >= 1.0 or found.resets
    lead = "noisy" if noise_only and reported else "unstable" if reported else "only slightly unstable"
    summary = (
        f"Training loss is {lead}: {where}-to-{where} noise is {100 * relative_noise:.0f}% of the total progress "
        + ("beyond the batch noise of its logged values " if se is not None else "")
        + ("as far as the validation loss shares it " if jitter_measured and se is None else "")
        + f"and it rose in {100 * ups:.0f}% of {where}s"
        + (_noise_explains(logged_noise) if logged_noise is not None else "")
        + (f", with {len(spikes)} spike(s) (first at {history.position(int(spikes[0]))})." if len(spikes) else ".")
        + found.sentence()
    )
    first_spike = int(spikes[0]) if len(spikes) else None
    result = Instability(
        train_loss_noise_vs_progress=round(relative_noise, 4),
        epochs_with_rising_train_loss_pct=round(100 * ups, 1),
        epochs_with_rising_train_loss_pct_low=round(100 * ups_low, 1) if len(rose) else None,
        spikes=len(spikes),
        train_loss_batch_noise_se=None if se is None else round(batch, 6),
        rises_expected_from_batch_noise_pct=None if se is None else round(100 * expected, 1),
        first_spike_epoch=epoch_of(history, first_spike),
        first_spike_step=step_of(history, first_spike),
        spike_gave_back=round(found.gave_back, 3) if len(spikes) else None,
        val_still_improving="yes" if improving else None,
        val_late_slope_t=val_progress.reported_slope_t if improving and val_progress else None,
        val_noise_vs_gain=val_progress.reported_noise_vs_gain if improving and val_progress else None,
        train_loss_single_batches=int(logged.sum()) if sampled else None,
        rises_expected_from_curve_noise_pct=None if logged_noise is None else round(100 * expected, 1),
        rises_beyond_curve_noise_p=None if logged_noise is None else round(logged_noise.p_value, 4),
    )
    if improving and not found.resets:
        summary += " The validation curve still improves at the end, so this costs little so far."
    if sampled:
        summary += (
            f" The training loss was logged at only {int(logged.sum())} of {len(train)} {where}s, one batch "
            "each: batch noise of unknown size may explain this spread (log the epoch mean to tell)."
        )
    if noise_only and reported:
        summary += (
            " Its noise is the only sign (no spike, no rise beyond the noise): a loss that hardly fell makes that "
            "ratio large whatever its noise, so it is weak on its own."
        )
    return optimization_finding(score, summary, result, "Lower the learning rate (try 3x and 10x smaller)."), noise_only


def _noise_explains(rises: RisesVsNoise) -> str:
    return f" ({100 * rises.expected_share:.0f}% expected from the logged loss's own noise, {p_text(rises.p_value)})"


def _class_shares(evidence: Evidence) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The training and validation rows' class shares, each None when its labels are not given."""
    k = max(len(evidence.classes), 1)

    def shares(y: np.ndarray | None) -> np.ndarray | None:
        return None if y is None or not len(y) else np.bincount(y, minlength=k) / len(y)

    return shares(evidence.y_train), shares(evidence.y_val)


@register(
    name=_NAME,
    cause="optimization",
    requires=("history",),
    description="Divergence, oscillation/spikes and stalls of the training loss, related to the lr schedule.",
)
def optimization_from_curves(evidence: Evidence) -> list[Finding]:
    """Divergence, instability and stalls of the training loss."""
    given = evidence.history
    if given is not None and "train_loss" in given.series and given.n_points >= 2:
        diverged_early = _nan_divergence(given)  # whatever else was logged, a NaN loss is a verdict
        if diverged_early is not None:
            return [diverged_early]
    history = history_of(evidence)
    train = history.get("train_loss")
    if train is None:
        raise SkipCheck("history has no train_loss")
    logged = int(np.isfinite(train).sum())
    if logged and not np.any(train[np.isfinite(train)]):  # pipeline_bug.zero_loss reads it: no course to read
        raise SkipCheck("the training loss is 0 at every point logged: never measured, no course to read")
    if logged < _MIN_TRAIN_POINTS and history.diverged_at is None:
        raise SkipCheck(
            f"not enough to judge: the training loss was logged at only {logged} of {history.n_points} "
            f"{history.points_name}s; at least {_MIN_TRAIN_POINTS} are needed to read its course"
        )
    diverged = _divergence(history, train)
    if diverged is not None and diverged.score >= DIVERGENCE_VERDICT:
        return [diverged]
    schedule = read_schedule(history)
    val_progress = validation_progress(evidence, history)
    unstable, noise_only = _instability(history, train, schedule, val_progress)
    stalled = stall(history, train, schedule, val_progress, _class_shares(evidence), evidence.val_size)
    if stalled is not None and noise_only:  # its noise-to-progress ratio restates the stall: one finding, one fix
        unstable = None
    return [f for f in (diverged, unstable, stalled) if f is not None]
