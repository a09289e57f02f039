"""The learning rate of a run that logs one per optimiser param group: the median of the groups' rates.

Ultralytics logs ``lr/pg0``, ``lr/pg1``, ``lr/pg2``; Lightning's ``LearningRateMonitor`` ``lr-AdamW/pg1``,
``lr-AdamW/pg2``. Read as the first group's alone, a run's schedule can be the biases' warmup: Ultralytics
starts its bias group at ``warmup_bias_lr`` (0.1) and lowers it to ``lr0`` over the warmup epochs while the
weights' groups rise from 0, and the schedule check then read the warmup's end as a learning-rate cut. The
median over the groups at each logged position follows the schedule most groups follow.
"""

from __future__ import annotations

import re
import statistics

from gapdoctor.inputs.merged_points import merged_at_positions
from gapdoctor.inputs.series_names import normalise_series_name

__all__ = ["median_learning_rate"]

_Point = tuple[str, float, float, float]
_GROUP = re.compile(r"[/_-]pg\d+$", re.IGNORECASE)


def median_learning_rate(points: list[_Point]) -> list[_Point]:
    """Points with two or more param groups' learning rates replaced by their median at each position.

    The median is taken where every group logged a value (the k-th value logged at one step and epoch), and
    is named after the groups (``"lr (median of lr/pg0, lr/pg1, lr/pg2)"``, read as ``lr``); a run logging
    one learning rate is returned unchanged.

    Examples
    --------
    >>> pts = [("lr/pg0", 1.0, 1.0, 0.067), ("lr/pg1", 1.0, 1.0, 0.0003), ("lr/pg2", 1.0, 1.0, 0.0003)]
    >>> median_learning_rate(pts)
    [('lr (median of lr/pg0, lr/pg1, lr/pg2)', 1.0, 1.0, 0.0003)]
    """
    groups = [
        raw for raw in dict.fromkeys(p[0] for p in points) if _GROUP.search(raw) and normalise_series_name(raw) == "lr"
    ]
    if len(groups) < 2:
        return points
    name = f"lr (median of {', '.join(groups)})"
    return merged_at_positions(points, dict.fromkeys(groups, name), statistics.median)
