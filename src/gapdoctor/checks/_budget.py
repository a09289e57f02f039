"""What each row-level check may process in full, and how it says when it sampled.

Every check that reads rows works under a declared budget: up to the number of rows
(or row x feature cells) named here it reads everything; beyond it, it reads a
seeded random subsample of that size, computes its statistic and the statistic's
uncertainty on the subsample (so the interval widens with the sampling), and states
the sampling with :func:`sample_rows`. The engine collects those statements into the
check run's ``note`` and into each finding's ``evidence["sampling"]``.

The budgets are sized so that a full :func:`gapdoctor.diagnose` of 1M rows x 128
features (or 20M rows x 20) stays within a few seconds per check and well under a
gigabyte of working memory besides the inputs (see ``benchmarks/budget.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ASSOCIATION_ROWS",
    "DOMAIN_ROWS",
    "DUPLICATE_CELLS",
    "FEATURE_TEST_ROWS",
    "IDENTIFIER_ROWS",
    "LABEL_PASS_CELLS",
    "METRIC_ROWS",
    "SOURCE_ROWS",
    "recording_sampling",
    "sample_rows",
]

FEATURE_TEST_ROWS = 20_000
"""Rows per split for the per-feature two-sample tests (KS / chi-square) and their plots.

At 20k rows a KS test detects a 0.05-sd shift; more rows only make negligible effects
significant while the cost grows with rows x features."""

ASSOCIATION_ROWS = FEATURE_TEST_ROWS
"""Rows per split for the per-feature label association (Kruskal-Wallis epsilon²).

Its chance level (:func:`~gapdoctor.checks._association.association_noise_level`) is
computed for the rows actually used, so a subsample widens the noise band."""

IDENTIFIER_ROWS = 200_000
"""Rows per split scanned for identifier-like columns (dense unique integers).

Sorting every column is rows x features x log(rows); a column unique on 200k random
rows is judged on those rows (its density is judged against the sample's range)."""

DOMAIN_ROWS = 4_000
"""Rows per split the domain classifier (gradient-boosted trees, 3-fold) is trained on.

Its AUC interval (Hanley-McNeil) is computed for these rows; fitting trees is the most
expensive step of any check, so it is kept small."""

DUPLICATE_CELLS = 1_000_000_000
"""Row x feature cells per split searched for cross-split duplicates (exact and near).

The search is linear (row hashing and quantised-grid buckets), about 1 s per 100M
cells; past 1e9 cells (e.g. 8M rows x 128 features) a seeded subsample of each split
is searched and the duplicated share carries the sample's binomial interval."""

LABEL_PASS_CELLS = 400_000_000
"""Row x class cells of probabilities read by the confident-learning and per-source
label passes (label_noise, pseudo_label_noise): 40M rows of 10 classes.

The pass is linear and streamed in chunks; beyond it the rates are estimated on a
subsample (binomial intervals on the rows read) and flagged rows are among those read."""

METRIC_ROWS = 5_000_000
"""Validation rows read by the metric-side checks (metric_mismatch, subgroup_failure,
small_validation_set, pipeline_bug's label-encoding and misalignment checks).

They bootstrap or cross-validate the metric; 5M rows make every interval far narrower
than any reportable effect, and the interval is computed on the rows read."""

SOURCE_ROWS = LABEL_PASS_CELLS // 10
"""Training rows whose source is read by the pseudo-label check (its label pass)."""

SEED = 0
"""Seed of every budget subsample: the same inputs give the same sample and findings."""

_notes: list[list[str]] = []


@contextmanager
def recording_sampling() -> Iterator[list[str]]:
    """Collect the sampling statements made by :func:`sample_rows` inside the block.

    Examples
    --------
    >>> with recording_sampling() as notes:
    ...     rows = sample_rows(1_000, 100, what="X_train rows")
    >>> len(rows), notes
    (100, ['sampled 100 of 1,000 X_train rows'])
    """
    collected: list[str] = []
    _notes.append(collected)
    try:
        yield collected
    finally:
        _notes.remove(collected)


def sample_rows(n_rows: int, cap: int, *, what: str | None = "rows", seed: int = SEED) -> NDArray[np.int64]:
    """Sorted indices of at most ``cap`` of ``n_rows`` rows; states the sampling when it samples.

    All rows (``arange(n_rows)``) when ``n_rows <= cap``; otherwise a seeded random
    subsample of ``cap`` rows, and the statement "sampled CAP of N WHAT" is recorded
    for the check run (see :func:`recording_sampling`). ``what=None`` samples without a
    statement: for a sample that is part of a statistic's definition and reported with it.

    Examples
    --------
    >>> sample_rows(5, 10).tolist()
    [0, 1, 2, 3, 4]
    >>> len(sample_rows(1_000_000, 10))
    10
    """
    cap = max(int(cap), 1)
    if n_rows <= cap:
        return np.arange(n_rows, dtype=np.int64)
    statement = f"sampled {cap:,} of {n_rows:,} {what}"
    for collected in _notes[-1:] if what is not None else ():
        if statement not in collected:
            collected.append(statement)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=cap, replace=False)).astype(np.int64)
