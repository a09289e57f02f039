"""Pipeline bug: unshuffled training data, read from the order the training loop saw the labels.

A runs test: in a shuffled order, neighbouring labels differ about as often as two rows drawn at
random do; training data that arrive sorted or in blocks change label far less often.
"""

from __future__ import annotations

import math

import numpy as np

from gapdoctor.causes.pipeline_bug.result import Unshuffled
from gapdoctor.causes.pipeline_bug.score import unshuffled_score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.budget import PERMUTATION_ROWS

__all__ = ["unshuffled"]


def _expected_changes(order: np.ndarray[tuple[int], np.dtype[np.int64]], n_classes: int) -> float:
    """Expected number of label changes between neighbours in a random order."""
    n = len(order)
    counts = np.bincount(order, minlength=n_classes).astype(np.float64)
    same = float((counts * (counts - 1)).sum()) / (n * (n - 1))
    return (n - 1) * (1.0 - same)


@register(
    name="pipeline_bug.unshuffled",
    cause="pipeline_bug",
    requires=("train_label_order",),
    description="Training labels arrive in long runs: the training data are not shuffled.",
)
def unshuffled(evidence: Evidence) -> list[Finding]:
    """Runs test on the training labels in the order the loop saw them."""
    order = evidence.train_label_order
    assert order is not None
    if len(order) < 20 or len(np.unique(order)) < 2:
        raise SkipCheck("needs at least 20 ordered labels of at least two classes")
    changes = int(np.count_nonzero(order[1:] != order[:-1]))
    expected = _expected_changes(order, evidence.n_classes)
    rng = np.random.default_rng(0)
    sample = order[:PERMUTATION_ROWS]  # the null's spread, scaled to the full length below
    null = [int(np.count_nonzero(np.diff(rng.permutation(sample)) != 0)) for _ in range(50)]
    sd = float(np.std(null)) * math.sqrt(len(order) / len(sample))
    z = (expected - changes) / max(sd, 1e-9)
    missing = max(0.0, 1.0 - changes / max(expected, 1e-9))
    score = unshuffled_score(missing, z)
    if score < MIN_FINDING_SCORE:
        return []
    mean_run = len(order) / (changes + 1)
    result = Unshuffled(
        split="train",
        label_changes=changes,
        label_changes_expected=round(expected, 1),
        runs_z=round(z, 1),
        mean_run_length=round(mean_run, 1),
        mean_run_length_expected=round(len(order) / (expected + 1), 2),
    )
    summary = (
        f"Training data are not shuffled: labels arrive in runs of {mean_run:.0f} rows on average "
        f"({changes} label changes where a shuffled order gives about {expected:.0f})."
    )
    fixes = (
        "Shuffle the training data every epoch (DataLoader(shuffle=True), tf.data shuffle with a buffer "
        "larger than the longest run).",
        "If the data must stream in order, shuffle it once on disk before training.",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=score,
            summary=summary,
            fixes=fixes,
            check=Unshuffled.CHECK,
            result=result,
        )
    ]
