"""What the metric-saturation check measured: the headroom left below the metric's ceiling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gapdoctor.causes.payload import Payload, figure

__all__ = ["Saturation"]


@dataclass(frozen=True, kw_only=True)
class Saturation(Payload):
    """A bounded validation metric flat at its ceiling while the training loss keeps falling.

    Parameters
    ----------
    metric : str
        The validation metric read.
    val_metric_final : float
        Its level over the last points.
    headroom : float
        Distance left to the ceiling (or to the label-noise ceiling); with the validation size
        (accuracy and error), Laplace's estimate ``(errors + 1) / (n + 2)``.
    headroom_low, headroom_high : float or None
        Its exact (Clopper-Pearson) 95% interval, with the validation size (accuracy and error).
    second_half_gain : float
        What the metric gained over the second half (oriented: positive is better).
    train_loss_drop_second_half_pct : float
        Relative fall of the training loss over the second half, in %.
    val_errors_left : int or None
        Validation rows left wrong, besides credible suspected label errors, counted before Laplace's estimate
        (57 of 57 right leaves 0, though the estimated headroom is 1.7%; thresholded metrics, with ``y_val``).
    val_suspected_label_errors : int or None
        Validation rows the model contradicts with near certainty (with validation probabilities).
    val_label_error_rate_est : float or None
        Their share of the validation rows.
    accuracy_ceiling_est : float or None
        The accuracy a correct model can reach on these labels.
    val_log_loss, val_expected_calibration_error : float or None
        The measures that can still show progress, with validation probabilities.
    val_loss_change_second_half_pct : float or None
        Relative change of the validation loss over the second half, in % (with ``val_loss``).
    val_suspect_confidence_rank : float or None
        Mean percentile of the suspects' confidence among the rows the model gets right with
        the same confidence gate (1/2 when they are label errors; with suspects).
    val_suspect_rank_p_value : float or None
        Its one-sided p-value under label errors; below 0.05 the suspects are read as the
        model's overconfident errors, and the label-error rate and ceiling are not stated.
    """

    CHECK: ClassVar[str] = "metric_saturation.curves"

    metric: str = figure()
    val_metric_final: float = figure()
    headroom: float = figure()
    headroom_low: float | None = figure(omit_none=True)
    headroom_high: float | None = figure(omit_none=True)
    second_half_gain: float = figure()
    train_loss_drop_second_half_pct: float = figure()
    val_errors_left: int | None = figure(omit_none=True)
    val_suspected_label_errors: int | None = figure(omit_none=True)
    val_label_error_rate_est: float | None = figure(omit_none=True)
    accuracy_ceiling_est: float | None = figure(omit_none=True)
    val_log_loss: float | None = figure(omit_none=True)
    val_expected_calibration_error: float | None = figure(omit_none=True)
    val_loss_change_second_half_pct: float | None = figure(omit_none=True)
    val_suspect_confidence_rank: float | None = figure(omit_none=True)
    val_suspect_rank_p_value: float | None = figure(omit_none=True)
