"""What stopping at the best point gains: the validation metric there instead of at the end."""

from __future__ import annotations

from gapdoctor.causes.curves import history_of, info_of, val_metric_curve
from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.curves import noise_sd_curved

__all__ = ["stopping_gain"]

_Z95 = 1.96
"""Half-width of a 95% normal interval, in standard deviations."""


def stopping_gain(result: OverfittingCurves, evidence: Evidence) -> Gain | None:
    """The validation metric at the best point (``after_fix``) against its level at the end (``now``).

    Both are the smoothed curve's values the payload reports (in the metric's own
    direction: for a lower-is-better metric ``after_fix`` is the lowest point, below
    ``now``). A run stopped at the best point reads one evaluation there, which scatters
    around the smoothed curve by the curve's point-to-point noise
    (:func:`~gapdoctor.stats.curves.noise_sd_curved`, the noise the check's turn is judged
    against); the interval is ``after_fix`` ± 1.96 of that noise. A metric counting hard
    decisions on a known number of validation rows cannot be read closer than one row:
    a curve flat between jumps of a row (noise 0) gets that resolution as its noise. The
    interval of a metric in [0, 1] is kept in [0, 1].
    None without a validation metric curve (a validation loss alone says nothing of the metric),
    or when a metric in [0, 1] was logged outside that range (:func:`make_gain` refuses the empty interval).
    """
    if result.metric is None or result.val_metric_best is None or result.val_metric_final is None:
        return None
    curve = val_metric_curve(evidence, history_of(evidence))
    if curve is None or curve[0] != result.metric:
        return None
    info = info_of(evidence, result.metric)
    noise = noise_sd_curved(curve[1])
    if info.thresholded and evidence.val_size:
        noise = max(noise, 1.0 / evidence.val_size)
    best = result.val_metric_best
    low, high = best - _Z95 * noise, best + _Z95 * noise
    if info.bounded:  # a metric in [0, 1] is read in [0, 1] (logged outside it: an empty interval, no gain)
        low, high = max(low, 0.0), min(high, 1.0)
    return make_gain(result.metric, now=result.val_metric_final, after_fix=best, low=low, high=high)
