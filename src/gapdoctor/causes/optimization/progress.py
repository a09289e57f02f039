"""Is the validation curve still improving at the end, beyond its own noise?

The optimisation check keeps a noisy or flat training loss weak while the validation curve still
improves: the metric is not stuck, so the noise costs little so far. That excuse is only as good
as the improvement is real. A validation curve that wobbles around a level can end on a lucky
high (its smoothed best lands in the last epochs by chance), and a learning rate too high makes
the validation curve itself swing. So "still improving" asks three things of the curve:

- its (smoothed) best is among the last points and the last third brought a share of its gain;
- the least-squares slope of its last third is above zero with 95% confidence (a t interval over
  the points of the last third), not just positive;
- it is not itself unstable: its point-to-point noise is below the share of its total gain at
  which the training loss's noise is reported (:data:`~gapdoctor.causes.optimization.score.NOISE_AT_REPORT`).
  A validation curve that swings by more than that is paying for the instability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gapdoctor.causes.curves import info_of, oriented, val_metric_curve
from gapdoctor.causes.optimization.score import NOISE_AT_REPORT
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory, smooth
from gapdoctor.stats.curves import fall_beyond_noise, noise_sd_curved

__all__ = ["REPORTED_T_MAX", "ValidationProgress", "validation_progress"]

# The curve is "still improving" when its best is among the last fifth of the points and the last
# third brought at least this share of its total gain.
_STILL_IMPROVING_SHARE = 0.1
# A slope read over fewer points than this has too wide an interval to say anything.
_MIN_LATE_POINTS = 5
# One-sided confidence that the late slope is above zero.
_LATE_SLOPE_CONFIDENCE = 0.95
# The validation curve needs this many points for its trend and noise to be read.
_MIN_POINTS = 6
REPORTED_T_MAX = 1000.0
"""A late slope known better than this (an exact line: infinite) is reported as this many standard errors."""


@dataclass(frozen=True)
class ValidationProgress:
    """How the validation curve ends.

    Parameters
    ----------
    still_improving : bool
        Its best is at the end, the late slope is above zero with 95% confidence and the curve
        is not itself unstable.
    late_slope_t : float
        Least-squares slope of the last third (in the improving direction) over its standard error.
    noise_vs_gain : float
        Point-to-point noise of the curve as a fraction of its total gain (inf without a gain).
    reference : ndarray or None
        The curve read, oriented lower-is-better (the metric negated when higher is better).
    """

    still_improving: bool
    late_slope_t: float
    noise_vs_gain: float
    reference: np.ndarray | None = field(default=None, repr=False, compare=False)

    def learnt_after(self, start: int) -> float:
        """Evidence in [0, 1] that the validation curve improved beyond its noise from point ``start`` on."""
        return 0.0 if self.reference is None else fall_beyond_noise(self.reference, start, unknown=0.0)

    @property
    def reported_slope_t(self) -> float:
        """The late slope's t as a finding reports it (an exact line, infinite, as :data:`REPORTED_T_MAX`)."""
        return round(min(self.late_slope_t, REPORTED_T_MAX), 2)

    @property
    def reported_noise_vs_gain(self) -> float:
        """The noise over the gain as a finding reports it."""
        return round(self.noise_vs_gain, 4)


def _late_slope_t(values: np.ndarray) -> float:
    """Slope of ``values`` (higher is better) over its standard error; inf for an exact line, 0 without points."""
    x = np.flatnonzero(np.isfinite(values)).astype(float)
    y = values[np.isfinite(values)]
    if len(y) < 3:
        return 0.0
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    spread = float(np.sum((x - x.mean()) ** 2))
    se = float(np.sqrt(np.sum(residual**2) / (len(y) - 2) / spread))
    if se <= 0:  # an exact line: its slope is known exactly
        return 0.0 if slope == 0 else float(np.sign(slope)) * np.inf
    return float(slope) / se


def validation_progress(evidence: Evidence, history: RunHistory) -> ValidationProgress | None:
    """How the validation metric (else the validation loss) ends; None when it cannot be read.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> epochs = np.arange(20)
    >>> rising = build_evidence(history={"train_loss": list(np.exp(-epochs / 8.0)),
    ...                                  "val_loss": list(1.0 + np.exp(-epochs / 12.0))})
    >>> validation_progress(rising, rising.history).still_improving
    True
    >>> wobble = 0.5 + 0.05 * (-1.0) ** epochs
    >>> wobble[-1] = 0.4  # a lucky last point
    >>> flat = build_evidence(history={"train_loss": list(np.exp(-epochs / 8.0)), "val_loss": list(wobble)})
    >>> validation_progress(flat, flat.history).still_improving
    False
    """
    curve = val_metric_curve(evidence, history)
    reference = -oriented(info_of(evidence, curve[0]), curve[1]) if curve is not None else history.get("val_loss")
    if reference is None or history.n_points < _MIN_POINTS:
        return None
    rs = smooth(reference)
    n = len(rs)
    total = float(rs[0] - rs.min())
    late = float(rs[n - 1 - n // 3] - rs[-1])
    late_t = _late_slope_t(-reference[-max(_MIN_LATE_POINTS, n // 3) :])
    noise = noise_sd_curved(reference) / total if total > 0 else float("inf")
    from scipy.stats import t as student_t  # scipy: imported where used, like the other curve checks

    late_points = int(np.isfinite(reference[-max(_MIN_LATE_POINTS, n // 3) :]).sum())
    needed = float(student_t.ppf(_LATE_SLOPE_CONFIDENCE, max(late_points - 2, 1)))
    improving = (
        total > 0
        and int(np.argmin(rs)) >= n - max(2, n // 5)
        and late >= _STILL_IMPROVING_SHARE * total
        and late_t > needed
        and noise < NOISE_AT_REPORT
    )
    return ValidationProgress(still_improving=improving, late_slope_t=late_t, noise_vs_gain=noise, reference=reference)
