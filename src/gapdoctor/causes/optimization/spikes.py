"""Spikes of a training loss, and how much of the run's progress the largest one gave back.

A spike stands above both its neighbours (the last point: above the one before) by
:data:`SPIKE_SIGMAS` times the curve's noise (or three times its batch noise), by a fifth of the
neighbours' level, and by :data:`SPIKE_MIN_PROGRESS` of the run's total progress: near a loss of
zero, a bump of 20% of a tiny value is far above the noise yet costs the run nothing. A warm
restart is meant to bump the loss: spikes at a restart point and the point after are excused. When the training
loss's jitter is its measurement's (one batch's value, or a train-mode mean the validation loss, read from the same
parameters, does not share), a spike is one only where the validation loss rose too, above both its neighbours by
:data:`SHARED_SIGMAS` times its own noise: a bad batch moves one measurement, a blow-up of the parameters both.

What a spike cost is the share of the progress made before it that it gave back: its rise over
the running minimum before it, over the fall from the first logged value to that minimum. At 1 the
loss stood back at its starting value, the progress before it lost; a spike with no progress
before it (it rose from the starting value itself) counts as
:data:`~gapdoctor.causes.optimization.score.SPIKE_RESET_MAX`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.optimization.score import SPIKE_RESET_AT_REPORT, SPIKE_RESET_MAX
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.curves import noise_sd_curved

__all__ = ["SHARED_SIGMAS", "SPIKE_MIN_PROGRESS", "SPIKE_SIGMAS", "Spikes", "find_spikes"]

SPIKE_SIGMAS = 6.0
"""A spike's rise above its neighbours, in the curve's noise (point-to-point, curvature removed)."""
SPIKE_MIN_PROGRESS = 0.05
"""... and in the run's total progress (the smoothed curve's range)."""
SHARED_SIGMAS = 2.0
"""A measured training loss's spike is one the validation loss shares: its rise above both its neighbours, in its own
noise (point-to-point, curvature removed)."""
_SHOWN_GAVE_BACK = 0.25  # the summary says what the largest spike gave back from a quarter of the progress on


@dataclass(frozen=True)
class Spikes:
    """The spikes of a logged training loss.

    Parameters
    ----------
    positions : ndarray of int
        Where they are, as indices of the points the loss was read at (the caller's ``keep``).
    gave_back : float
        The largest share of the progress made before it that one of them gave back (0 without spikes).
    """

    positions: IntArray
    gave_back: float

    @property
    def resets(self) -> bool:
        """Whether a spike gave back all the progress made before it (reported on its own)."""
        return self.gave_back >= SPIKE_RESET_AT_REPORT

    def sentence(self) -> str:
        """What the largest spike cost, for the finding's summary ("" when it gave back under a quarter).

        Examples
        --------
        >>> Spikes(np.array([4]), 1.5).sentence().startswith(" The largest took the training loss back above its start")
        True
        >>> Spikes(np.array([4]), 0.1).sentence()
        ''
        """
        if self.gave_back >= SPIKE_RESET_MAX:
            return (
                " The largest rose above the starting loss before the run had made any progress: it diverged from "
                "its first steps."
            )
        if self.resets:
            return (
                " The largest took the training loss back above its starting value (it gave back "
                f"{self.gave_back:.1f}x the progress made before it): the run lost that progress and started again."
            )
        if self.gave_back >= _SHOWN_GAVE_BACK:
            return f" The largest gave back {100 * self.gave_back:.0f}% of the progress made before it."
        return ""


def find_spikes(
    x: FloatArray,
    keep: IntArray,
    *,
    noise: float,
    batch: float,
    progress: float,
    excused: Collection[int] = (),
    shared_by: FloatArray | None = None,
) -> Spikes:
    """The spikes of the logged values ``x`` (read at points ``keep``) and the share of progress they gave back.

    Parameters
    ----------
    x : ndarray of float
        The training loss where it was logged.
    keep : ndarray of int
        The points those values were logged at.
    noise, batch : float
        The curve's point-to-point noise and its batch noise (0 when unknown).
    progress : float
        The smoothed curve's range.
    excused : collection of int
        Points where a bump is by design (warm restarts and the point after each).
    shared_by : ndarray of float, optional
        The validation loss on the run's points, when the training loss's jitter is its measurement's: a spike must
        show on it too.

    Returns
    -------
    Spikes

    Examples
    --------
    >>> x = np.array([2.0, 1.0, 0.5, 0.4, 2.2, 0.35, 0.3, 0.28])
    >>> s = find_spikes(x, np.arange(8), noise=0.01, batch=0.0, progress=1.7)
    >>> s.positions.tolist(), round(s.gave_back, 2)
    ([4], 1.12)
    """
    if len(x) < 3:
        return Spikes(np.array([], dtype=np.intp), 0.0)
    neighbours = np.r_[np.maximum(x[:-2], x[2:]), x[-2]]
    jump = x[1:] - neighbours
    threshold = SPIKE_SIGMAS * max(noise, 3 * batch, 1e-12)
    large = (jump > threshold) & (jump > 0.2 * np.abs(neighbours)) & (jump > SPIKE_MIN_PROGRESS * progress)
    at = np.array([i for i in 1 + np.flatnonzero(large) if int(keep[i]) not in excused], dtype=np.intp)
    if shared_by is not None:
        at = at[_validation_rose(shared_by, keep[at])]
    if not len(at):
        return Spikes(at, 0.0)
    low = np.minimum.accumulate(x)[at - 1]  # the running minimum before each spike
    before = float(x[0]) - low  # the progress made before it
    shares = np.where(before > 0, (x[at] - low) / np.where(before > 0, before, 1.0), SPIKE_RESET_MAX)
    return Spikes(np.asarray(keep[at], dtype=np.intp), float(min(shares.max(), SPIKE_RESET_MAX)))


def _validation_rose(val: FloatArray, points: IntArray) -> np.ndarray:
    """Whether the validation loss, at each of ``points``, stands above both its logged neighbours by
    :data:`SHARED_SIGMAS` times its own noise (the last point: above the one before)."""
    finite = np.flatnonzero(np.isfinite(val))
    rose = np.zeros(len(points), dtype=bool)
    if len(finite) < 3:
        return rose
    threshold = SHARED_SIGMAS * noise_sd_curved(val[finite])
    for n, at in enumerate(points):
        i = int(np.searchsorted(finite, at))
        if i < len(finite) and finite[i] == at:
            around = val[finite[max(i - 1, 0) : i + 2]]  # itself and its logged neighbours
            rose[n] = float(val[at]) - float(np.max(np.delete(around, min(i, 1)))) > threshold
    return rose
