"""The lines a hand-written loop prints when it evaluates every N steps, read from its saved console output.

nanoGPT's ``step 2000: train loss 1.2345, val loss 1.4567`` beside its ``iter 2010: loss 1.2101, time 35.2ms``,
ABINet's ``epoch 0 iter 1000: eval loss = 3.9687,  ccr = 0.0451`` beside ``epoch 0 iter 1050: loss = 3.8,  smooth
loss = 3.9``, and their many variants: a line naming a step (``step``, ``iter``, ``iteration``, ``global step``)
with a held-out split's value (``val loss``, ``eval loss``, ``test acc``) is an evaluation at that step; its other
values are read with it. The training loss comes from the evaluation lines when they print one (nanoGPT estimates
both splits there: the per-iteration lines are then left out, one batch's loss each), else from the lines naming a
step without a held-out value, at their own steps. Values are named as in :mod:`gapdoctor.io.epoch_lines`. A
step counter that goes back starts a new run. Read only when neither a known writer's output nor a loop's
per-epoch lines were found, and only runs of at least :data:`_MIN_EVALUATIONS` evaluations.
"""

from __future__ import annotations

import math
import re

from gapdoctor.inputs.series_names import normalise_series_name
from gapdoctor.io.epoch_lines import PROGRESS_BAR, VALIDATION_NAME, line_values
from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["step_line_runs"]

_STEP = re.compile(  # ``step 2000:``, ``iter 1000``, ``Iteration [3000/50000]``, ``global_step=500``
    r"(?<![/\w])(?:step|iter|iteration|global[ _]step)\b\s*[:=#]?\s*[\[(]?\s*(\d+)(?:\s*/\s*\d+)?\s*[\])]?",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"\bepoch\b\s*[:=#]?\s*[\[(]?\s*\d+(?:\s*/\s*\d+)?\s*[\])]?", re.IGNORECASE)
_TRAINING_NAME = re.compile(r"^(?:train|training|trn)(?:_|$)")
_MIN_EVALUATIONS = 3


def _held_out_line(values: dict[str, float]) -> dict[str, float]:
    """An evaluation line that names no training value prints the held-out split's values: ``eval loss = 0.93,  acc =
    0.51`` is ``eval_loss`` and ``eval_acc`` (a name with no split would be read as training's).

    Examples
    --------
    >>> _held_out_line({"eval_loss": 0.93, "acc": 0.51, "lr": 0.001})
    {'eval_loss': 0.93, 'eval_acc': 0.51, 'lr': 0.001}
    >>> _held_out_line({"train_loss": 0.4, "val_loss": 0.9, "acc": 0.5})  # both splits named: left as printed
    {'train_loss': 0.4, 'val_loss': 0.9, 'acc': 0.5}
    >>> _held_out_line({"val_loss": 0.65, "loss": 0.58})  # a name beside its held-out twin is training's (Keras')
    {'val_loss': 0.65, 'loss': 0.58}
    """
    held = [name for name in values if VALIDATION_NAME.match(name)]
    split = held[0].split("_", 1)[0] if held else ""
    if not held or any(_TRAINING_NAME.match(name) or f"{split}_{name}" in values for name in values):
        return values
    named = [normalise_series_name(name) or "" for name in values]
    return {
        f"{split}_{raw}" if not VALIDATION_NAME.match(raw) and name.startswith("train_") else raw: value
        for (raw, value), name in zip(values.items(), named, strict=True)
    }


def _runs(updates: list[tuple[int, str]]) -> list[list[tuple[int, int, dict[str, float]]]]:
    """``(line, step, values)`` of the lines naming a step, split where the step goes back."""
    runs: list[list[tuple[int, int, dict[str, float]]]] = []
    previous = -1
    for number, update in updates:
        found = _STEP.search(update)
        if found is None or PROGRESS_BAR.search(update):
            continue
        values = line_values(_EPOCH.sub(" ", update[: found.start()] + " " + update[found.end() :]))
        if not values:
            continue
        values = _held_out_line(values)
        step = int(found.group(1))
        if not runs or step < previous:
            runs.append([])
        previous = step
        runs[-1].append((number, step, values))
    return runs


def _points(lines: list[tuple[int, int, dict[str, float]]]) -> tuple[list[LoggedRaw], list[str]]:
    """The run's points: its evaluation lines, and its training lines unless those print the training loss."""
    evaluations = [line for line in lines if any(VALIDATION_NAME.match(name) for name in line[2])]
    trained_there = any(normalise_series_name(name) == "train_loss" for _, _, values in evaluations for name in values)
    read = evaluations if trained_there else lines
    points = [(name, float(step), math.nan, value) for _, step, values in read for name, value in values.items()]
    notes = [
        f"a loop's prints read by their steps: {len(evaluations)} evaluation lines"
        + (
            ", which print the training loss too (the lines of single steps between them are not read)"
            if trained_there
            else ", the training loss from the lines between them"
            if len(lines) > len(evaluations)
            else ", with no training loss printed on them and no line between them"
        )
    ]
    return points, notes


def step_line_runs(updates: list[tuple[int, str]]) -> list[tuple[int, int, list[LoggedRaw], list[str]]]:
    """``(first line, last line, points, notes)`` of each run a loop's step-level prints show.

    Examples
    --------
    >>> out = [(0, "step 0: train loss 4.20, val loss 4.21"), (1, "iter 0: loss 4.19, time 50.1ms"),
    ...        (2, "iter 10: loss 3.90, time 30.2ms"), (3, "step 250: train loss 2.00, val loss 2.10"),
    ...        (4, "step 500: train loss 1.50, val loss 1.70")]
    >>> first, last, points, notes = step_line_runs(out)[0]
    >>> (first, last), points[-2:]
    ((0, 4), [('train_loss', 500.0, nan, 1.5), ('val_loss', 500.0, nan, 1.7)])
    """
    out = []
    for lines in _runs(updates):
        evaluated = {step for _, step, values in lines if any(VALIDATION_NAME.match(name) for name in values)}
        if len(evaluated) < _MIN_EVALUATIONS:
            continue
        points, notes = _points(lines)
        out.append((lines[0][0], lines[-1][0], points, notes))
    return out
