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
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from gapdoctor.inputs.evidence import Evidence

__all__ = [
    "ASSOCIATION_ROWS",
    "BOOTSTRAP_ROWS",
    "DECISION_RULE_ROWS",
    "DOMAIN_ROWS",
    "DUPLICATE_CELLS",
    "FEATURE_TEST_ROWS",
    "IDENTIFIER_ROWS",
    "JUDGE_TREE_CELLS",
    "JUDGE_TREE_MIN_ROWS",
    "LABEL_PASS_CELLS",
    "PERMUTATION_ROWS",
    "VALIDATION_PASS_ROWS",
    "WITHIN_SPLIT_CELLS",
    "recording_sampling",
    "sample_rows",
    "state_sampling",
    "validation_sample",
]

FEATURE_TEST_ROWS = 20_000
"""Rows per split for the per-feature two-sample tests (KS / chi-square) and their plots.

At 20k rows a KS test detects a 0.05-sd shift; more rows only make negligible effects
significant while the cost grows with rows x features."""

ASSOCIATION_ROWS = FEATURE_TEST_ROWS
"""Rows per split for the per-feature label association (Kruskal-Wallis epsilon²).

Its chance level (:func:`~gapdoctor.stats.association.association_noise_level`) is
computed for the rows actually used, so a subsample widens the noise band."""

IDENTIFIER_ROWS = 200_000
"""Rows per split scanned for identifier-like columns (dense unique integers).

Sorting every column is rows x features x log(rows); a column unique on 200k random
rows is judged on those rows (its density is judged against the sample's range)."""

DOMAIN_ROWS = 4_000
"""Rows per split the domain classifier (gradient-boosted trees, 3-fold) is trained on.

Its AUC interval (Hanley-McNeil) is computed for these rows; fitting trees is the most
expensive step of any check, so it is kept small."""

JUDGE_TREE_CELLS = 1_000_000
"""Validation rows x features x trees per boosting round (1 for two classes, one per class otherwise) that the
pseudo-label check's gradient-boosting judge is fitted on (:func:`gapdoctor.stats.trees.boosted_trees`: 60
rounds of 15-leaf trees): about a second on one core here (5,000 rows x 128 features x 10 classes, 6.4M, took
10 s; x 512 features, 39 s). Beyond it the judge is fitted on a seeded sample of the validation rows, stated;
where fewer than :data:`JUDGE_TREE_MIN_ROWS` rows would fit, the judge is left out and the check says so."""

JUDGE_TREE_MIN_ROWS = 200
"""The fewest validation rows the gradient-boosting judge is fitted on (see :data:`JUDGE_TREE_CELLS`)."""

WITHIN_SPLIT_CELLS = 2_000_000
"""Validation rows x features a within-split model is fitted on (a 5-fold logistic regression:
:func:`gapdoctor.causes.pipeline_bug.chance.labels_follow_features`): 0.02-0.05 s on a few hundred rows
of 10-100 features here, 0.4-0.6 s at the budget (4,000 rows x 500 features, 2 or 10 classes). Beyond it,
a seeded sample of the validation rows, stated."""

DUPLICATE_CELLS = 1_000_000_000
"""Row x feature cells per split searched for cross-split duplicates (exact and near).

The search is linear (row hashing and quantised-grid buckets, about 2 s per 100M
cells here); past 1e9 cells (e.g. 8M rows x 128 features) a seeded subsample of each
split is searched and the duplicated share carries the sample's binomial interval."""

LABEL_PASS_CELLS = 200_000_000
"""Row x class cells of probabilities read by the confident-learning pass (label_noise,
pseudo_label_noise, and the validation control): 20M rows of 10 classes.

The pass is linear and streamed in chunks (about 1 s per 10M cells); beyond it the
noise rate and its bootstrap interval are estimated on a subsample, whose size the
interval reflects, and the flagged rows are among the rows read."""

DECISION_RULE_ROWS = 200_000
"""Validation rows on which metric_mismatch sweeps decision rules (49 thresholds or 21
prior strengths, tuned again in each of 5 folds) and bootstraps the gain; as many training
rows (out-of-fold probabilities) are pooled with them (2x the time: 5 s at 1M + 1M binary rows).

A metric on 200k rows has a sampling sd near 0.001, far below the reportable gain
(0.02); the interval on the gain is bootstrapped on the rows read."""

VALIDATION_PASS_ROWS = 20_000_000
"""Validation rows read by the checks whose work is a few linear passes (counts per
class or group, one metric value): subgroup_failure, pipeline_bug.label_encoding,
small_validation_set.

Sampling would lose small groups, so the budget is high: 20M rows take seconds. Past
it, counts and intervals are those of the rows read (the validation size used for the
metric's noise stays the real one)."""

PERMUTATION_ROWS = 100_000
"""Ordered training labels permuted (50 times) for the null of pipeline_bug.unshuffled;
the observed count of label changes uses every row, the null's spread is scaled by
sqrt(n / 100k)."""

BOOTSTRAP_ROWS = 20_000
"""Rows resampled by a row bootstrap (ranking and probabilistic metrics); beyond it a
seeded subset is resampled and the spread shrunk by sqrt(m / n) (decision metrics
resample confusion-matrix cells instead, exact at any size)."""

SEED = 40_503
"""Seed of every budget subsample: the same inputs give the same sample and findings.

Not 0: ``default_rng(0).choice(n, m)`` is the draw a user (or a test) most likely made
to pick rows to corrupt, and the sample must not coincide with it."""

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


def state_sampling(n_rows: int, cap: int, what: str) -> None:
    """Record "sampled CAP of N WHAT" for the running check when ``n_rows > cap``.

    For a check that reuses a result computed (and sampled) by an earlier check.
    """
    if n_rows <= cap:
        return
    statement = f"sampled {cap:,} of {n_rows:,} {what}"
    for collected in _notes[-1:]:
        if statement not in collected:
            collected.append(statement)


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
    if what is not None:
        state_sampling(n_rows, cap, what)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=cap, replace=False)).astype(np.int64)


def validation_sample(evidence: Evidence, cap: int) -> Evidence:
    """``evidence`` with its per-row validation arrays cut to at most ``cap`` sampled rows.

    ``y_val``, ``val_probs`` and ``groups_val`` are sampled together (the same rows);
    ``X_val`` is dropped from the view (the checks that use it sample features on their
    own budget); ``val_size`` keeps the real validation size. Unchanged within budget.
    """
    y = evidence.y_val
    if y is None or len(y) <= cap:
        return evidence
    rows = sample_rows(len(y), cap, what="validation rows")
    probs, groups = evidence.val_probs, evidence.groups_val
    return replace(
        evidence,
        X_val=None,
        y_val=y[rows],
        val_probs=None if probs is None else probs[rows],
        groups_val=None if groups is None else groups[rows],
    )
