"""Put an MLflow run's values on steps when some were logged without one.

``mlflow.log_metric(key, value)`` with no ``step`` writes step 0, so real runs hold metrics whose
every value sits at step 0 (a loop that never passed ``step=``), beside metrics logged with the
epoch as their step, and summaries logged at step 0 after the last epoch (``log_metric("val_loss",
best)`` once the loop ends). Read as logged, the first collapses 100 evaluations onto one and the
second looks like a second run starting again at step 0. Both the file store
(:func:`gapdoctor.io.log_formats.read_mlflow_points`) and the SQLite store
(:func:`gapdoctor.io.mlflow_database.read_mlflow_database`) give the points in the order logged;
:func:`placed_on_steps` places them.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["placed_on_steps"]

Point = tuple[str, int, float]


def _without_summaries(points: list[Point], notes: list[str]) -> list[Point]:
    """Drop the values a metric logged at step 0 after its last value at a later step.

    Examples
    --------
    >>> notes: list[str] = []
    >>> _without_summaries([("val_loss", 0, 0.9), ("val_loss", 1, 0.5), ("val_loss", 0, 0.5)], notes)
    [('val_loss', 0, 0.9), ('val_loss', 1, 0.5)]
    >>> _without_summaries([("val_loss", 0, 0.9), ("val_loss", 0, 0.5)], notes)  # never stepped: kept
    [('val_loss', 0, 0.9), ('val_loss', 0, 0.5)]
    """
    last_stepped: dict[str, int] = {}
    for index, (name, step, _) in enumerate(points):
        if step > 0:
            last_stepped[name] = index
    dropped: Counter[str] = Counter()
    kept = []
    for index, point in enumerate(points):
        name, step, _ = point
        if step == 0 and name in last_stepped and index > last_stepped[name]:
            dropped[name] += 1
            continue
        kept.append(point)
    if dropped:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(dropped.items()))
        notes.append(
            f"values logged at step 0 after the run had reached later steps were read as summaries logged "
            f"without a step, not as points: {listed}"
        )
    return kept


def _stepless(points: list[Point]) -> tuple[Counter[str], dict[str, list[int]]]:
    """How many values each metric logged at its one step, and each stepped metric's steps in order."""
    steps: dict[str, list[int]] = {}
    for name, step, _ in points:
        steps.setdefault(name, []).append(step)
    stepless = Counter({name: len(s) for name, s in steps.items() if len(s) >= 2 and len(set(s)) == 1})
    stepped = {name: list(dict.fromkeys(s)) for name, s in steps.items() if len(set(s)) > 1}
    return stepless, stepped


def placed_on_steps(points: list[Point], notes: list[str]) -> list[Point]:
    """An MLflow run's ``(metric, step, value)`` points with every value on a step of its own.

    Summaries logged at step 0 after a metric's later steps are dropped (noted). A metric whose
    every value was logged at one step (no step given) is placed: on the steps the run's other
    metrics were logged at, when as many of them as its values (in the order logged); one point per
    value when every metric was logged so, as many times; otherwise left, and noted, since its values
    cannot be paired with the others without steps.

    Examples
    --------
    >>> notes: list[str] = []
    >>> placed_on_steps([("loss", 0, 0.9), ("loss", 0, 0.5), ("val_loss", 0, 0.8), ("val_loss", 0, 0.6)], notes)
    [('loss', 0, 0.9), ('loss', 1, 0.5), ('val_loss', 0, 0.8), ('val_loss', 1, 0.6)]
    >>> placed_on_steps([("val_loss", 0, 0.8), ("acc", 1, 0.5), ("val_loss", 0, 0.6), ("acc", 2, 0.7)], notes)
    [('val_loss', 1, 0.8), ('acc', 1, 0.5), ('val_loss', 2, 0.6), ('acc', 2, 0.7)]
    >>> placed_on_steps([("loss", 0, 0.9), ("loss", 0, 0.5), ("val_loss", 0, 0.8)], notes)  # 2 and 1: left
    [('loss', 0, 0.9), ('loss', 0, 0.5), ('val_loss', 0, 0.8)]
    """
    points = _without_summaries(points, notes)
    stepless, stepped = _stepless(points)
    if not stepless:
        return points
    counts = Counter(name for name, _, _ in points)
    if not stepped and len(set(counts.values())) == 1:
        notes.append(
            f"every value of the {len(counts)} metric(s) was logged at one step ({max(counts.values())} values "
            "each, no step given): read in the order logged, one point per value"
        )
        return _on_steps(points, {name: list(range(n)) for name, n in stepless.items()})
    sequences = Counter(tuple(steps) for steps in stepped.values())
    placed = {}
    for name, n in stepless.items():
        matching = [steps for steps, _ in sequences.most_common() if len(steps) == n]
        if matching:
            placed[name] = list(matching[0])
    left = sorted(set(stepless) - set(placed))
    if placed:
        notes.append(
            "logged without a step (every value at one step), placed in the order "
            f"logged on the steps the run's other metrics were logged at, as many: {', '.join(sorted(placed))}"
        )
    if left:
        notes.append(
            f"logged without a step (every value at one step) and not as many times as the steps any other metric "
            f"was logged at, so not placed: {', '.join(left)}; log them with step=epoch to read them as a curve"
        )
    return _on_steps(points, placed)


def _on_steps(points: list[Point], placed: dict[str, list[int]]) -> list[Point]:
    position: Counter[str] = Counter()
    out = []
    for name, step, value in points:
        if name in placed:
            step = placed[name][position[name]]
            position[name] += 1
        out.append((name, step, value))
    return out
