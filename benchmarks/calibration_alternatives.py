"""The calibrations tried before the shipped one, on the same diagnose lines: held out and sides swapped.

Usage (from the repository root)::

    python benchmarks/calibration_alternatives.py LINES.jsonl

Each alternative is fitted on the calibration side of a split and applied to the other side's
findings (score = map(cause, strength)); the rows give top-1, top-3, healthy alarms and ECE before
-> after, as ``evaluate`` counts them. Only the shipped one (one increasing map, 0.5 kept at 0.5:
:func:`gapdoctor.bench.corpus.calibration.fit_score_map`) keeps every headline by construction.
The others answer issue 13's questions: does a per-cause map (free, pooled towards one map, or
with 0.5 fixed) or a fit target of "right as a headline" (injected, or an observed symptom no
injected cause explains) do better? Prints Markdown.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from gapdoctor.bench.corpus import calibration as cal
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT, FAMILY_AXES, split_by_family
from gapdoctor.causes.vocabulary import explained_by

Point = tuple[str, float, bool]
Scorer = Callable[[str, float], float]

POOLING = 50
"""Findings at which a cause's own map and the one map weigh the same (weight n / (n + POOLING))."""


def _logit(s: float) -> float:
    s = min(max(s, 1e-4), 1 - 1e-4)
    return math.log(s / (1 - s))


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z > -700 else 0.0


def _points(lines: list[dict[str, Any]], headline: bool) -> list[Point]:
    out = []
    for line in lines:
        injected = set(line["causes"])
        for f in line["findings"]:
            right = cal.is_right(f, injected)
            if headline:  # right as a headline: injected, or a real symptom no injected cause explains
                right = f["cause"] in injected or (right and not set(explained_by(f["cause"])) & injected)
            out.append((f["cause"], cal.strength_of(f), right))
    return out


def _platt(points: list[Point], per_cause: bool, fixed: bool) -> Scorer:
    """logit(score) = a + b logit(s) (fixed: a = 0 and one slope each side of 0.5), per cause or for all."""
    groups = {p[0] for p in points} if per_cause else {"*"}
    maps: dict[str, tuple[float, float, float]] = {}
    for group in groups:
        mine = [p for p in points if group in ("*", p[0])]
        y = np.array([p[2] for p in mine], dtype=int)
        if len(y) < 20 or min(y.sum(), len(y) - y.sum()) < 5:
            continue  # too few to fit: kept as measured
        z = np.array([_logit(p[1]) for p in mine])
        x = np.c_[np.minimum(z, 0), np.maximum(z, 0)] if fixed else z[:, None]
        model = LogisticRegression(C=1.0, fit_intercept=not fixed).fit(x, y)
        coef = model.coef_[0]
        maps[group] = (float(model.intercept_[0]) if not fixed else 0.0, float(coef[0]), float(coef[-1]))

    def score(cause: str, s: float) -> float:
        fit = maps.get(cause if per_cause else "*")
        if fit is None or min(fit[1:]) <= 0:
            return s
        z = _logit(s)
        return _sigmoid(fit[0] + (fit[1] if z < 0 else fit[2]) * z)

    return score


def _monotone(points: list[Point], pooling: float | None) -> Scorer:
    """The shipped map for all causes; with ``pooling``, per cause, shrunk towards it."""
    one = cal.fit_score_map([p[1] for p in points], [p[2] for p in points])
    if pooling is None:
        return lambda cause, s: one(s)
    own: dict[str, tuple[float, Callable[[float], float]]] = {}
    for cause in {p[0] for p in points}:
        mine = [p for p in points if p[0] == cause]
        own[cause] = (len(mine) / (len(mine) + pooling), cal.fit_score_map([p[1] for p in mine], [p[2] for p in mine]))

    def score(cause: str, s: float) -> float:
        weight, mine = own.get(cause, (0.0, one))
        return weight * mine(s) + (1 - weight) * one(s)

    return score


ALTERNATIVES: dict[str, Callable[[list[Point]], Scorer]] = {
    "per-cause Platt (last session's trial)": lambda p: _platt(p, per_cause=True, fixed=False),
    "one Platt map, free intercept": lambda p: _platt(p, per_cause=False, fixed=False),
    "one Platt map, 0.5 fixed, a slope each side": lambda p: _platt(p, per_cause=False, fixed=True),
    "per-cause Platt, 0.5 fixed, a slope each side": lambda p: _platt(p, per_cause=True, fixed=True),
    f"per-cause monotone, pooled (n / (n + {POOLING}))": lambda p: _monotone(p, POOLING),
    "**one monotone map, 0.5 fixed (shipped)**": lambda p: _monotone(p, None),
}


def _rescored(lines: list[dict[str, Any]], score: Scorer) -> list[dict[str, Any]]:
    out = copy.deepcopy(lines)
    for line in out:
        for f in line["findings"]:
            f["score"] = score(f["cause"], cal.strength_of(f))
            f.pop("evidence", None)
    return out


def main(argv: list[str]) -> int:
    rows = cal.read_lines(argv[0])
    others = {"dataset": tuple(d for d in FAMILY_AXES["dataset"] or () if d not in DEFAULT_HELD_OUT["dataset"])}
    print("| calibration | fit target | held out: top-1, top-3, alarms, ECE | swapped: top-1, top-3, alarms, ECE |")
    print("|---|---|---|---|")
    for headline in (False, True):
        for name, fit in ALTERNATIVES.items():
            cells = []
            for held in (DEFAULT_HELD_OUT, others):
                split = split_by_family(rows, held)
                b = cal.evaluate(split.report, None)
                a = cal.evaluate(_rescored(split.report, fit(_points(split.calibrate, headline))), None)
                cells.append(
                    f"{100 * b.top1:.1f} → {100 * a.top1:.1f}%, {100 * b.top3:.1f} → {100 * a.top3:.1f}%, "
                    f"{b.false_alarms} → {a.false_alarms}, {b.ece:.3f} → {a.ece:.3f}"
                )
            target = "right as a headline" if headline else "right as a finding"
            print(f"| {name} | {target} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
