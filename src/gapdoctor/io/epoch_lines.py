"""The line a hand-written training loop prints each epoch, read from its saved console output.

``print(f"Epoch {epoch}/{n}, Train Loss: {tl:.4f}, Val Loss: {vl:.4f}, Val Acc: {va:.2f}%")`` and its many
variants (``Epoch [3/20] | train_loss=0.41 | val_acc 0.83``, a train line and a validation line per epoch):
a line naming an epoch and at least two ``name: value`` / ``name = value`` pairs. Names are read as written,
lower-cased, spaces as underscores (``Val Acc`` -> ``val_acc``), so the usual series names apply; a value
with ``%`` is divided by 100. Lines that also name a step, batch or iteration are progress within an epoch
and are not read. Several lines of one epoch are merged; an epoch counter that goes back starts a new run;
a 0-based counter counts epochs completed from 1. Read only when no known writer's output was found, and
only runs of at least :data:`_MIN_EPOCHS` epochs with a validation value: a stray line is no run.
"""

from __future__ import annotations

import math
import re

from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["NUMBER", "epoch_line_runs"]

NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf)"
"""A printed number, as the regular expressions of console output match it (``0.41``, ``1.2e-05``, ``nan``)."""
_EPOCH = re.compile(r"\bepoch\b\s*[:=#]?\s*[\[(]?\s*(\d+)(?:\s*(?:/|of)\s*\d+)?\s*[\])]?", re.IGNORECASE)
_WITHIN_EPOCH = re.compile(r"\b(?:step|batch|iter|iteration|it)\b\s*[:=#]?\s*[\[(]?\s*\d+", re.IGNORECASE)
_WORD = r"[A-Za-z][\w.@/-]*"
_PAIR = re.compile(r"(" + _WORD + r"(?: " + _WORD + r"){0,2})\s*(?::|=)\s*(" + NUMBER + r")(%?)(?![\w.:/-])")
_NOT_SERIES = {"epoch", "step", "time", "eta", "elapsed", "took", "duration", "seconds", "s"}
_VALIDATION = re.compile(r"^(?:val|valid|validation|eval|dev|test)(?:_|$)")
_MIN_EPOCHS = 3


def _pairs(rest: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, number, percent in _PAIR.findall(rest):
        key = re.sub(r"[\s/.-]+", "_", name.strip().lower()).strip("_")
        if key and key not in _NOT_SERIES and not key.endswith("_time"):
            values[key] = float(number) / (100.0 if percent else 1.0)
    return values


def epoch_line_runs(updates: list[tuple[int, str]]) -> list[tuple[int, int, list[LoggedRaw]]]:
    """``(first line, last line, points)`` of each run a loop's per-epoch prints show.

    Examples
    --------
    >>> out = [(i, f"Epoch {i}/3, Train Loss: {1 / i:.2f}, Val Loss: {1.2 / i:.2f}, Val Acc: {50 + i}%")
    ...        for i in (1, 2, 3)]
    >>> [(name, epoch, value) for name, _, epoch, value in epoch_line_runs(out)[0][2][-3:]]
    [('train_loss', 3.0, 0.33), ('val_loss', 3.0, 0.4), ('val_acc', 3.0, 0.53)]
    """
    runs: list[tuple[int, int, dict[int, dict[str, float]]]] = []
    previous = -1
    for number, update in updates:
        found = _EPOCH.search(update)
        if found is None or _WITHIN_EPOCH.search(update):
            continue
        values = _pairs(update[: found.start()] + " " + update[found.end() :])
        if len(values) < 2:
            continue
        epoch = int(found.group(1))
        if not runs or epoch < previous:
            runs.append((number, number, {}))
        previous = epoch
        first, _, epochs = runs[-1]
        runs[-1] = (first, number, epochs)
        epochs.setdefault(epoch, {}).update(values)
    out = []
    for first, last, epochs in runs:
        names = {name for values in epochs.values() for name in values}
        if len(epochs) < _MIN_EPOCHS or not any(_VALIDATION.match(name) for name in names):
            continue
        shift = 1 if min(epochs) == 0 else 0  # a 0-based counter: epochs completed from 1
        points = [
            (name, math.nan, float(epoch + shift), value)
            for epoch, values in sorted(epochs.items())
            for name, value in values.items()
        ]
        out.append((first, last, points))
    return out
