"""Data larger than memory: the row checks on Dask, partition by partition, statistics merged.

:func:`gapdoctor.diagnose` hands Dask arguments here (:func:`read_partitioned`): each
split is read in two passes on the user's Dask scheduler
(:mod:`~gapdoctor.scale.scheduler`), the partitions' statistics are merged into exact
figures over all rows (:mod:`~gapdoctor.scale.exact`), and the checks run on a uniform
sample of each split, whose size every check run and finding states. Dask itself is an
extra (``gapdoctor[dask]``), imported only when a Dask collection is given.
"""

from __future__ import annotations

from gapdoctor.scale.exact import ExactStatistics
from gapdoctor.scale.reading import SAMPLE_ROWS, ScaledInputs, read_partitioned

__all__ = ["SAMPLE_ROWS", "ExactStatistics", "ScaledInputs", "read_partitioned"]
