"""What fixing a finding is expected to gain: the shape of ``finding.gain`` and its validation.

A cause whose evidence allows a number computes it in its own folder
(``causes/<cause>/gain.py``) from its typed payload and hands it to ``Finding(gain=...)``;
a cause whose evidence does not allow an honest number states none (``gain=None``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

__all__ = ["Gain", "checked_gain", "gain_size", "make_gain"]

_KEYS = ("metric", "now", "after_fix", "interval")


class Gain(TypedDict):
    """What fixing a finding is expected to gain on a metric (``finding.gain``).

    ``after_fix`` is never worse than ``now`` (a cause whose evidence shows nothing to gain
    states no gain); ``interval`` bounds ``after_fix``: its 95% interval where the evidence
    gives one, else the range the evidence allows (each cause's gain function says which).
    """

    metric: str
    now: float
    after_fix: float
    interval: tuple[float, float]


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"Finding.gain[{name!r}] must be a finite number, got {value!r}")
    return float(value)


def checked_gain(gain: Mapping[str, Any]) -> Gain:
    """``gain`` validated and normalised: floats, the interval a (low, high) tuple.

    Examples
    --------
    >>> checked_gain({"metric": "f1", "now": 0.8, "after_fix": 0.85, "interval": [0.82, 0.88]})
    {'metric': 'f1', 'now': 0.8, 'after_fix': 0.85, 'interval': (0.82, 0.88)}
    >>> checked_gain({"metric": "f1", "now": 0.8, "after_fix": 0.85, "interval": [0.88, 0.82]})
    Traceback (most recent call last):
    ...
    ValueError: Finding.gain['interval'] must have low <= high, got [0.88, 0.82]
    """
    if not isinstance(gain, Mapping) or sorted(gain) != sorted(_KEYS):
        keys = sorted(gain) if isinstance(gain, Mapping) else type(gain).__name__
        raise ValueError(f"Finding.gain must have exactly the keys {list(_KEYS)}, got {keys}")
    metric, interval = gain["metric"], gain["interval"]
    if not isinstance(metric, str) or not metric:
        raise ValueError(f"Finding.gain['metric'] must be a metric name, got {metric!r}")
    if not isinstance(interval, Sequence) or isinstance(interval, str) or len(interval) != 2:
        raise ValueError(f"Finding.gain['interval'] must be [low, high], got {interval!r}")
    low, high = _finite("interval", interval[0]), _finite("interval", interval[1])
    if low > high:
        raise ValueError(f"Finding.gain['interval'] must have low <= high, got {[low, high]}")
    now, after_fix = _finite("now", gain["now"]), _finite("after_fix", gain["after_fix"])
    return {"metric": metric, "now": now, "after_fix": after_fix, "interval": (low, high)}


def make_gain(metric: str, *, now: float, after_fix: float, low: float, high: float) -> Gain | None:
    """A gain rounded as the payloads are (4 decimals); None when a figure is not finite or the
    interval is empty (a check's arithmetic on a scale it did not expect: no number, never an error)."""
    figures = (now, after_fix, low, high)
    if not all(math.isfinite(x) for x in figures) or low > high:
        return None
    now, after_fix, low, high = (round(float(x), 4) for x in figures)
    return {"metric": metric, "now": now, "after_fix": after_fix, "interval": (low, high)}


def gain_size(gain: Gain) -> float:
    """How much fixing it gains, in the metric's units, whatever its direction (``after_fix`` is never worse)."""
    return abs(gain["after_fix"] - gain["now"])
