"""A recorder's checkpoint state: plain JSON out, and anything read back in without raising.

A checkpoint is loaded inside the user's training (``trainer.fit(ckpt_path=...)``
calls ``load_state_dict``), so reading one must never raise: a state saved with other
options (``track_rows``, ``seed``, ``n_train``, ``metric``), by another version, with
keys missing or of the wrong type, or not a mapping at all, is read for what fits and
the rest is ignored — said in one logged line and returned as notes.

Decisions
---------
- **The recorder's own options win.** Resuming with ``track_rows=16`` after a run
  saved with 256 tracks the new sample; the old per-row history is dropped (its epochs
  read as NaN: not measured) rather than mixed with another sample's. The metric given
  now is kept.
- **Epochs stay aligned.** Every restored series is padded with NaN to the longest
  one, and the per-row history to the number of epochs, so the next epoch lands at the
  same index in every series.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapdoctor.integrations.guard import describe
from gapdoctor.integrations.tracked_rows import TrackedRows
from gapdoctor.integrations.values import json_float

if TYPE_CHECKING:
    from gapdoctor.integrations.recorder import Recorder

__all__ = ["STATE_VERSION", "RestoredState", "read_state", "recorder_state"]

STATE_VERSION = 1
_KEYS = ("version", "metric", "curves", "extra_curves", "tracked", "label_order", "alerted", "alerts", "errors")


def recorder_state(recorder: Recorder) -> dict[str, Any]:
    """The JSON-safe state of ``recorder`` (NaN written as None)."""

    def plain(series: Mapping[str, list[float]]) -> dict[str, list[float | None]]:
        return {name: [json_float(v) for v in values] for name, values in series.items()}

    tracked = recorder._tracked
    return {
        "version": STATE_VERSION,
        "metric": recorder.metric,
        "curves": plain(recorder.curves),
        "extra_curves": plain(recorder.extra_curves),
        "tracked": None if tracked is None else tracked.state_dict(),
        "label_order": list(recorder.label_order),
        "alerted": sorted(recorder._alert_log.alerted),
        "alerts": list(recorder.alerts),
        "errors": list(recorder.errors),
    }


@dataclass
class RestoredState:
    """What a checkpoint gives a recorder, already converted; ``notes`` says what was ignored."""

    curves: dict[str, list[float]] = field(default_factory=dict)
    extra_curves: dict[str, list[float]] = field(default_factory=dict)
    sample_losses: list[list[float]] | None = None
    sample_predictions: list[list[int]] | None = None
    label_order: list[int | str] = field(default_factory=list)
    alerted: set[str] = field(default_factory=set)
    alerts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_state(state: Any, *, metric: str, tracked: TrackedRows | None) -> RestoredState:
    """Convert ``state`` for a recorder with this ``metric`` and per-row ``tracked`` sample.

    Parameters
    ----------
    state : any
        What :func:`recorder_state` wrote, or anything else.
    metric : str
        The recorder's metric (kept).
    tracked : TrackedRows or None
        The recorder's tracked sample, if it has one.

    Returns
    -------
    RestoredState

    Examples
    --------
    >>> read_state(["not", "a", "dict"], metric="accuracy", tracked=None).notes
    ['the state is a list, not a mapping: nothing restored']
    >>> restored = read_state({"version": 1, "curves": {"val_loss": [1.0, None]}}, metric="accuracy", tracked=None)
    >>> restored.curves, restored.notes[0]
    ({'val_loss': [1.0, nan]}, "missing 'metric'")
    """
    out = RestoredState()
    if not isinstance(state, Mapping):
        out.notes.append(f"the state is a {type(state).__name__}, not a mapping: nothing restored")
        return out
    notes = out.notes
    version = state.get("version")
    if version != STATE_VERSION:
        notes.append(f"it has state version {version!r} (this gapdoctor writes {STATE_VERSION}): what fits is restored")
    notes.extend(f"missing {key!r}" for key in _KEYS if key not in state and version == STATE_VERSION)
    saved_metric = state.get("metric")
    if saved_metric is not None and saved_metric != metric:
        notes.append(f"it was recorded for metric {saved_metric!r}; this recorder's {metric!r} is kept")
    out.curves = _series(state.get("curves"), "curves", notes)
    out.extra_curves = _series(state.get("extra_curves"), "extra_curves", notes)
    epochs = max((len(v) for v in (*out.curves.values(), *out.extra_curves.values())), default=0)
    for series in (*out.curves.values(), *out.extra_curves.values()):
        series.extend([math.nan] * (epochs - len(series)))
    saved_rows = state.get("tracked")
    if tracked is not None:
        out.sample_losses, out.sample_predictions, note = tracked.restored_history(saved_rows, epochs)
        if note:
            notes.append(note)
    elif saved_rows is not None:
        notes.append("per-row losses were saved but this recorder tracks no rows (track_rows=0): ignored")
    out.label_order = _list(state.get("label_order"), "label_order", (int, float, str), notes)
    out.alerted = set(_list(state.get("alerted"), "alerted", (str,), notes))
    out.alerts = _list(state.get("alerts"), "alerts", (str,), notes)
    out.errors = _list(state.get("errors"), "errors", (str,), notes)
    return out


def _series(value: Any, key: str, notes: list[str]) -> dict[str, list[float]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        notes.append(f"{key!r} is a {type(value).__name__}, not a mapping: ignored")
        return {}
    out: dict[str, list[float]] = {}
    bad: list[str] = []
    for name, values in value.items():
        try:
            if not isinstance(name, str) or isinstance(values, (str, bytes, Mapping)):
                raise TypeError(name)
            out[name] = [math.nan if v is None else float(v) for v in values]
        except Exception:
            bad.append(repr(name)[:40])
    if bad:
        notes.append(f"{key} {', '.join(bad[:5])} are not lists of numbers: ignored")
    return out


def _finite(item: Any) -> bool:
    return not isinstance(item, float) or math.isfinite(item)


def _list(value: Any, key: str, types: tuple[type, ...], notes: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        notes.append(f"{key!r} is a {type(value).__name__}, not a list: ignored")
        return []
    try:
        items = list(value)
    except Exception as error:
        notes.append(f"{key!r} could not be read ({describe(error)}): ignored")
        return []
    if not all(isinstance(item, types) and not isinstance(item, bool) and _finite(item) for item in items):
        notes.append(f"{key!r} holds values other than {'/'.join(t.__name__ for t in types)}: ignored")
        return []
    return items
