"""Turn each logger's output into logged points ``(raw name, step, epoch, value)``.

Every reader keeps what the writer recorded, where it recorded it; aligning the series
on evaluation points is :mod:`gapdoctor.inputs.history_axis`'s job. ``epoch`` is the number of
epochs completed (NaN when the writer did not say):

- TensorBoard event files and MLflow runs hold ``(tag, step, value)`` points; an
  ``epoch`` tag (Lightning's loggers, HF's ``train/epoch``) gives each step its epoch;
- ``trainer_state.json`` (HF Transformers, every version's schema): each
  ``log_history`` entry has a ``step`` and a fractional ``epoch``; the end-of-training
  summary (``train_runtime``...) is skipped; ``eval_*`` rows may come every N steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.history_axis import epoch_completed

__all__ = [
    "NOTHING_LOGGED_YET",
    "LoggedRaw",
    "find_mlflow_run",
    "points_with_epochs",
    "read_mlflow_points",
    "trainer_state_points",
]

LoggedRaw = tuple[str, float, float, float]
"""(raw series name, step, epochs completed, value); NaN where not known."""

NOTHING_LOGGED_YET = "the log_history is empty: the run logged nothing yet"
_EPOCH_TAGS = {"epoch", "train_epoch", "train/epoch", "trainer/epoch", "epochs", "epoch/epoch"}  # W&B's Keras logger
_SUMMARY_KEYS = {"train_runtime", "train_samples_per_second", "total_flos"}


def _is_epoch_tag(tag: str) -> bool:
    return tag.strip().lower() in _EPOCH_TAGS


def _without_summary(points: list[tuple[str, int, float]]) -> list[tuple[str, int, float]]:
    """Points less HF Trainer's end-of-training ``train_loss`` (the run's mean loss, logged beside ``train_runtime``).

    Its TensorBoard and MLflow callbacks log the summary at the last step (``train/train_loss``,
    ``train_loss``): not a point of the training curve, so a run whose ``logging_steps`` outlasted it
    has no training loss, as its ``trainer_state.json`` says.

    Examples
    --------
    >>> _without_summary([("eval_loss", 9, 0.7), ("train_loss", 9, 0.5), ("train_runtime", 9, 3.2)])
    [('eval_loss', 9, 0.7), ('train_runtime', 9, 3.2)]
    >>> every_epoch = [(name, s, 1.0) for s in (1, 2) for name in ("train_loss", "train_runtime")]
    >>> len(_without_summary(every_epoch))
    4
    """
    summary_steps = [step for tag, step, _ in points if tag.rpartition("/")[2] == "train_runtime"]
    if len(summary_steps) != 1:  # once, at the end: a loop logging its runtime every epoch logs no summary
        return points
    return [p for p in points if not (p[0].rpartition("/")[2] == "train_loss" and p[1] == summary_steps[0])]


def points_with_epochs(points: Iterable[tuple[str, int, float]]) -> list[LoggedRaw]:
    """Logged points from ``(tag, step, value)`` (TensorBoard, MLflow), epochs from an epoch tag.

    Examples
    --------
    >>> points_with_epochs([("epoch", 10, 0.0), ("loss", 10, 1.0), ("epoch", 20, 1.0), ("loss", 20, 0.5)])
    [('loss', 10.0, 1.0, 1.0), ('loss', 20.0, 2.0, 0.5)]
    """
    points = _without_summary(list(points))
    marks = sorted((float(step), float(value)) for tag, step, value in points if _is_epoch_tag(tag))
    epoch_of = None
    if marks:
        epochs = epoch_completed(np.array([e for _, e in marks]))
        steps = np.array([s for s, _ in marks])
        epoch_of = (steps, np.maximum.accumulate(epochs))
    out: list[LoggedRaw] = []
    for tag, step, value in points:
        if _is_epoch_tag(tag):
            continue
        epoch = math.nan if epoch_of is None else float(np.interp(float(step), *epoch_of))
        out.append((tag, float(step), epoch, float(value)))
    return out


def trainer_state_points(state: Any, path: Path, notes: list[str] | None = None) -> list[LoggedRaw]:
    """Logged points of a parsed HF ``trainer_state.json``."""
    log_history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(log_history, list):
        raise GapdoctorInputError(str(path), "has no 'log_history' list", "pass the trainer_state.json of a run")
    out: list[LoggedRaw] = []
    placed = unplaced = 0
    for entry in log_history:
        if not isinstance(entry, dict) or _SUMMARY_KEYS & set(entry):  # the end-of-training summary
            continue
        step, epoch = _number(entry.get("step")), _number(entry.get("epoch"))
        if not (math.isfinite(step) or math.isfinite(epoch)):
            unplaced += 1
            continue
        placed += 1
        for key, value in entry.items():
            if key not in ("step", "epoch") and isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append((key, step, epoch, float(value)))
    if unplaced and notes is not None:
        notes.append(f"{unplaced} log_history entries with neither a step nor an epoch were not used")
    if not log_history:  # written before the first log (a run stopped early): nothing to read yet, not an error
        if notes is not None:
            notes.append(NOTHING_LOGGED_YET)
        return out
    if not placed:
        raise GapdoctorInputError(
            str(path),
            f"has no log_history entry with a step or an epoch ({len(log_history)} entries)",
            "let the Trainer log at least one step or evaluation; pass an unmodified trainer_state.json",
        )
    return out


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
        return float(value)
    return math.nan


def rows_to_points(rows: Sequence[dict[str, float]], step_col: str | None, epoch_col: str | None) -> list[LoggedRaw]:
    """Logged points of table rows (CSV), positioned by their step / epoch columns.

    Without either column each row is an epoch. A 0-based integer epoch column
    (Keras, Lightning) counts epochs completed from 1.

    Examples
    --------
    >>> rows_to_points([{"epoch": 0.0, "loss": 1.0}, {"epoch": 1.0, "loss": 0.5}], None, "epoch")
    [('loss', nan, 1.0, 1.0), ('loss', nan, 2.0, 0.5)]
    """
    epochs = np.array([rows[i].get(epoch_col, math.nan) if epoch_col else i + 1.0 for i in range(len(rows))])
    if epoch_col:
        epochs = epoch_completed(epochs)
    out: list[LoggedRaw] = []
    for i, row in enumerate(rows):
        step = row.get(step_col, math.nan) if step_col else math.nan
        for name, value in row.items():
            if name not in (step_col, epoch_col):
                out.append((name, step, float(epochs[i]), value))
    return out


def find_mlflow_run(path: Path) -> Path | None:
    """The MLflow run directory at or below ``path`` (one run only), or None."""
    if (path / "metrics").is_dir():
        return path
    if path.name == "metrics" and (path.parent / "meta.yaml").is_file():
        return path.parent
    # an experiment, mlruns/, or a project folder holding mlruns/ (how a repository commits it)
    candidates = [*path.glob("*/metrics"), *path.glob("*/*/metrics"), *path.glob("mlruns/*/*/metrics")]
    found = sorted(
        p.parent
        for p in candidates
        if p.is_dir()
        and (p.parent / "meta.yaml").is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)  # mlruns/.trash: deleted runs
    )
    runs = [run for run in found if _live_run(run / "meta.yaml")]
    if found and not runs:  # mlflow.delete_run keeps a run in place, marked deleted: say so, not "no log"
        listed = ", ".join(str(r.relative_to(path)) for r in found[:10])
        raise GapdoctorInputError(
            str(path),
            f"holds only MLflow runs marked deleted (lifecycle_stage: deleted in their meta.yaml: {listed})",
            "restore the run (mlflow.tracking.MlflowClient().restore_run), or point at its own folder "
            "(mlruns/<experiment>/<run id>) to read it anyway",
        )
    if len(runs) > 1:
        listed = ", ".join(str(r.relative_to(path)) for r in runs[:10])
        raise GapdoctorInputError(
            str(path), f"holds {len(runs)} MLflow runs ({listed})", "point at one run: mlruns/<experiment>/<run id>"
        )
    return runs[0] if runs else None


def _live_run(meta: Path) -> bool:
    """A run's ``meta.yaml`` does not mark it deleted (``mlflow.delete_run`` keeps it in place)."""
    lines = meta.read_text(encoding="utf-8", errors="replace").splitlines()
    return not any(line.split(":", 1)[0].strip() == "lifecycle_stage" and "deleted" in line for line in lines)


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
