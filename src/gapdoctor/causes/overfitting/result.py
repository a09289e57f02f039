"""What the overfitting check measured: one payload, the curves' turn or plateau."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from gapdoctor.causes.curves import Epoch
from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["OverfittingCurves"]


@dataclass(frozen=True, kw_only=True)
class OverfittingCurves(Payload):
    """Validation curves that turned for the worse, or only stopped improving, while training loss fell.

    The ``val_loss_*`` and ``gap_*`` figures are None without a validation loss, the
    ``val_metric_*`` ones without a validation metric; ``*_step`` ones without a step axis.

    Parameters
    ----------
    epochs : int
        Evaluation points recorded.
    val_loss_min, val_loss_min_epoch, val_loss_min_step : float, Epoch, int or None
        The smoothed validation loss at its minimum, and where.
    val_loss_final : float or None
        The smoothed validation loss at the end.
    val_loss_rise_pct : float or None
        Its rise after the minimum, in % of the minimum.
    gap_onset_epoch, gap_onset_step : Epoch, int or None
        Where the train/validation gap starts growing (a two-piece linear fit), when it does.
    gap_growth_per_epoch : float or None
        The gap's growth per point after that onset.
    metric : str or None
        The validation metric read.
    val_metric_best, val_metric_best_epoch, val_metric_best_step : float, Epoch, int or None
        The smoothed metric at its best, and where.
    val_metric_final : float or None
        The smoothed metric at the end.
    val_metric_plateau_epoch, val_metric_plateau_step : Epoch, int or None
        The first point within noise of the metric's best.
    train_loss_drop_after_turn_pct : float
        How far the training loss fell after the validation turn, in % (to its lowest when it climbed back).
    train_loss_low_epoch : Epoch or None
        Where the training loss was lowest, when it climbed back beyond its noise after it and the turn is judged
        up to there (a spike or restart late in the run); None otherwise.
    best_epoch, best_step : Epoch, int or None
        Where to stop: the metric's best, else the validation loss minimum.
    val_plateau_epoch, val_plateau_step : Epoch, int or None
        First point of the validation curves' final plateau.
    train_loss_drop_late_pct : float
        How far the training loss fell over the second half of the plateau, in %.
    pattern : {"turn", "plateau", "memorised"}
        Validation got worse, only stopped improving, or training is ahead of it beyond the
        validation set's sampling noise while its loss has not improved since its minimum.
    few_points : int or None
        The number of points, when too few to rest a turn on.
    training_curve : str or None
        What stands in for the training loss when none was logged: the training twin of the validation metric, as
        its error for a score in [0, 1] (``"1 - train_accuracy"``) or as logged for an error (``"train_mae"``); the
        ``train_loss_*`` figures are then that curve's. None when the training loss was read.
    val_loss_sampling_se : float or None
        Standard error of the final validation loss over the validation rows (needs ``val_probs``).
    generalisation_gap, generalisation_gap_sd : float or None
        Training ahead of validation at the end, and the validation figure's sampling standard deviation.
    generalisation_gap_on : {"metric", "loss"} or None
        Read on the metric's training twin, else on the losses.
    turn_within_sampling_noise : {"yes", "no"} or None
        Whether the validation loss's rise and the metric's fall are both inside the 95% sampling
        band of two evaluations on this many rows (None when neither noise is known).
    smoothed_over : int or None
        The evaluations each smoothed figure above averages (after a running median of 3, as
        :func:`gapdoctor.stats.curves.smooth` does): a figure read back from a log differs from the logged
        value by this smoothing. None on findings stored before it was said.
    markers : dict of str to int
        Points (numbered from 1) marked on the curves figure; empty when the payload is rebuilt from
        the evidence alone (a finding stored without its plot data, as the corpus's diagnose lines keep
        it): what ranks it, :meth:`explained_by`, reads the evidence only.
    """

    CHECK: ClassVar[str] = "overfitting.curves"

    epochs: int = figure()
    val_loss_min: float | None = figure(omit_none=True)
    val_loss_min_epoch: Epoch | None = figure(omit_none=True)
    val_loss_min_step: int | None = figure(omit_none=True)
    val_loss_final: float | None = figure(omit_none=True)
    val_loss_rise_pct: float | None = figure(omit_none=True)
    gap_onset_epoch: Epoch | None = figure(omit_none=True)
    gap_onset_step: int | None = figure(omit_none=True)
    gap_growth_per_epoch: float | None = figure(omit_none=True)
    metric: str | None = figure(omit_none=True)
    val_metric_best: float | None = figure(omit_none=True)
    val_metric_best_epoch: Epoch | None = figure(omit_none=True)
    val_metric_best_step: int | None = figure(omit_none=True)
    val_metric_final: float | None = figure(omit_none=True)
    val_metric_plateau_epoch: Epoch | None = figure(omit_none=True)
    val_metric_plateau_step: int | None = figure(omit_none=True)
    train_loss_drop_after_turn_pct: float = figure()
    train_loss_low_epoch: Epoch | None = figure(omit_none=True, label="training loss lowest, before it climbed back")
    best_epoch: Epoch = figure()
    best_step: int | None = figure(omit_none=True)
    val_plateau_epoch: Epoch = figure()
    val_plateau_step: int | None = figure(omit_none=True)
    train_loss_drop_late_pct: float = figure()
    pattern: Literal["turn", "plateau", "memorised"] = figure()
    few_points: int | None = figure(omit_none=True)
    training_curve: str | None = figure(
        omit_none=True, label="training curve read (no training loss logged)", shown_as="text"
    )
    val_loss_sampling_se: float | None = figure(
        omit_none=True, label="standard error of the validation loss over its rows", shown_as="sd"
    )
    generalisation_gap: float | None = figure(omit_none=True, label="training ahead of validation at the end")
    generalisation_gap_sd: float | None = figure(
        omit_none=True, label="sampling standard deviation of the validation figure", shown_as="sd"
    )
    generalisation_gap_on: Literal["metric", "loss"] | None = figure(
        omit_none=True, label="training/validation gap read on", shown_as="text"
    )
    turn_within_sampling_noise: Literal["yes", "no"] | None = figure(
        omit_none=True, label="turn within the validation rows' sampling noise", shown_as="text"
    )
    smoothed_over: int | None = figure(
        omit_none=True, label="evaluations each smoothed figure averages (after a median of 3)", shown_as="count"
    )
    markers: dict[str, int] = plot(default_factory=dict)

    def explained_by(self) -> tuple[str, ...]:
        """A plateau is also what a validation set too small to show progress produces, and so is a
        turn whose rise and fall are inside the sampling noise of two evaluations on its rows."""
        small = self.pattern == "plateau" or (self.pattern == "turn" and self.turn_within_sampling_noise == "yes")
        return ("small_validation_set",) if small else ()

    @property
    def onset(self) -> Epoch:
        """Where the overfitting began (:attr:`began`)."""
        return self.began

    @property
    def began(self) -> Epoch:
        """The epoch overfitting began: the gap's onset, else the validation loss minimum, else the best epoch."""
        for epoch in (self.gap_onset_epoch, self.val_loss_min_epoch):
            if epoch is not None:
                return epoch
        return self.best_epoch
