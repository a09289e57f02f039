"""What the optimisation check measured: one payload per picture (divergence, climb, instability, stall)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from gapdoctor.causes.curves import Epoch
from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["Instability", "LossClimb", "NanDivergence", "OutputAtChance", "Stall"]

CHECK = "optimization.curves"
"""The check producing every optimisation payload."""


@dataclass(frozen=True, kw_only=True)
class NanDivergence(Payload):
    """The training loss turned NaN/infinite and stayed so.

    Parameters
    ----------
    diverged_at_epoch : Epoch
        The first point of the divergence.
    diverged_at_step : int or None
        Its training step, when steps are known.
    val_unchanged_evaluations : int or None
        When the loss was non-finite from the first point: the evaluations at which every validation
        value logged was the same (the weights never changed), else None.
    """

    CHECK: ClassVar[str] = CHECK

    diverged_at_epoch: Epoch = figure()
    diverged_at_step: int | None = figure(omit_none=True)
    val_unchanged_evaluations: int | None = figure(
        omit_none=True, label="evaluations with every validation value the same", shown_as="count"
    )


@dataclass(frozen=True, kw_only=True)
class LossClimb(Payload):
    """The training loss climbed back above its starting value after its best.

    Parameters
    ----------
    train_loss_final : float
        The smoothed training loss at the end.
    train_loss_best_epoch, train_loss_best_step : Epoch, int or None
        Where it was at its best.
    """

    CHECK: ClassVar[str] = CHECK

    train_loss_final: float = figure()
    train_loss_best_epoch: Epoch = figure()
    train_loss_best_step: int | None = figure(omit_none=True)

    @property
    def onset(self) -> Epoch:
        """The climb began after the training loss's best."""
        return self.train_loss_best_epoch


@dataclass(frozen=True, kw_only=True)
class Instability(Payload):
    """The training loss oscillates or spikes by amounts comparable to its progress.

    Parameters
    ----------
    train_loss_noise_vs_progress : float
        Point-to-point noise beyond batch noise, as a fraction of the total progress.
    epochs_with_rising_train_loss_pct : float
        Share of points at which the training loss rose, in %.
    epochs_with_rising_train_loss_pct_low : float or None
        The low end of its 95% (Clopper-Pearson) interval, in %: the share the rises are read at
        (a few points vouch for little). None with too few points to count rises.
    spikes : int
        Spikes standing far above both neighbours (warm restarts excused).
    train_loss_batch_noise_se : float or None
        Median standard error of a point from the values logged inside it, when known.
    rises_expected_from_batch_noise_pct : float or None
        Share of rises batch noise alone explains, in %, when batch noise is known.
    first_spike_epoch, first_spike_step : Epoch, int or None
        Where the first spike is, when there is one.
    spike_gave_back : float or None
        The largest share of the progress made before it that a spike gave back (1: the training loss
        back at its starting value; :mod:`~gapdoctor.causes.optimization.spikes`), when there are spikes.
    val_still_improving : {"yes"} or None
        "yes" when the validation curve still improves at the end (the score is capped).
    val_late_slope_t, val_noise_vs_gain : float or None
        When capped: the validation curve's late slope over its standard error, and its noise
        as a fraction of its total gain (:mod:`~gapdoctor.causes.optimization.progress`).
    train_loss_single_batches : int or None
        Points logged with one batch's loss each, when the log samples single batches.
    rises_expected_from_curve_noise_pct, rises_beyond_curve_noise_p : float or None
        For a logged loss whose batch noise was not measured: share of rises its own trend-removed
        noise explains, in %, and the one-sided p-value of the observed rises under that noise
        (:mod:`~gapdoctor.causes.optimization.rises`).
    """

    CHECK: ClassVar[str] = CHECK

    train_loss_noise_vs_progress: float = figure()
    epochs_with_rising_train_loss_pct: float = figure()
    epochs_with_rising_train_loss_pct_low: float | None = figure(
        omit_none=True, label="its 95% interval, low end (the share the rises are read at)", shown_as="pct"
    )
    spikes: int = figure()
    train_loss_batch_noise_se: float | None = figure(omit_none=True)
    rises_expected_from_batch_noise_pct: float | None = figure(omit_none=True)
    first_spike_epoch: Epoch | None = figure(omit_none=True)
    first_spike_step: int | None = figure(omit_none=True)
    spike_gave_back: float | None = figure(
        omit_none=True, label="share of the progress before it the largest spike gave back", shown_as="number"
    )
    val_still_improving: Literal["yes"] | None = figure(omit_none=True)
    val_late_slope_t: float | None = figure(
        omit_none=True, label="validation curve's late slope over its standard error", shown_as="number"
    )
    val_noise_vs_gain: float | None = figure(
        omit_none=True, label="validation-curve noise relative to its gain", shown_as="number"
    )
    train_loss_single_batches: int | None = figure(omit_none=True)
    rises_expected_from_curve_noise_pct: float | None = figure(omit_none=True)
    rises_beyond_curve_noise_p: float | None = figure(omit_none=True)


@dataclass(frozen=True, kw_only=True)
class Stall(Payload):
    """The training loss stopped improving early, far from where it started.

    Parameters
    ----------
    train_loss_start, train_loss_final : float
        The training loss where the run started and at the end.
    train_loss_drop_pct : float
        Its fall over the whole run, in %.
    late_drop_pct : float
        Its fall over the last third, in %.
    stall_epoch, stall_step : Epoch, int or None
        Where the stall begins (a two-piece linear fit).
    lr_max, lr_final : float or None
        The peak and last learning rate, with an ``lr`` series.
    lr_schedule : str or None
        The schedule recognised (:class:`~gapdoctor.causes.optimization.schedule.Schedule`).
    lr_cut_epoch, lr_cut_step : Epoch, int or None
        The learning-rate cut the stall follows, when there is one.
    val_still_improving : {"yes"} or None
        "yes" when the validation curve still improves at the end (the score is capped).
    val_late_slope_t, val_noise_vs_gain : float or None
        When capped: the validation curve's late slope over its standard error, and its noise
        as a fraction of its total gain (:mod:`~gapdoctor.causes.optimization.progress`).
    markers : dict of str to int
        Points (numbered from 1) marked on the curves figure.
    late_drop_se_pct : float or None
        The late fall's standard error (in %) from the training loss's noise, when that noise is its
        measurement's (the validation loss does not share it): the fall is scored at its 95% upper bound.
    pace_slowdown_after_cut : float or None
        When the loss crawled on after a cut: how many times slower it fell per point after the cut
        than just before it (:mod:`~gapdoctor.causes.optimization.cuts`).
    reachable_at_old_pace_pct : float or None
        With it: the share (%) of the loss left at the cut that the pace before the cut would have
        removed over the rest of the run.
    chance_level_classes : int or None
        When the loss sits at a guess's loss over ``k`` classes from the start (``ln k``, a uniform
        guess, or the class shares' entropy; :mod:`~gapdoctor.causes.optimization.chance`): that ``k``.
    frozen_metric, frozen_value, frozen_evaluations : str, float, int or None
        When the validation accuracy was identical at the run's last evaluations, at a value one answer
        for every row gives (:func:`~gapdoctor.causes.optimization.frozen.frozen_decisions`): the metric, its
        value and the number of evaluations.
    val_r2_best, val_r2_evaluations : float, int or None
        When a regression's validation R² stayed at or below 0 at every evaluation (no better than the targets'
        mean; :mod:`~gapdoctor.causes.optimization.below_mean`): its best value and the number of evaluations.
    val_learnt_after_stall : float or None
        Evidence in [0, 1] that the validation curves (the metric and the loss) improved beyond their noise after
        the stall began, when there is some: the score is lowered by that share (the model kept learning).
    """

    CHECK: ClassVar[str] = CHECK

    train_loss_start: float = figure()
    train_loss_final: float = figure()
    train_loss_drop_pct: float = figure()
    late_drop_pct: float = figure()
    stall_epoch: Epoch = figure()
    stall_step: int | None = figure(omit_none=True)
    lr_max: float | None = figure(omit_none=True)
    lr_final: float | None = figure(omit_none=True)
    lr_schedule: str | None = figure(omit_none=True)
    lr_cut_epoch: Epoch | None = figure(omit_none=True)
    lr_cut_step: int | None = figure(omit_none=True)
    val_still_improving: Literal["yes"] | None = figure(omit_none=True)
    val_late_slope_t: float | None = figure(
        omit_none=True, label="validation curve's late slope over its standard error", shown_as="number"
    )
    val_noise_vs_gain: float | None = figure(
        omit_none=True, label="validation-curve noise relative to its gain", shown_as="number"
    )
    markers: dict[str, int] = plot()
    late_drop_se_pct: float | None = figure(
        omit_none=True, label="late fall's standard error from the training loss's noise (%)", shown_as="number"
    )
    pace_slowdown_after_cut: float | None = figure(
        omit_none=True, label="times slower the training loss fell after the cut", shown_as="number"
    )
    reachable_at_old_pace_pct: float | None = figure(
        omit_none=True, label="loss left at the cut the old pace would have removed (%)", shown_as="number"
    )
    chance_level_classes: int | None = figure(
        omit_none=True, label="classes whose guess the training loss sits at", shown_as="number"
    )
    frozen_metric: str | None = figure(
        omit_none=True, label="validation metric identical at the last evaluations", shown_as="text"
    )
    frozen_value: float | None = figure(omit_none=True, label="its value at each of them", shown_as="metric")
    frozen_evaluations: int | None = figure(omit_none=True, label="evaluations it was identical at", shown_as="count")
    val_r2_best: float | None = figure(omit_none=True, label="best validation R² (never above 0)", shown_as="number")
    val_r2_evaluations: int | None = figure(
        omit_none=True, label="evaluations the validation R² was logged at", shown_as="count"
    )
    val_learnt_after_stall: float | None = figure(
        omit_none=True, label="evidence validation kept improving after the stall began", shown_as="number"
    )

    def explained_by(self) -> tuple[str, ...]:
        """Decisions that never changed are also what a model produces that ranks its rows but whose scores never
        cross the decision threshold (an imbalanced task's argmax): a reported metric mismatch goes first."""
        return ("metric_mismatch",) if self.frozen_metric is not None else ()

    @property
    def onset(self) -> Epoch | None:
        """Where the stall began (the learning-rate cut it follows, when earlier); None for a model that never learnt
        (a loss at a guess's, decisions frozen at one answer, an R² never above 0): that holds from the start."""
        if self.chance_level_classes is not None or self.frozen_metric is not None or self.val_r2_best is not None:
            return None
        return self.stall_epoch if self.lr_cut_epoch is None else min(self.stall_epoch, self.lr_cut_epoch)


@dataclass(frozen=True, kw_only=True)
class OutputAtChance(Payload):
    """One output of a multi-output model whose own loss sits at a guess's while another output learns.

    Parameters
    ----------
    outputs : str
        The outputs whose loss sits at a guess's (``"id"``), with the class count of each guess.
    evaluations : int
        Points at which their training loss was logged (all at the guess's level, past the first third).
    learnt : str
        The outputs whose loss fell (``"icgd"``).
    total_start, total_final : float
        The run's total training loss at its first and last point (it fell: the total hides the output).
    """

    CHECK: ClassVar[str] = "optimization.output_at_chance"
    outputs: str = figure(label="outputs whose loss sits at a guess's (classes)", shown_as="text")
    evaluations: int = figure(label="points their training loss was logged at", shown_as="count")
    learnt: str = figure(label="outputs whose loss fell", shown_as="text")
    total_start: float = figure(label="first total training loss", shown_as="number")
    total_final: float = figure(label="final total training loss", shown_as="number")
