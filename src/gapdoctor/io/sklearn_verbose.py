"""scikit-learn's neural networks printing their progress: ``MLPClassifier`` / ``MLPRegressor(verbose=True)``.

Each iteration (an epoch over the training rows) prints ``Iteration 3, loss = 2.13033537``; with
``early_stopping=True`` it then prints ``Validation score: 0.372222``, the model's ``score`` on the held-out
``validation_fraction`` of the rows: accuracy for a classifier, R² for a regressor. The text does not say which:
a score that is a share of one row count at every iteration (within the six decimals printed) is read as the
accuracy, one below 0 as R², and any other is left as the validation ``score`` gapdoctor does not know, said (pass
``metric=`` to read it). Several ``fit`` calls in one output restart the counter: each is a run.
"""

from __future__ import annotations

import math
import re

from gapdoctor.io.epoch_lines import NUMBER
from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["SKLEARN_WRITER", "sklearn_verbose_runs"]

SKLEARN_WRITER = "scikit-learn's MLP (verbose)"
"""A console run read from scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` verbose output."""
_ITERATION = re.compile(r"^\s*Iteration (\d+), loss = (" + NUMBER + r")\s*$")
_SCORE = re.compile(r"^\s*Validation score: (" + NUMBER + r")\s*$")
_MAX_ROWS = 20_000  # the largest validation split a score's granularity is searched over
_PRINTED = 5e-7  # half the last printed decimal (``%f``: six)


def _rows_counted(scores: list[float]) -> int | None:
    """The smallest row count ``n`` of which every score is a share (``k / n`` within the printed rounding), or None.

    Examples
    --------
    >>> _rows_counted([28 / 180, 46 / 180, 67 / 180, 101 / 180])
    180
    >>> _rows_counted([0.8123457, 0.8311111, 0.8472903, 0.8519348]) is None  # R² values: no common count
    True
    """
    finite = [round(s, 6) for s in scores if math.isfinite(s)]
    if len(set(finite)) < 3 or not all(0.0 <= s <= 1.0 for s in finite):
        return None
    for n in range(2, _MAX_ROWS + 1):
        if all(abs(s * n - round(s * n)) <= _PRINTED * n + 1e-9 for s in finite):
            return n
    return None


def _score_name(scores: list[float]) -> tuple[str, str]:
    """The name to read the validation scores under, and what the note says about it."""
    rows = _rows_counted(scores)
    if rows is not None:
        return "val_accuracy", f"read as the accuracy: every score is a share of {rows} rows (a classifier's score)"
    if any(s < 0 for s in scores if math.isfinite(s)):
        return "val_r2", "read as R²: a score below 0 is no accuracy (a regressor's score)"
    return "val_score", "left unread: neither a share of one row count nor below 0 (pass metric= to read it)"


def sklearn_verbose_runs(updates: list[tuple[int, str]]) -> list[tuple[int, int, list[LoggedRaw], list[str]]]:
    """``(first line, last line, points, notes)`` of each ``fit`` scikit-learn's MLP printed verbosely.

    Examples
    --------
    >>> out = ["Iteration 1, loss = 2.37", "Validation score: 0.155556", "Iteration 2, loss = 2.24",
    ...        "Validation score: 0.255556", "Iteration 3, loss = 2.13", "Validation score: 0.372222"]
    >>> first, last, points, notes = sklearn_verbose_runs(list(enumerate(out, start=1)))[0]
    >>> points[-1], notes
    (('val_accuracy', nan, 3.0, 0.372222), ["Validation score: read as the accuracy: every score is a share of 180 \
rows (a classifier's score)"])
    """
    runs: list[tuple[int, int, list[tuple[str, float, float]]]] = []
    iteration = 0
    for number, line in updates:
        if (found := _ITERATION.match(line)) is not None:
            previous, iteration = iteration, int(found.group(1))
            if not runs or iteration <= previous:
                runs.append((number, number, []))
            first, _, values = runs[-1]
            values.append(("train_loss", float(iteration), float(found.group(2))))
            runs[-1] = (first, number, values)
        elif (scored := _SCORE.match(line)) is not None and runs and iteration:
            first, _, values = runs[-1]
            values.append(("score", float(iteration), float(scored.group(1))))
            runs[-1] = (first, number, values)
    out: list[tuple[int, int, list[LoggedRaw], list[str]]] = []
    for first, last, values in runs:
        scores = [v for name, _, v in values if name == "score"]
        name, said = _score_name(scores) if scores else ("val_score", "")
        points = [(name if kind == "score" else kind, math.nan, epoch, v) for kind, epoch, v in values]
        out.append((first, last, points, [f"Validation score: {said}"] if scores else []))
    return out
