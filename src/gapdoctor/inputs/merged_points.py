"""Several logged series merged into one, position by position (a detector's terms summed, param groups' rates)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping

__all__ = ["merged_at_positions"]

_Point = tuple[str, float, float, float]


def merged_at_positions(
    points: list[_Point], group_of: Mapping[str, str], merge: Callable[[list[float]], float]
) -> list[_Point]:
    """Points with each group's series replaced by one series named after the group, other points as logged.

    A merged point is made at each position where every member of the group logged a value (the k-th value
    logged at one step and epoch, so appended runs stay apart), placed where its last member was logged; a
    member missing there leaves no point.

    Examples
    --------
    >>> pts = [("a", 1.0, 1.0, 0.5), ("b", 1.0, 1.0, 0.25), ("c", 1.0, 1.0, 9.0), ("a", 2.0, 2.0, 0.4)]
    >>> merged_at_positions(pts, {"a": "a+b", "b": "a+b"}, sum)
    [('a+b', 1.0, 1.0, 0.75), ('c', 1.0, 1.0, 9.0)]
    """
    size = Counter(group_of.values())
    seen: Counter[tuple[str, float | None, float | None]] = Counter()
    pending: dict[tuple[str, float | None, float | None, int], list[float]] = {}
    out: list[_Point] = []
    for raw, step, epoch, value in points:
        group = group_of.get(raw)
        if group is None:
            out.append((raw, step, epoch, value))
            continue
        position = (raw, None if math.isnan(step) else step, None if math.isnan(epoch) else epoch)
        key = (group, position[1], position[2], seen[position])
        seen[position] += 1
        pending.setdefault(key, []).append(value)
        if len(pending[key]) == size[group]:
            out.append((group, step, epoch, merge(pending.pop(key))))
    return out
