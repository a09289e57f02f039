"""What the small-validation-set check measured: the sampling noise of the validation metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, TypedDict

from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["MetricBand", "SamplingNoise"]


class MetricBand(TypedDict):
    """The validation metric per point with its 95% sampling interval (for the band figure)."""

    epochs: list[int]
    values: list[float | None]
    low: list[float | None]
    high: list[float | None]
    metric: str


@dataclass(frozen=True, kw_only=True)
class SamplingNoise(Payload):
    """The validation metric's sampling noise against the changes it must detect.

    Parameters
    ----------
    metric : str
        The validation metric judged.
    n_val : int
        Validation rows.
    val_metric, val_metric_low, val_metric_high : float
        The metric and its 95% interval.
    interval_method : str
        How the interval was computed (exact binomial, bootstrap, normal approximation).
    metric_from : str
        Where the metric was read: ``val_probs`` or ``history val_<metric>``.
    sampling_sd : float
        Standard deviation of the metric from sampling the validation rows.
    smallest_detectable_change : float
        The change between two evaluations a 5% test detects with 80% power.
    min_class_support, min_support_class, classes_under_30_rows : int, str, int or None
        The fewest validation rows of a class, that class, and the classes under 30 rows (with ``y_val``).
    last_epochs : int or None
        Points of the history's last stretch judged (with a ``val_<metric>`` curve).
    movement_last_epochs : float or None
        How far the metric moved over them.
    movement_inside_noise : {"yes", "no"} or None
        Whether that movement lies inside the sampling noise.
    second_half_trend : float or None
        The metric's change over the second half of the run: the last quarter's mean minus the
        quarter's before the midpoint (the bench's stuck-or-improving statistic).
    second_half_rise_needed : float or None
        The rise that shows the metric is not stuck: over the 95% noise of that difference of two
        means (from the curve's own epoch-to-epoch wobble) and 1 point.
    room_to_ceiling : float or None
        The most a metric in [0, 1] can still improve by its interval (1 minus the lower bound); the
        change the set could hide is never more than this.
    val_loss_drop_last_epochs : float or None
        How far the smoothed validation loss fell over those epochs (with a ``val_loss`` curve).
    val_loss_drop_needed : float or None
        The drop that counts as an improvement: over its epoch noise and 1% of its level.
    val_size_for_1pt_change : int or None
        Validation rows needed to detect a one-point change (None past any realistic size).
    val_size_for_movement_seen : int or None
        Validation rows needed to detect a change as large as the movement seen.
    metric_band : MetricBand or None
        The metric curve with its band, with a ``val_<metric>`` curve.
    """

    CHECK: ClassVar[str] = "small_validation_set.sampling_noise"

    metric: str = figure()
    n_val: int = figure()
    val_metric: float = figure()
    val_metric_low: float = figure()
    val_metric_high: float = figure()
    interval_method: str = figure()
    metric_from: str = figure()
    sampling_sd: float = figure()
    smallest_detectable_change: float = figure()
    min_class_support: int | None = figure(omit_none=True)
    min_support_class: str | None = figure(omit_none=True)
    classes_under_30_rows: int | None = figure(omit_none=True)
    last_epochs: int | None = figure(omit_none=True)
    movement_last_epochs: float | None = figure(omit_none=True)
    movement_inside_noise: Literal["yes", "no"] | None = figure(omit_none=True)
    second_half_trend: float | None = figure(omit_none=True)
    second_half_rise_needed: float | None = figure(
        omit_none=True, label="rise over the second half that shows the metric is not stuck", shown_as="number"
    )
    room_to_ceiling: float | None = figure(
        omit_none=True, label="most the metric can still improve (by its interval)", shown_as="number"
    )
    val_loss_drop_last_epochs: float | None = figure(
        omit_none=True, label="validation loss drop over the last epochs", shown_as="number"
    )
    val_loss_drop_needed: float | None = figure(
        omit_none=True, label="validation loss drop that shows an improvement exists", shown_as="number"
    )
    val_size_for_1pt_change: int | None = figure(omit_none=True)
    val_size_for_movement_seen: int | None = figure(omit_none=True)
    metric_band: MetricBand | None = plot(omit_none=True)
