"""How ``optimization``'s measured statistics become its strength of evidence: its one scoring declaration.

Three stories, each with its statistic and reporting point:

- divergence: a NaN/infinite loss is a verdict (:data:`NAN_DIVERGENCE`); a loss that climbs
  back above its start scores its climb over its progress;
- instability: excess noise of the training loss over its progress, the share of epochs
  it rose beyond what batch noise explains, and spikes;
- stall: how little of the loss the run removed and how flat its last third is, more when
  the stall starts at a learning-rate cut or the rate never left a tiny value.

Ratios to a reporting point are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`
(0.5 at the reporting point); the ceilings below keep a still-improving run weak.
"""

from __future__ import annotations

from gapdoctor.stats.scoring import capped, strength_from_ratio

__all__ = [
    "BELOW_MEAN_MIN_POINTS",
    "BOUNCE_MATERIAL",
    "CUT_CONVERGED_SHARE",
    "CUT_SLOWDOWN_AT_REPORT",
    "DIVERGENCE_VERDICT",
    "FROZEN_AT_REPORT",
    "NAN_DIVERGENCE",
    "NOISE_AT_REPORT",
    "REACHABLE_AT_REPORT",
    "RISES_AT_REPORT",
    "RISES_HEALTHY",
    "SAMPLED_MAX_SCORE",
    "SPIKE_RESET_AT_REPORT",
    "SPIKE_RESET_MAX",
    "SPIKE_WEIGHT",
    "STALL_CUT_MULTIPLIER",
    "STALL_LATE_FALL",
    "STALL_LATE_FALL_FLOOR",
    "STALL_LATE_FALL_Z",
    "STALL_TOO_LOW_MULTIPLIER",
    "STALL_WEIGHT",
    "STILL_IMPROVING_MAX_SCORE",
    "climb_score",
    "crawl_score",
    "frozen_score",
    "instability_ratio",
    "instability_score",
    "rises_excess",
    "stall_score",
]

BOUNCE_MATERIAL = 0.005
"""A training loss whose second half rises by less than 0.5% of its level (mean rise,
:func:`~gapdoctor.causes.optimization.convergence.rise_share`) is not bouncing: its rises (about half
the points of any curve wandering at its floor) are the floor's own wobble, and a rate too high holds
the loss above its floor by about its bounce, so a lower rate would gain under that. Calibration
corpus: the rate-too-high runs rise by 1.0% (seed 198) to several times their level; the converged
logistic regressions read as bouncing (Adam, constant rate; held-out 243 and the new-user run of
tests/causes/optimization/test_check_convergence.py) by 0.01-0.07%. 0.5% sits between: 2x below the
smallest bounce, 7x above the largest wobble."""
NAN_DIVERGENCE = 0.95
"""A loss that became NaN/infinite: the run diverged; nothing else needs weighing."""
DIVERGENCE_VERDICT = 0.9
"""A climb back above the starting loss scored this high is the whole story: the other curve
checks (noise, stall) read a curve that no longer means anything."""
NOISE_AT_REPORT = 0.15
"""Epoch-to-epoch noise beyond batch noise, as a fraction of the total progress, reported at 0.5."""
RISES_HEALTHY = 0.1
"""Share of epochs an epoch-averaged training loss of a healthy run rises beyond batch noise ..."""
RISES_AT_REPORT = 0.25
"""... and the excess over it that is reported at 0.5 (rising in about a third of the epochs)."""
SPIKE_WEIGHT = 0.5
"""Each spike adds half a reporting point: two spikes alone are reported."""
SPIKE_RESET_AT_REPORT = 1.0
"""A spike that gives back all the progress made before it (the training loss back at its starting value) is
reported at 0.5 however few the spikes, whatever the validation curve does: the run restarted from where it began,
the divergence story's reporting point (a climb back above the start) reached once and recovered from. The share
given back is the spike's rise over the running minimum before it, over the fall from the start to that minimum."""
SPIKE_RESET_MAX = 10.0
"""A spike with no progress before it to give back (it rose from the starting value itself) counts as giving back
this many times the progress: a loss that rose past its start at once diverged from the first steps."""
STALL_LATE_FALL = 0.02
"""Relative fall of the training loss over the last third at which a run that removed nothing ..."""
STALL_WEIGHT = 0.5
"""... scores half a reporting point (a stall must be flatter than that, or have removed less, to be reported)."""
STALL_LATE_FALL_FLOOR = 0.002
"""A last third flatter than this counts as this flat (the ratio stays finite)."""
STALL_LATE_FALL_Z = 1.645
"""When the training loss's jitter is its measurement's (a train-mode batch mean beside a smoother
validation loss), the last third counts as flat only as far as that noise lets it be told from flat:
its fall is read at its one-sided 95% upper bound (fall + this many standard errors)."""
FROZEN_AT_REPORT = 3.0
"""A validation accuracy identical, at a one-answer value, at this many evaluations is reported at 0.5
(:func:`~gapdoctor.causes.optimization.frozen.frozen_decisions` reads it from 6: 0.67; 9: 0.75; 20: 0.87). A model
that learns changes some decision between two evaluations; each further evaluation that changes none is more
evidence that its answers do not depend on its inputs."""
BELOW_MEAN_MIN_POINTS = 6
"""Evaluations at which a validation R² at or below 0 is read (:mod:`~gapdoctor.causes.optimization.below_mean`),
scored as decisions frozen at as many (:func:`frozen_score`: 6 evaluations 0.67, 20: 0.87): a model that learns
anything of its inputs beats its targets' mean within a few evaluations, and each further one it does not is more
evidence that it learnt nothing."""
HEAD_AT_CHANCE_AT_REPORT = 3.0
"""One output of a multi-output model whose own loss sits at a guess's at this many evaluations, while another
output learns, is reported at 0.5 (:mod:`~gapdoctor.causes.optimization.heads` reads it from 6 evaluations: 0.67;
14: 0.82): as for frozen decisions, each evaluation at which a head that could learn did not is more evidence that
its outputs do not depend on the inputs."""
STALL_CUT_MULTIPLIER = 2.0
"""A stall that starts right after a learning-rate cut is twice the evidence: the cut explains it."""
STALL_TOO_LOW_MULTIPLIER = 1.5
"""A stall under a rate that never left a tiny value: one and a half times the evidence."""
CUT_SLOWDOWN_AT_REPORT = 20.0
"""A training loss that, for the rest of the run, falls 20 times slower per point than it fell just before a
learning-rate cut has its pace collapse reported at 0.5. A step cut by the usual 10x slows a gradient step about
10x at the same gradient, and a step schedule that works drops the loss right after each cut, so its pace after
the cut rarely falls even that much (the real step-decay log of tests/data/real_logs: 3.4x and 6.5x at its first
two cuts); a pace twice slower than the usual cut explains means the cut ended the progress. Calibration corpus:
the early-decay runs (rate cut 100-10,000x at point 2-5) crawl 13x to 18,000x slower (median 300x)."""
REACHABLE_AT_REPORT = 0.25
"""... and the loss the cut left on the table is reported at 0.5 when the pace before the cut would have removed
a quarter of the loss left at the cut over the rest of the run. The crawl story needs both halves (a collapse, and
something left to remove), so the weaker ratio decides: a cut after the loss had converged costs nothing however
flat the end (the real log's last cut, after which its loss stopped falling: 2% left to remove)."""
CUT_CONVERGED_SHARE = 0.01
"""A learning-rate cut made once the training loss had fallen below this share of its highest value before the cut
left nothing to crawl to: its slowdown is not read. A loss at 1% of its start has fitted the training rows (a
cross-entropy of 0.006 from 0.6: 99.4% of the rows' probability on their labels), so the rate cut cannot have cost
the run its progress (a real Keras log of the forty-fifth held-out set: ReduceLROnPlateau's fifth cut, at 0.3% of
the start, read as a crawl ahead of its overfitting). The calibration corpus's crawls all come at 16% or more."""
STILL_IMPROVING_MAX_SCORE = 0.45
"""A validation curve still improving at the end: noise or a flat training loss is weak at most."""
SAMPLED_MAX_SCORE = 0.45
"""A training loss sampled every N steps (one batch per value): its spread alone is weak at most."""
NOISE_ONLY_MAX_SCORE = 0.45
"""A training loss whose only sign of instability is its noise against its progress (no spike, no rises beyond its
noise) is weak at most. A loss that hardly fell makes that ratio large whatever its noise (a converged fine-tune, a
regression at its floor), and the scenarios the policy was fitted on hold almost none (1 in the 660 blind scenarios
of batches 96-101, where every other instability had spikes or rises): a high score would have no calibration
behind it. On real logs such headlines disagreed with their labels 4 times in 4 (three healthy runs)."""


def climb_score(blowup: float) -> float:
    """Strength of a training loss that climbed back above its start (climb over progress)."""
    return strength_from_ratio(blowup)


def crawl_score(slowdown: float, reachable: float) -> float:
    """Strength of a training loss that crawled on after a learning-rate cut.

    ``slowdown``: its pace after the cut over its pace before; ``reachable``: the share of the loss left at
    the cut that the old pace would have removed over the rest of the run (near 0: it had converged already).
    """
    return strength_from_ratio(min(slowdown / CUT_SLOWDOWN_AT_REPORT, reachable / REACHABLE_AT_REPORT))


def instability_ratio(relative_noise: float, excess_rises: float | None, spikes: int) -> float:
    """The unstable loss's evidence against what is reported (1: at the report point), before any cap.

    Examples
    --------
    >>> instability_ratio(0.0, 0.0, 0) < 1.0
    True
    """
    rises = 0.0 if excess_rises is None else (excess_rises - RISES_HEALTHY) / RISES_AT_REPORT
    return max(relative_noise / NOISE_AT_REPORT, rises) + SPIKE_WEIGHT * spikes


def rises_excess(share: float, share_low: float, expected: float) -> float:
    """The share of epochs the loss rose beyond the share batch noise explains, when the points vouch for it.

    ``share_low`` is the low end of the share's 95% interval: the rises count only when it lies
    beyond what a healthy run shows (``expected`` + :data:`RISES_HEALTHY`); otherwise they are no
    evidence (0). A few epochs vouch for little: 4 rises in 5 (80%, 95% interval from 28%) against 37%
    expected is a real log's plateau, not an unstable loss (tests/data/real_logs_heldout3, capsnet).

    Examples
    --------
    >>> rises_excess(0.8, 0.28, 0.37), round(rises_excess(0.5, 0.32, 0.0), 2)
    (0.0, 0.5)
    """
    return share - expected if share_low > expected + RISES_HEALTHY else 0.0


def instability_score(
    relative_noise: float,
    excess_rises: float | None,
    spikes: int,
    *,
    improving: bool,
    sampled: bool,
    gave_back: float = 0.0,
    noise_only: bool = False,
) -> float:
    """Strength of an unstable training loss.

    ``excess_rises`` is the share of epochs the loss rose minus the share batch noise
    explains (:func:`rises_excess`); None when there are too many points for that share to
    mean anything.
    ``gave_back``: the share of the progress made before it that the largest spike gave back
    (:data:`SPIKE_RESET_AT_REPORT`); a still-improving validation curve does not cap it (a run that
    restarted from scratch is still catching up), a loss logged one batch at a time does.
    ``noise_only``: no spike, no rise beyond the noise, no reset: its noise against its progress is all there is
    (:data:`NOISE_ONLY_MAX_SCORE`).

    Examples
    --------
    >>> instability_score(0.0, 0.0, 1, improving=True, sampled=False) < 0.5
    True
    >>> instability_score(0.0, 0.0, 1, improving=True, sampled=False, gave_back=1.3) > 0.5
    True
    >>> instability_score(0.3, 0.0, 0, improving=False, sampled=False, noise_only=True) < 0.5
    True
    """
    strength = strength_from_ratio(instability_ratio(relative_noise, excess_rises, spikes))
    strength = capped(strength, NOISE_ONLY_MAX_SCORE, when=noise_only)
    strength = capped(strength, STILL_IMPROVING_MAX_SCORE, when=improving)
    strength = max(strength, strength_from_ratio(gave_back / SPIKE_RESET_AT_REPORT))
    return capped(strength, SAMPLED_MAX_SCORE, when=sampled)


def stall_score(
    achieved: float,
    late_drop: float,
    *,
    after_cut: bool,
    too_low_lr: bool,
    improving: bool,
    late_drop_se: float = 0.0,
) -> float:
    """Strength of a stall from the share of the loss removed and the last third's relative fall.

    ``improving`` caps it (the validation curve still improves) unless a cut or a tiny
    rate explains the stall. ``late_drop_se``: the standard error of the late fall when the
    training loss's jitter is its measurement's (0 otherwise).
    """
    late = max(late_drop + STALL_LATE_FALL_Z * late_drop_se, STALL_LATE_FALL_FLOOR)
    ratio = (1.0 - achieved) * (STALL_LATE_FALL / late) * STALL_WEIGHT
    if after_cut:
        ratio *= STALL_CUT_MULTIPLIER
    elif too_low_lr:
        ratio *= STALL_TOO_LOW_MULTIPLIER
    return capped(strength_from_ratio(ratio), STILL_IMPROVING_MAX_SCORE, when=improving)


def head_at_chance_score(evaluations: int) -> float:
    """Strength of one output's loss at a guess's over ``evaluations`` evaluations while another output learns."""
    return strength_from_ratio(evaluations / HEAD_AT_CHANCE_AT_REPORT)


def frozen_score(evaluations: int) -> float:
    """Strength of a validation accuracy frozen at a one-answer value over ``evaluations`` evaluations."""
    return strength_from_ratio(evaluations / FROZEN_AT_REPORT)
