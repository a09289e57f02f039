"""Turn each logger's output into per-epoch columns ``{raw series name: [value per epoch]}``.

Loggers record at different granularities; every reader here ends with one row per
epoch (in the order logged), the mean of what was logged during that epoch, NaN where
a series was not logged in an epoch:

- TensorBoard event files and MLflow runs hold ``(tag, step, value)`` points. When an
  ``epoch`` series is logged (Lightning's loggers do), it maps each step to its epoch.
  Otherwise, when validation series are logged at fewer steps than training ones (a
  training loss per batch, validation per epoch, both at the global step), each
  validation step closes an epoch; else each distinct step is one epoch
  (``writer.add_scalar(tag, value, epoch)``).
- CSV files with an ``epoch`` column (Lightning's and Keras' ``CSVLogger``) are
  grouped by that column; Lightning writes sparse rows (train and validation metrics
  on separate rows, per step and per epoch), merged here.
- ``trainer_state.json`` (HF Transformers): the ``log_history`` rows are grouped by
  the epoch they fall in (an ``epoch`` of 0.5 or 1.0 is the first epoch); the final
  summary row (``train_runtime``...) is skipped.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.history import normalise_series_name

__all__ = ["find_mlflow_run", "group_rows_by_epoch", "points_to_epochs", "read_mlflow_points", "trainer_state_rows"]

Columns = dict[str, list[float]]
_EPOCH = "epoch"


def group_rows_by_epoch(rows: Sequence[Mapping[str, float]], epochs: Sequence[int]) -> Columns:
    """Average rows that belong to the same epoch into one row per epoch.

    Parameters
    ----------
    rows : sequence of mapping
        Raw series name -> value (NaN or absent: not logged in that row).
    epochs : sequence of int
        The epoch of each row.

    Returns
    -------
    dict
        Raw name -> one value per distinct epoch, in increasing epoch order.

    Examples
    --------
    >>> group_rows_by_epoch([{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.9}, {"loss": 0.4}], [0, 0, 1])
    {'loss': [0.75, 0.4], 'val_loss': [0.9, nan]}
    """
    order = sorted(set(epochs))
    position = {epoch: i for i, epoch in enumerate(order)}
    sums: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for row, epoch in zip(rows, epochs, strict=True):
        i = position[epoch]
        for name, value in row.items():
            if name == _EPOCH or not math.isfinite(value):
                continue
            if name not in sums:
                sums[name], counts[name] = [0.0] * len(order), [0] * len(order)
            sums[name][i] += value
            counts[name][i] += 1
    return {name: [s / c if c else math.nan for s, c in zip(sums[name], counts[name], strict=True)] for name in sums}


def points_to_epochs(points: Iterable[tuple[str, int, float]]) -> Columns:
    """Per-epoch columns from ``(tag, step, value)`` points (TensorBoard, MLflow).

    Examples
    --------
    >>> points_to_epochs([("loss", 0, 1.0), ("val_loss", 0, 2.0), ("loss", 1, 0.5)])
    {'loss': [1.0, 0.5], 'val_loss': [2.0, nan]}
    >>> points_to_epochs([("epoch", 10, 0.0), ("loss", 10, 1.0), ("epoch", 20, 1.0), ("loss", 20, 0.5)])
    {'loss': [1.0, 0.5]}

    Training logged per batch, validation at the end of each epoch (global steps):

    >>> points_to_epochs([("loss", 1, 1.0), ("loss", 2, 0.8), ("val_loss", 2, 0.9), ("loss", 3, 0.6),
    ...                   ("loss", 4, 0.4), ("val_loss", 4, 0.7)])
    {'loss': [0.9, 0.5], 'val_loss': [0.9, 0.7]}
    """
    points = list(points)
    epoch_at = sorted({step: int(value) for tag, step, value in points if tag == _EPOCH}.items())
    rows: list[dict[str, float]] = []
    epochs: list[int] = []
    if epoch_at:
        steps = [step for step, _ in epoch_at]
        for tag, step, value in points:
            i = bisect_right(steps, step) - 1
            if tag != _EPOCH and i >= 0:
                rows.append({tag: value})
                epochs.append(epoch_at[i][1])
        return group_rows_by_epoch(rows, epochs)
    last: dict[tuple[str, int], float] = {}
    for tag, step, value in points:
        last[(tag, step)] = value  # a step logged twice keeps its last value
    boundaries = _validation_steps(last)
    for (tag, step), value in last.items():
        rows.append({tag: value})
        epochs.append(step if boundaries is None else bisect_left(boundaries, step))
    return group_rows_by_epoch(rows, epochs)


def _validation_steps(points: Mapping[tuple[str, int], float]) -> list[int] | None:
    """Steps that end an epoch when training is logged per batch and validation per epoch.

    Returns None when every series is logged at the same steps (then each step is an
    epoch), or when validation steps do not span the training steps (another scale).
    """
    all_steps = {step for _, step in points}
    val_steps = sorted({step for tag, step in points if (normalise_series_name(tag) or "").startswith("val_")})
    if not val_steps or len(val_steps) == len(all_steps) or val_steps[-1] < 0.5 * max(all_steps):
        return None
    return val_steps


def trainer_state_rows(state: Any, path: Path) -> Columns:
    """Per-epoch columns from a parsed HF ``trainer_state.json``."""
    log_history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(log_history, list):
        raise GapdoctorInputError(str(path), "has no 'log_history' list", "pass the trainer_state.json of a run")
    rows: list[dict[str, float]] = []
    epochs: list[int] = []
    for index, entry in enumerate(log_history):
        epoch = entry.get(_EPOCH) if isinstance(entry, dict) else None
        if not isinstance(epoch, (int, float)) or not math.isfinite(epoch):
            raise GapdoctorInputError(
                str(path),
                f"log_history[{index}] has no finite numeric 'epoch' ({index} entries were readable)",
                "pass an unmodified trainer_state.json",
            )
        if "train_runtime" in entry:  # the end-of-training summary, not an epoch
            continue
        epochs.append(max(0, math.ceil(float(entry[_EPOCH]) - 1e-6) - 1))
        rows.append({k: float(v) for k, v in entry.items() if isinstance(v, (int, float)) and k != "step"})
    if not rows:
        raise GapdoctorInputError(str(path), "has an empty log_history", "let the Trainer log at least one epoch")
    return group_rows_by_epoch(rows, epochs)


def find_mlflow_run(path: Path) -> Path | None:
    """The MLflow run directory at or below ``path`` (one run only), or None."""
    if (path / "metrics").is_dir():
        return path
    if path.name == "metrics" and (path.parent / "meta.yaml").is_file():
        return path.parent
    candidates = [*path.glob("*/metrics"), *path.glob("*/*/metrics")]  # an experiment, or mlruns/
    runs = sorted(p.parent for p in candidates if p.is_dir() and (p.parent / "meta.yaml").is_file())
    if len(runs) > 1:
        listed = ", ".join(str(r.relative_to(path)) for r in runs[:10])
        raise GapdoctorInputError(
            str(path), f"holds {len(runs)} MLflow runs ({listed})", "point at one run: mlruns/<experiment>/<run id>"
        )
    return runs[0] if runs else None


def read_mlflow_points(run: Path) -> list[tuple[str, int, float]]:
    """``(metric, step, value)`` points of an MLflow file-store run.

    Each ``metrics/<name>`` file (``/`` in a name makes sub-directories) holds lines
    ``"<timestamp ms> <value> <step>"``, each ending in a newline.
    """
    points: list[tuple[str, int, float]] = []
    metrics_dir = run / "metrics"
    for file in sorted(p for p in metrics_dir.rglob("*") if p.is_file()):
        name = file.relative_to(metrics_dir).as_posix()
        text = file.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        for line_no, line in enumerate(lines, start=1):
            fields = line.split()
            complete = line_no < len(lines) or text.endswith("\n")
            try:
                if len(fields) not in (2, 3) or not complete:
                    raise ValueError
                value = float(fields[1])
                step = int(fields[2]) if len(fields) == 3 else 0
            except ValueError:
                raise GapdoctorInputError(
                    str(file),
                    f"line {line_no} is not '<timestamp> <value> <step>' ({line_no - 1} lines were readable)",
                    "the run was probably killed mid-write: delete the broken last line",
                ) from None
            points.append((name, step, value))
    if not points:
        raise GapdoctorInputError(str(run), "is an MLflow run with no metric values", "log metrics with a step")
    return points
