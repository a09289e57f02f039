"""Training logs written one JSON object per line, as research and detection codebases write them.

- facebookresearch's training scripts (DeiT, MAE, DINO, ConvNeXt, DETR) append a line per epoch to
  ``log.txt``: ``{"train_loss": ..., "test_loss": ..., "test_acc1": ..., "epoch": 0}`` (0-based);
  DETR's ``test_coco_eval_bbox`` is COCOeval's twelve statistics, box AP first and AP50 second;
- Detectron2's ``metrics.json``: a line every 20 iterations (``iteration``, ``total_loss``, ``lr``) and
  the evaluator's results (``bbox/AP``...) at the evaluation period;
- MMCV / MMDetection 2.x ``<time>.log.json``: a first line of metadata, then lines whose ``mode`` is
  ``train`` or ``val``; a ``val`` line's loss and metrics are the validation's. In epoch-based runs a
  training line's ``iter`` counts the iterations of its (1-based) ``epoch`` and a ``val`` line comes
  after the epoch it names; in iteration-based runs ``iter`` is the run's iteration;
- MMEngine (OpenMMLab 2.x) ``vis_data/scalars.json``: every line has ``step``, ``time`` and
  ``data_time``; training lines have an ``lr`` (and an ``epoch`` in epoch-based runs; ``step`` and
  ``iter``, when logged, count the run's iterations), evaluation lines do not, and their ``step``
  counts the epochs completed in epoch-based runs, the iterations in iteration-based ones.

A last line cut short (a run stopped while writing) is left out with a note; any other line that is not
a JSON object is an error naming it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.series_names import normalise_series_name
from gapdoctor.io.files import load_json_text
from gapdoctor.io.log_formats import LoggedRaw, rows_to_points

__all__ = ["is_json_lines", "json_lines_points"]

_STEP_KEYS = ("step", "global_step", "iteration", "iter", "_step")  # _step: W&B's old wandb-history.jsonl
_EVAL_MODES = {"val", "eval", "valid", "validation"}
# COCOeval's statistics as DETR logs them: a list whose first entries are box AP and AP50.
_COCO_STATS_KEY = "coco_eval_bbox"
_COCO_STATS_NAMES = ("bbox_mAP", "bbox_mAP_50")
# Keys of a line that place it or describe the machine, never renamed as a validation series; all but the
# learning rate are no series at all.
_PLACING = {"mode", "epoch", "iter", "step", "lr", "time", "data_time", "memory"}
_NOT_SERIES = _PLACING - {"lr"}
# The start of a JSON object's line: a second line of JSON lines (blank lines before it skipped).
_OBJECT_LINE = re.compile(r"\s*\{")


def is_json_lines(text: str) -> bool:
    """Whether a text holds one JSON object per line (its first line is a whole object and more follow).

    Examples
    --------
    >>> is_json_lines('{"epoch": 0, "train_loss": 1.0}\\n{"epoch": 1, "train_loss": 0.5}\\n')
    True
    >>> is_json_lines('{\\n  "train_loss": [1.0, 0.5]\\n}\\n'), is_json_lines('{"train_loss": [1.0, 0.5]}\\n')
    (False, False)
    """
    start = len(text) - len(text.lstrip())  # the first line's start (blank lines before it skipped)
    end = text.find("\n", start)  # found without copying the text: a log can run to megabytes
    first = text[start:end].rstrip() if end >= 0 else ""
    if not first.endswith("}") or not _OBJECT_LINE.match(text, end + 1):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _records(text: str, path: Path, notes: list[str]) -> list[dict[str, Any]]:
    lines = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    records: list[dict[str, Any]] = []
    for k, (number, line) in enumerate(lines):
        try:
            value = load_json_text(line, path)
        except GapdoctorInputError:
            if k == len(lines) - 1 and k > 0:
                notes.append(f"line {number}, the last, was cut short (written as the run stopped): not read")
                break
            raise GapdoctorInputError(
                str(path),
                f"line {number} is not a JSON object, in a log of one JSON object per line",
                "pass the log as the trainer wrote it (two logs joined or an edited line break it)",
            ) from None
        if not isinstance(value, dict):
            raise GapdoctorInputError(
                str(path), f"line {number} holds a JSON {type(value).__name__}, not an object", "write one per line"
            )
        records.append(value)
    return records


def _numbers(record: dict[str, Any]) -> dict[str, float]:
    """A line's numeric values; COCOeval statistics lists give their box AP and AP50."""
    out: dict[str, float] = {}
    for key, value in record.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = float(value)
        elif str(key).endswith(_COCO_STATS_KEY) and isinstance(value, list) and len(value) >= len(_COCO_STATS_NAMES):
            prefix = str(key)[: -len(_COCO_STATS_KEY)]
            for name, stat in zip(_COCO_STATS_NAMES, value, strict=False):
                if isinstance(stat, (int, float)) and not isinstance(stat, bool):
                    out[prefix + name] = float(stat)
    return out


def _as_validation(row: dict[str, float]) -> dict[str, float]:
    """An evaluation line's values, its unprefixed loss and metrics named as the validation's."""
    out: dict[str, float] = {}
    for key, value in row.items():
        name = normalise_series_name(key)
        renamed = key not in _PLACING and name is not None and name.startswith("train_")
        out["val_" + key if renamed else key] = value
    return out


def _epochs_from_iterations(iters: Sequence[float], epochs: Sequence[float], global_iter: bool) -> list[float]:
    """Epochs completed at training lines logged at ``iters`` of their 1-based ``epochs``.

    The iterations per epoch are estimated from the lines (the last logged iteration of an epoch falls
    at most one logging interval before its end); each line stays inside its epoch.
    """
    pairs = [(i, e) for i, e in zip(iters, epochs, strict=True) if math.isfinite(i) and math.isfinite(e) and e >= 1]
    if not pairs:
        return [math.nan] * len(iters)
    per_epoch = max(i / e for i, e in pairs) if global_iter else max(i for i, _ in pairs)
    out = []
    for i, e in zip(iters, epochs, strict=True):
        if not (math.isfinite(i) and math.isfinite(e)):
            out.append(math.nan)
            continue
        done = i / per_epoch if global_iter else e - 1 + i / per_epoch
        out.append(min(max(done, e - 1), e))
    return out


def _mmcv_points(records: list[dict[str, Any]]) -> list[LoggedRaw]:
    rows = [(str(r.get("mode")), _numbers(r)) for r in records if r.get("mode") is not None]
    train = [row for mode, row in rows if mode == "train"]
    iters = [row.get("iter", math.nan) for row in train]
    epochs = [row.get("epoch", math.nan) for row in train]
    steps = list(itertools.pairwise(zip(epochs, iters, strict=True)))
    inner = not train or any(e1 > e0 and i1 <= i0 for (e0, i0), (e1, i1) in steps)  # iter restarts each epoch
    done = iter(_epochs_from_iterations(iters, epochs, global_iter=False) if inner else [math.nan] * len(train))
    out: list[LoggedRaw] = []
    last_iter = math.nan
    for mode, row in rows:
        if mode == "train":
            step, epoch = (math.nan, next(done)) if inner else (row.get("iter", math.nan), math.nan)
            last_iter = step
        elif mode in _EVAL_MODES:  # after the epoch it names, or after the iteration logged before it
            step, epoch = (math.nan, row.get("epoch", math.nan)) if inner else (last_iter, math.nan)
            row = _as_validation(row)
        else:
            continue
        out.extend((name, step, epoch, value) for name, value in row.items() if name not in _NOT_SERIES)
    return out


def _is_mmengine(records: list[dict[str, Any]]) -> bool:
    """Every line has MMEngine's ``step``, ``time`` and ``data_time``; training lines alone an ``lr``."""
    timed = all({"step", "time", "data_time"} <= set(r) for r in records)
    return timed and any("lr" in r for r in records) and any("lr" not in r for r in records)


def _mmengine_points(records: list[dict[str, Any]]) -> list[LoggedRaw]:
    rows = [_numbers(r) for r in records]
    train = [row for row in rows if "lr" in row]
    by_epoch = all("epoch" in row for row in train)  # a training line's step is its iteration, as its iter
    done = iter(
        _epochs_from_iterations(
            [r.get("iter", r["step"]) for r in train], [r["epoch"] for r in train], global_iter=True
        )
        if by_epoch
        else []
    )
    out: list[LoggedRaw] = []
    for row in rows:
        if "lr" in row:
            step, epoch = (math.nan, next(done)) if by_epoch else (row["step"], math.nan)
        else:  # an evaluation: its step counts epochs completed, or iterations
            step, epoch = (math.nan, row["step"]) if by_epoch else (row["step"], math.nan)
            row = _as_validation(row)
        out.extend((name, step, epoch, value) for name, value in row.items() if name not in _NOT_SERIES)
    return out


def json_lines_points(text: str, path: Path, notes: list[str]) -> list[LoggedRaw]:
    """Logged points of a JSON-lines training log (see the module docstring).

    Examples
    --------
    >>> text = '{"train_loss": 1.0, "test_acc1": 40.0, "epoch": 0}\\n{"train_loss": 0.5, "epoch": 1}\\n'
    >>> json_lines_points(text, Path("log.txt"), [])
    [('train_loss', nan, 1.0, 1.0), ('test_acc1', nan, 1.0, 40.0), ('train_loss', nan, 2.0, 0.5)]
    """
    records = _records(text, path, notes)
    if any(isinstance(r.get("mode"), str) for r in records):
        return _mmcv_points(records)
    if _is_mmengine(records):
        return _mmengine_points(records)
    rows = [row for row in (_numbers(r) for r in records) if row]
    keys = {k for row in rows for k in row}
    step_col = next((k for k in _STEP_KEYS if k in keys), None)
    if step_col is None or "epoch" in keys:
        return rows_to_points(rows, step_col, "epoch" if "epoch" in keys else None)
    # Detectron2: a line per logging period, placed by its iteration alone (a line is no epoch)
    return [(k, row.get(step_col, math.nan), math.nan, v) for row in rows for k, v in row.items() if k != step_col]
