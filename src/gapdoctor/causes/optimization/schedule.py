"""The learning-rate schedule of a run, recognised from its logged ``lr`` values.

Before a flat training loss is called a stall, or a small learning rate "too low", the
schedule is read: a warm-up, a linear or cosine decay to near zero, steps, or warm
restarts. A decay that anneals the rate to a small fraction of its peak is *meant* to
flatten the end of the run; a restart is meant to bump the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.inputs.history import RunHistory
from gapdoctor.stats.array_types import FloatArray

IntArray = NDArray[np.intp]

# Constant when the rate never moves by more than this factor.
_CONSTANT_RATIO = 1.5
# A warm-up: the first logged rate is under half the peak, reached in the first 40% of the run.
_WARMUP_START_FRACTION = 0.5
_WARMUP_PEAK_BEFORE = 0.4
# Annealed: the run ends at a tenth of the peak or less (linear / cosine decay to ~0).
_ANNEALED_FRACTION = 0.1
# A restart: the rate at least doubles from one logged value to the next, after the peak.
_RESTART_FACTOR = 2.0
# A rate under this fraction of the peak is "zero" (the last value of a linear decay).
_NEAR_ZERO_FRACTION = 1e-3
# A step cut: the rate falls by this factor or more between two logged values.
STEP_CUT = 5.0


@dataclass(frozen=True)
class Schedule:
    """What the learning rate did.

    Parameters
    ----------
    kind : str
        ``"constant"``, ``"warm-up"``, ``"decay"``, ``"warm-up + decay"``, ``"steps"``,
        ``"restarts"``, or ``"varied"``.
    peak, final : float
        The largest and the last logged rate.
    annealed : bool
        True when the rate ends at a tenth of its peak or less, reached gradually.
    restart_points : tuple of int
        Evaluation points right after a warm restart.
    cut_points : tuple of int
        Evaluation points right after a step cut (by ``STEP_CUT`` or more).
    """

    kind: str
    peak: float
    final: float
    annealed: bool
    restart_points: tuple[int, ...] = ()
    cut_points: tuple[int, ...] = ()


def _lr_points(history: RunHistory) -> tuple[IntArray, FloatArray] | None:
    """The logged rates and the evaluation point each falls in."""
    if "lr" in history.raw:
        x, values = history.raw["lr"]
        axis = history.steps if history.steps is not None else history.epochs
        index = (
            np.arange(len(values))
            if axis is None
            else np.minimum(np.searchsorted(axis, x, side="left"), history.n_points - 1)
        )
    else:
        aligned = history.get("lr")
        if aligned is None:
            return None
        values, index = aligned, np.arange(len(aligned))
    keep = np.isfinite(values) & (values > 0)
    if keep.sum() < 2:
        return None
    return np.asarray(index[keep], dtype=np.intp), np.asarray(values[keep], dtype=np.float64)


def read_schedule(history: RunHistory) -> Schedule | None:
    """The run's learning-rate schedule, or None without an ``lr`` series.

    Examples
    --------
    >>> lr = np.r_[np.linspace(1e-6, 5e-5, 10), 5e-5 * (1 + np.cos(np.linspace(0, np.pi, 40))) / 2]
    >>> h = RunHistory.from_any({"train_loss": np.linspace(2, 1, 50), "lr": lr})
    >>> s = read_schedule(h)
    >>> s.kind, s.annealed
    ('warm-up + decay', True)
    """
    found = _lr_points(history)
    if found is None:
        return None
    index, lr = found
    peak, final, start = float(lr.max()), float(lr[-1]), float(lr[0])
    top = int(np.argmax(lr))
    if peak / float(lr.min()) < _CONSTANT_RATIO:
        return Schedule("constant", peak, final, annealed=False)
    ratio_next = lr[1:] / lr[:-1]
    # a cut to a rate next to zero is the end of a decay to zero, not a step: when it is the run's last
    # logged rate, or the rate had already decayed to a tenth of its peak; from a high rate with the run
    # still to go, it is a step that stops training
    end_of_decay = (lr[:-1] <= _ANNEALED_FRACTION * peak) | (np.arange(1, len(lr)) == len(lr) - 1)
    is_cut = (ratio_next <= 1.0 / STEP_CUT) & ((lr[1:] >= _NEAR_ZERO_FRACTION * peak) | ~end_of_decay)
    cuts = tuple(sorted({int(index[i + 1]) for i in np.flatnonzero(is_cut)}))
    after_peak = np.arange(len(ratio_next)) >= top
    restarts = tuple(sorted({int(index[i + 1]) for i in np.flatnonzero((ratio_next >= _RESTART_FACTOR) & after_peak)}))
    warmup = start < _WARMUP_START_FRACTION * peak and top <= _WARMUP_PEAK_BEFORE * len(lr)
    decays = final < _WARMUP_START_FRACTION * peak
    annealed = final <= _ANNEALED_FRACTION * peak and not cuts
    if restarts:
        kind = "restarts"
    elif cuts and not warmup:
        kind = "steps"
    elif warmup and decays:
        kind = "warm-up + decay"
    elif warmup:
        kind = "warm-up"
    elif decays:
        kind = "decay"
    else:
        kind = "varied"
    return Schedule(kind, peak, final, annealed=annealed or bool(restarts), restart_points=restarts, cut_points=cuts)
