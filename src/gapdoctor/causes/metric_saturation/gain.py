"""What a saturated metric can still gain: at most the distance to the ceiling the labels allow."""

from __future__ import annotations

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.metric_saturation.result import Saturation

__all__ = ["ceiling_gain"]


def ceiling_gain(result: Saturation) -> Gain | None:
    """The ceiling the validation labels allow (``after_fix``) against the metric's level (``now``).

    Only where the payload states a ceiling: the accuracy a correct model can reach with the
    validation rows that look like label errors (for ``error``, the floor they set). The
    ceiling is a bound, not a forecast: the interval runs from no gain (``now``) to the
    ceiling. None without a stated ceiling, or when the metric already reaches it.
    """
    if result.accuracy_ceiling_est is None or result.val_label_error_rate_est is None:
        return None
    now = result.val_metric_final
    if result.metric == "accuracy" and result.accuracy_ceiling_est > now:
        ceiling = result.accuracy_ceiling_est
        return make_gain(result.metric, now=now, after_fix=ceiling, low=now, high=ceiling)
    if result.metric == "error" and result.val_label_error_rate_est < now:
        floor = result.val_label_error_rate_est
        return make_gain(result.metric, now=now, after_fix=floor, low=floor, high=now)
    return None
