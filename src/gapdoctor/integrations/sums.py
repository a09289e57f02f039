"""Epoch values summed across the processes of a distributed run (``torch.distributed``).

Each process sends (sum, count) per series name, in sorted order; the recorder divides
the totals. Batch losses are thereby averaged exactly; a value each process gives once
per epoch (its shard's validation metric) becomes the mean over processes. Every
process must log the same names and take part in every sum of the epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from gapdoctor.integrations.values import FloatArray

__all__ = ["keep_in_step", "mean_across"]

SumAcross = Callable[[FloatArray], FloatArray]
"""Sums an array element-wise over every process (an all-reduce)."""


def mean_across(totals: Mapping[str, tuple[float, float]], reduce_sum: SumAcross | None) -> dict[str, float]:
    """name -> sum / count, the sums and counts first added up across processes.

    A name without any count is NaN ("not measured"), except ``train_loss``, which is
    then left out. ``reduce_sum`` None: one process, nothing to add up.

    Examples
    --------
    >>> mean_across({"train_loss": (3.0, 2.0), "val_loss": (0.0, 0.0)}, None)
    {'train_loss': 1.5, 'val_loss': nan}
    """
    if reduce_sum is None:
        return {
            name: (value_sum / count if count else math.nan)
            for name, (value_sum, count) in totals.items()
            if count or name != "train_loss"
        }
    names = sorted(totals)
    local = np.asarray([x for name in names for x in totals[name]], dtype=np.float64)
    summed = reduce_sum(local)
    out: dict[str, float] = {}
    for i, name in enumerate(names):
        value_sum, count = float(summed[2 * i]), float(summed[2 * i + 1])
        if count or name != "train_loss":
            out[name] = value_sum / count if count else math.nan
    return out


def keep_in_step(reduce_sum: SumAcross, sizes: Sequence[int]) -> None:
    """Take part in the epoch's remaining sums with zeros of the given sizes. Never raises.

    A process that stopped recording must still join every collective of the epoch: one
    that left would leave the others waiting in a collective for ever — a hung run.
    """
    try:
        for size in sizes:
            reduce_sum(np.zeros(size))
    except Exception:  # the group itself failed: nothing left to keep in step with
        pass
