"""Logged points on a real axis: from ``(name, step, epoch, value)`` to evaluation points.

Loggers record each series at its own positions: a training loss per step or per
epoch, validation every N steps, every epoch or irregularly, a learning rate per
step, a test row after the last epoch. :func:`align_points` turns what was logged into
the curves the checks read:

- the **evaluation points** are the positions where a validation series was logged
  (without any, those of the training loss);
- a validation series keeps its value at each evaluation point (several values at one
  position are averaged: per-batch validation logging);
- training-side series (``train_*``, ``lr``, ``grad_norm``...) are aggregated over the
  steps since the previous evaluation point, and the spread of the training loss
  inside each interval is kept: it is what batch noise looks like in this run;
- ``test_*`` series are kept apart (a test row is not a training epoch), unless no validation series
  was logged and a test series was logged as a curve during training (research scripts' ``test_acc1``
  every epoch): then it is the validation curve, said so;
- when the position counter goes back (several runs appended to one log, a restart
  from scratch) only the last run is kept; a partial rewind (a resume from an earlier
  checkpoint) replaces the points it logged again. Both are said in ``notes``.

Positions: ``step`` is the optimiser step when the writer logged one; ``epoch`` is the
number of epochs *completed* at that point (1.0 at the end of the first epoch; HF's
``epoch`` field, Keras' 0-based epoch + 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.inputs.history_values import MAX_MAGNITUDE
from gapdoctor.inputs.series_names import validation_from_test_curves
from gapdoctor.stats.array_types import FloatArray

__all__ = ["STEP_NOISE_SERIES", "Aligned", "LoggedPoint", "align_points", "epoch_completed", "frame_points"]

LoggedPoint = tuple[str, float, float, float]
"""(normalised series name, step, completed epochs, value); NaN where not known."""

# The per-step training loss logged beside a per-epoch one: read for its spread only.
STEP_NOISE_SERIES = "train_loss~step"
# Series aggregated between evaluation points (logged during training, not at evaluation).
_TRAINING_SIDE_PREFIXES = ("train_", "lr", "grad_norm", "momentum", "weight_decay", "batch_size")
# Training steps reaching this many times past the last validation position: the validation was
# logged at the epoch index, the training at the global step.
_TWO_SCALES_RATIO = 4.0
# Batch noise is read from the values inside each interval when at least half the points hold two
# or more; per-step snapshots need this many values to estimate their spread.
_KNOWN_SPREAD_SHARE = 0.5
_MIN_SNAPSHOTS = 5
# Snapshots land in nearly every interval (one per epoch or so); sparser values are HF-style means.
_SNAPSHOT_COVERAGE = 0.8
# Epochs of evaluation points within this of an integer count as "one evaluation per epoch".
_WHOLE_EPOCH_TOLERANCE = 1e-6


@dataclass
class Aligned:
    """Series aligned on evaluation points, with their positions."""

    series: dict[str, FloatArray]
    steps: FloatArray | None
    epochs: FloatArray | None
    unit: str
    counts: FloatArray | None = None
    train_loss_se: FloatArray | None = None
    raw: dict[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict)
    test: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    diverged_at: int | None = None


def _training_side(name: str) -> bool:
    return name.startswith(_TRAINING_SIDE_PREFIXES)


def _fill_epochs(points: list[LoggedPoint]) -> list[LoggedPoint]:
    """Give an epoch to points that only have a step, from the points that have both."""
    known = sorted({(s, e) for _, s, e, _ in points if math.isfinite(s) and math.isfinite(e)})
    if not known or all(math.isfinite(e) for _, _, e, _ in points):
        return points
    steps = np.array([s for s, _ in known])
    epochs = np.maximum.accumulate(np.array([e for _, e in known]))
    out = []
    for name, s, e, v in points:
        if not math.isfinite(e) and math.isfinite(s):
            e = float(np.interp(s, steps, epochs))
        out.append((name, s, e, v))
    return out


def _last_run(points: list[LoggedPoint], x_of: str, notes: list[str]) -> list[LoggedPoint]:
    """Keep the last run when the position counter goes back to the start; apply resumes."""
    index = 1 if x_of == "step" else 2
    starts = _restart_indices(points, index)
    if starts:
        points = points[starts[-1] :]
        kept = sum(1 for p in points if math.isfinite(p[3]))
        notes.append(
            f"the log holds {len(starts) + 1} runs (the {x_of} counter starts again); "
            f"diagnosed the last one ({kept} values)"
        )
    keep = [True] * len(points)
    stack: dict[str, list[int]] = {}
    replaced = 0
    for i, point in enumerate(points):
        mine = stack.setdefault(point[0], [])
        x = _at(point, index)
        if mine and _at(points[mine[-1]], index) > x:  # logged again from an earlier position
            while mine and _at(points[mine[-1]], index) >= x:
                keep[mine.pop()] = False
                replaced += 1
        mine.append(i)
    if replaced:
        notes.append(f"the run was resumed from an earlier {x_of}: {replaced} values logged again were replaced")
        points = [p for p, k in zip(points, keep, strict=True) if k]
    return points


def _at(point: LoggedPoint, index: int) -> float:
    """The point's step (index 1) or epoch (index 2)."""
    return point[1] if index == 1 else point[2]


def _restart_indices(points: list[LoggedPoint], index: int) -> list[int]:
    """Positions in the logged order where a new run starts (a series back at or below its first position)."""
    first: dict[str, float] = {}
    previous: dict[str, float] = {}
    starts: list[int] = []
    wave: set[str] = set()
    for i, point in enumerate(points):
        name, x = point[0], _at(point, index)
        if name in previous and x < previous[name] and x <= first[name]:
            if not starts or name in wave:
                starts.append(_row_start(points, i, index))
                wave = set()
            wave.add(name)
            first[name] = x
        first.setdefault(name, x)
        previous[name] = x
    return starts


def _row_start(points: list[LoggedPoint], i: int, index: int) -> int:
    """Walk back over the other series logged at the same position (one CSV row)."""
    x, seen = _at(points[i], index), {points[i][0]}
    while i > 0 and _at(points[i - 1], index) == x and points[i - 1][0] not in seen:
        i -= 1
        seen.add(points[i][0])
    return i


def _validation_from_test_curves(points: list[LoggedPoint], notes: list[str]) -> list[LoggedPoint]:
    """Points with per-epoch ``test_*`` curves renamed ``val_*`` in a run without validation series."""
    positions: dict[str, set[float]] = {}
    for name, step, epoch, value in points:
        if math.isfinite(value):
            positions.setdefault(name, set()).add(step if math.isfinite(step) else epoch)
    renamed, said = validation_from_test_curves({name: len(xs) for name, xs in positions.items()})
    notes.extend(said)
    return [(renamed.get(p[0], p[0]), *p[1:]) for p in points] if renamed else points


def align_points(points: Iterable[LoggedPoint]) -> Aligned:
    """Align logged points on evaluation points (see the module docstring).

    Parameters
    ----------
    points : iterable of (name, step, epoch, value)
        Normalised series names (``test_*`` kept apart); NaN for an unknown step or
        epoch; a NaN/inf value is a logged non-finite value (divergence), not a gap.

    Returns
    -------
    Aligned

    Examples
    --------
    Training loss every 10 steps, validation every 20, one epoch = 40 steps:

    >>> pts = [("train_loss", s, s / 40, 1.0 / s) for s in range(10, 90, 10)]
    >>> pts += [("val_loss", s, s / 40, 2.0 / s) for s in (20, 40, 60, 80)]
    >>> a = align_points(pts)
    >>> a.unit, a.steps.tolist(), a.series["train_loss"].round(4).tolist()
    ('step', [20.0, 40.0, 60.0, 80.0], [0.075, 0.0292, 0.0183, 0.0134])
    """
    notes: list[str] = []
    test: dict[str, float] = {}
    logged: list[LoggedPoint] = []
    points = _validation_from_test_curves(list(points), notes)
    for name, step, epoch, value in points:
        if name.startswith("test_"):
            if math.isfinite(value):
                test[name] = float(value)
            continue
        logged.append((name, float(step), float(epoch), float(value)))
    if test:
        notes.append(f"test values kept apart from the training curves: {', '.join(sorted(test))}")
    logged = _fill_epochs(logged)
    # values with neither a step nor an epoch (a run's configuration line among its logged steps) place nothing
    # and choose no axis: the others are placed as they were logged
    placeable = [p for p in logged if math.isfinite(p[1]) or math.isfinite(p[2])]
    has_step = bool(placeable) and all(math.isfinite(p[1]) for p in placeable)
    placed = placeable if has_step else [p for p in placeable if math.isfinite(p[2])]
    if len(placed) < len(logged):
        notes.append(f"{len(logged) - len(placed)} values with neither a step nor an epoch were not used")
    logged = placed
    x_of = "step" if has_step else "epoch"
    logged = _last_run(logged, x_of, notes)
    xi = 1 if has_step else 2

    by_name: dict[str, list[tuple[float, float, float]]] = {}
    for name, step, epoch, value in logged:
        by_name.setdefault(name, []).append((step, epoch, value))
    eval_names = [n for n in by_name if not _training_side(n)] or [n for n in by_name if n == "train_loss"]
    if not eval_names:
        eval_names = list(by_name)
    if has_step:
        _epochs_against_steps(by_name, eval_names, notes)
    eval_x = sorted({p[xi - 1] for n in eval_names for p in by_name[n]})
    xs = np.array(eval_x, dtype=np.float64)
    n = len(xs)
    step_at = np.full(n, np.nan)
    epoch_at = np.full(n, np.nan)
    for name in eval_names:
        for step, epoch, _ in by_name[name]:
            j = int(np.searchsorted(xs, step if has_step else epoch))
            if math.isfinite(step):
                step_at[j] = step
            if math.isfinite(epoch):
                epoch_at[j] = epoch if not math.isfinite(epoch_at[j]) else max(epoch_at[j], epoch)
    aligned = Aligned(series={}, steps=None, epochs=None, unit="epoch", test=test, notes=notes)
    for name, pts in by_name.items():
        x = np.array([p[xi - 1] for p in pts], dtype=np.float64)
        v = np.array([p[2] for p in pts], dtype=np.float64)
        v[np.abs(v) > MAX_MAGNITUDE] *= np.inf  # beyond any loss or metric: an overflow, read as the divergence it is
        if name in eval_names:
            slot = np.searchsorted(xs, x)
        else:  # training side: the interval (previous evaluation, this evaluation]
            slot = np.searchsorted(xs, x, side="left")
            keep = slot < n
            x, v, slot = x[keep], v[keep], slot[keep]
        noise_only = name == STEP_NOISE_SERIES
        spread_from = STEP_NOISE_SERIES if STEP_NOISE_SERIES in by_name else "train_loss"
        if name in ("lr", spread_from):
            aligned.raw["train_loss" if noise_only else name] = (x, v)
        finite = np.isfinite(v)
        sums = np.bincount(slot[finite], weights=v[finite], minlength=n)
        counts = np.bincount(slot[finite], minlength=n).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        if name == spread_from:
            squares = np.bincount(slot[finite], weights=v[finite] ** 2, minlength=n)
            with np.errstate(invalid="ignore", divide="ignore"):
                var = (squares - counts * mean**2) / np.maximum(counts - 1, 1)
            aligned.counts = counts
            aligned.train_loss_se = np.where(counts >= 2, np.sqrt(np.maximum(var, 0.0) / np.maximum(counts, 1)), np.nan)
            if _snapshots(x, xs, counts):  # one batch's loss now and then: its spread is batch noise
                spread = _snapshot_spread(v[finite])
                if spread > 0:
                    aligned.train_loss_se = np.where(counts >= 1, spread / np.sqrt(np.maximum(counts, 1)), np.nan)
            if noise_only:
                continue
        if name == "train_loss":
            aligned.diverged_at = _divergence(v, slot)
            if aligned.diverged_at is not None:
                mean[aligned.diverged_at :] = np.inf
        aligned.series[name] = mean.astype(np.float64)
    aligned.steps = step_at if has_step and np.isfinite(step_at).all() else None
    aligned.epochs = epoch_at if np.isfinite(epoch_at).all() else None
    if aligned.epochs is not None and _one_per_epoch(aligned.epochs):
        aligned.unit = "epoch"
    elif aligned.steps is not None:
        aligned.unit = "step"
    return aligned


def _epochs_against_steps(
    by_name: dict[str, list[tuple[float, float, float]]], eval_names: list[str], notes: list[str]
) -> None:
    """Validation logged at the epoch index, training at the global step (two scales in one log).

    ``writer.add_scalar("val/loss", v, epoch)`` beside ``writer.add_scalar("train/loss", l, step)``:
    the validation positions are 0, 1, 2... (or 1, 2, 3...) while the training steps run far
    beyond; the training steps are then spread evenly over the epochs.
    """
    eval_steps = sorted({p[0] for n in eval_names for p in by_name[n]})
    train_names = [n for n in by_name if n not in eval_names]
    train_steps = [p[0] for n in train_names for p in by_name[n]]
    if len(eval_steps) < 2 or not train_steps:
        return
    first, count = eval_steps[0], len(eval_steps)
    consecutive = first in (0.0, 1.0) and eval_steps == [first + i for i in range(count)]
    if not consecutive or max(train_steps) < _TWO_SCALES_RATIO * (eval_steps[-1] + 1):
        return
    per_epoch = (max(train_steps) + 1) / count
    for name in train_names:
        by_name[name] = [(first + min(math.floor(s / per_epoch), count - 1), e, v) for s, e, v in by_name[name]]
    notes.append(
        "validation is logged per epoch and training per step (two scales): the training steps were "
        f"spread evenly over the {count} epochs"
    )


def _snapshots(x: FloatArray, eval_x: FloatArray, counts: FloatArray) -> bool:
    """True when the training loss was logged as per-step snapshots between evaluations.

    Values logged at the evaluation positions are epoch aggregates (Keras, ``*_epoch``);
    values logged elsewhere, one or so per interval, are single batches (Lightning's
    ``log_every_n_steps`` on a per-step ``train_loss``).
    """
    if len(x) < _MIN_SNAPSHOTS or float(np.mean(counts >= 2)) >= _KNOWN_SPREAD_SHARE:
        return False
    if float(np.mean(counts >= 1)) < _SNAPSHOT_COVERAGE:  # sparse means of many steps (HF logging_steps)
        return False
    at_evaluations = float(np.mean(np.isin(x, eval_x)))
    return at_evaluations < _KNOWN_SPREAD_SHARE


def _snapshot_spread(values: FloatArray) -> float:
    """Noise of single-batch values around their trend (second differences, robust)."""
    if len(values) < _MIN_SNAPSHOTS:
        return 0.0
    d2 = np.diff(values, n=2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def frame_points(frame: Any, argument: str, to_floats: Callable[[str, Any], FloatArray]) -> list[LoggedPoint] | None:
    """Rows of a DataFrame with a step or epoch column, as logged points; None without one."""
    columns = {str(c).strip().lower(): c for c in frame.columns}
    step_col = columns.get("step", columns.get("global_step"))
    epoch_col = columns.get("epoch")
    if step_col is None and epoch_col is None:
        return None
    n = len(frame)
    step = to_floats(f"{argument}[{step_col!r}]", frame[step_col]) if step_col is not None else None
    epoch = to_floats(f"{argument}[{epoch_col!r}]", frame[epoch_col]) if epoch_col is not None else None
    if epoch is not None:
        epoch = epoch_completed(epoch)
    points: list[tuple[str, float, float, float]] = []
    data = {str(c): to_floats(str(c), frame[c]) for c in frame.columns if c not in (step_col, epoch_col)}
    for i in range(n):
        s = math.nan if step is None else float(step[i])
        e = math.nan if epoch is None else float(epoch[i])
        points.extend((name, s, e, float(v[i])) for name, v in data.items() if not math.isnan(v[i]))
    return points


def epoch_completed(epochs: FloatArray) -> FloatArray:
    """Epoch column -> epochs completed: 0-based integer counters (Keras, Lightning) get +1.

    Examples
    --------
    >>> epoch_completed(np.array([0.0, 0.0, 1.0])).tolist(), epoch_completed(np.array([0.5, 1.0])).tolist()
    ([1.0, 1.0, 2.0], [0.5, 1.0])
    """
    finite = epochs[np.isfinite(epochs)]
    if len(finite) and float(finite.min()) == 0.0 and bool(np.all(finite == np.round(finite))):
        return epochs + 1.0
    return epochs


def _one_per_epoch(epochs: FloatArray) -> bool:
    whole = np.abs(epochs - np.round(epochs)) <= _WHOLE_EPOCH_TOLERANCE
    return bool(whole.all()) and len(np.unique(np.round(epochs))) == len(epochs)


def _divergence(values: FloatArray, slot: NDArray[np.intp]) -> int | None:
    """The evaluation point from which the logged training loss is non-finite until the end."""
    finite = np.isfinite(values)
    if finite.all() or len(values) == 0:
        return None
    if not finite.any():
        return 0
    last_finite = int(np.flatnonzero(finite)[-1])
    if last_finite == len(values) - 1:
        return None
    return int(slot[last_finite + 1])


def positions_of(series: Mapping[str, FloatArray]) -> int:
    """Number of evaluation points of aligned series."""
    return len(next(iter(series.values())))
