"""Small validation set: repeated re-splits measure how noisy a split of this size is.

The pooled training and validation rows are split again at random (stratified, with a
validation part of the given size), ``2 * n_repeats`` times, and the model re-trained
on each. The spread of the metric across these splits is the noise a validation set
of this size has; their mean is the real level. ``before`` is the metric on the given
split, ``after`` the mean over re-splits with its 95% interval.

The cause is confirmed when that noise hides an improvement of :data:`RESOLUTION`
(two points of a metric in [0, 1], 5% of an unbounded one): 1.96 standard deviations
of the split-to-split spread exceed it. Refuted when they stay under half of it.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.experiments.lab import (
    Lab,
    MeasuredOutcome,
    Plan,
    Verdict,
    interval_of_mean,
    intervention,
    pooled_labels,
    resplit_scores,
)
from gapdoctor.findings import Finding
from gapdoctor.stats.metrics import METRICS

RESOLUTION = 0.02
"""The improvement a validation set must be able to show (absolute, bounded metrics)."""
_RELATIVE_RESOLUTION = 0.05  # unbounded metrics (log loss): 5% of the level


@intervention("small_validation_set")
def repeated_resplits(finding: Finding, lab: Lab) -> Plan:
    """Re-split the pooled data at the given validation size, many times."""
    y_pool = pooled_labels(lab)
    n_splits = 2 * lab.settings.n_repeats
    n_val = len(lab.y_val)
    description = f"{n_splits} random stratified re-splits with {n_val} validation rows"

    def run() -> MeasuredOutcome:
        scores = resplit_scores(lab, y_pool, n_splits)
        mean = float(np.mean(scores))
        resolution = RESOLUTION if METRICS[lab.evidence.metric].bounded else _RELATIVE_RESOLUTION * abs(mean)
        split_noise = 1.96 * float(np.std(scores, ddof=1))
        verdict: Verdict = (
            "confirmed" if split_noise > resolution else "refuted" if split_noise <= resolution / 2 else "inconclusive"
        )
        details = {
            "split_noise_95": round(split_noise, 4),
            "resolution": round(resolution, 4),
            "resplit_scores": [round(s, 4) for s in scores],
        }
        before = lab.score(lab.y_val, lab.baseline())
        return MeasuredOutcome(before, mean, interval_of_mean(scores), verdict, details)

    return Plan(description, n_splits, run)
