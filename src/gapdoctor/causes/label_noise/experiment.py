"""Label noise: re-train without the rows the finding estimates to be mislabelled.

Reads ``Finding.rows`` (training rows, most suspicious first). If those rows are truly
mislabelled, the model trained without them scores better on validation. When dropping
them would leave a class with fewer than two rows they are down-weighted (weight 0.1)
instead.

A confident-learning finding (payload
:class:`~gapdoctor.causes.label_noise.result.ConfidentLearningNoise`) states how many
labels look wrong (``noise_rate_pct``) and flags fewer rows than that: pruning releases a
row whose most probable out-of-fold class is its given label, and the confident joint
leaves rows reaching no class threshold uncounted. The experiment tests the estimate, not
only the flags: it drops the flagged rows, then the rows the out-of-fold probabilities
(``evidence.train_probs``, those the check read) contradict most — largest margin
``max_{j != given} p_j - p_given``, and only rows whose most probable class is not their
given label — until the estimated number of mislabelled rows is reached (cleanlab's
``prune_by_noise_rate`` count; Northcutt et al. 2021, section 4). The reason is measured
(digits, 1257 training rows, 440 flipped at random, ``LogisticRegression()`` on the raw
pixels, which fits its training labels closely): the 486 flagged rows hold 395 of the flips;
dropping them moves validation accuracy 0.837 -> 0.843, because the model memorises the 45
flips left (dropping all 440: 0.952); dropping the estimated 569 moves it to 0.922, with
an interval clear of 0.837 on each of 3 flip seeds (``tests/causes/label_noise/test_experiment.py``).
Relabelling the flagged rows to the suggested class instead does worse than not cleaning
at all (0.809): about a third of the suggestions are wrong at this noise level.

A finding without that payload (training dynamics, memorisation, a stored finding, one
built by hand) has exactly its rows dropped.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.label_noise.confident_learning import THRESHOLD_TOLERANCE, row_chunks
from gapdoctor.causes.label_noise.gain import measured_gain
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise
from gapdoctor.causes.label_noise.top_margins import top_by_margin
from gapdoctor.causes.payload import payload_of
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding
from gapdoctor.inputs.probabilities import probability_rows
from gapdoctor.stats.array_types import FloatArray, IntArray, ProbabilityArray

__all__ = ["DOWN_WEIGHT", "drop_flagged_rows", "estimated_noisy_rows", "flagged_rows", "retrain_without_rows"]

DOWN_WEIGHT = 0.1
_CHUNK_ROWS = 65_536  # rows of probabilities read at a time for the margins (one chunk of float64 in memory)


def retrain_without_rows(lab: Lab, rows: np.ndarray, what: str, details: dict[str, object] | None = None) -> Plan:
    """A plan that re-trains without ``rows`` (or with them down-weighted) and compares.

    ``details`` are added to the outcome's details (what the rows are made of).
    """
    n_train = len(lab.y_train)
    keep = np.ones(n_train, dtype=bool)
    keep[rows] = False
    left = np.bincount(lab.y_train[keep], minlength=lab.evidence.n_classes)
    present = np.bincount(lab.y_train, minlength=lab.evidence.n_classes) > 0
    drop = bool((left[present] >= 2).all())
    description = f"{'drop' if drop else 'down-weight'} {what} ({len(rows)} of {n_train} training rows)"

    def run() -> PairedOutcome:
        if drop:
            after = lab.fit_predict(lab.X_train[keep], lab.y_train[keep], lab.X_val, {"intervention": description})
        else:
            weights = np.where(keep, 1.0, DOWN_WEIGHT)
            config = {"intervention": description, "sample_weight": weights}
            after = lab.fit_predict(lab.X_train, lab.y_train, lab.X_val, config)
        said = {"rows_removed": len(rows), "dropped": drop, **(details or {})}
        return PairedOutcome(lab.baseline(), after, lab.y_val, lab.y_val, said)

    return Plan(description, 1, run, {"rows": rows.tolist()}, gain=measured_gain)


def flagged_rows(finding: Finding, n_train: int) -> np.ndarray:
    """The finding's training rows, validated; SkipExperiment when there are none."""
    if not finding.rows:
        raise SkipExperiment("the finding flags no training rows (Finding.rows is empty)")
    rows = np.unique(np.asarray(finding.rows, dtype=np.int64))
    if rows.min() < 0 or rows.max() >= n_train:
        raise SkipExperiment("Finding.rows holds indices outside the training split")
    if len(rows) >= n_train:
        raise SkipExperiment("every training row is flagged: nothing would be left to train on")
    return rows


def _contradiction_margins(y: IntArray, probs: ProbabilityArray) -> FloatArray:
    """Per row, ``max_{j != y} p_j - p_y`` (positive: the model's most probable class is not the given label)."""
    margins = np.empty(len(y))
    for part in row_chunks(len(y), _CHUNK_ROWS):
        p = probability_rows(probs, part, renormalise=True)
        local = np.arange(len(p))
        given = p[local, y[part]].copy()
        p[local, y[part]] = -np.inf
        margins[part] = p.max(axis=1) - given
    return margins


def estimated_noisy_rows(flagged: IntArray, y: IntArray, probs: ProbabilityArray, estimate: int) -> IntArray:
    """``flagged``, then the unflagged rows the probabilities contradict most, up to ``estimate`` rows.

    Only rows whose most probable class is not their given label are added (margin above
    :data:`~gapdoctor.causes.label_noise.confident_learning.THRESHOLD_TOLERANCE`, the rule
    the flags follow), largest margin first, ties to the lowest row id; fewer when fewer
    rows are contradicted.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 1])
    >>> probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.7, 0.3], [0.6, 0.4]])
    >>> estimated_noisy_rows(np.array([1]), y, probs, 3).tolist()
    [1, 3, 4]
    >>> estimated_noisy_rows(np.array([1]), y, probs, 9).tolist()  # only 3 rows are contradicted
    [1, 3, 4]
    """
    needed = estimate - len(flagged)
    if needed <= 0:
        return flagged
    margins = _contradiction_margins(y, probs)
    candidates = np.flatnonzero(margins > THRESHOLD_TOLERANCE)
    candidates = candidates[~np.isin(candidates, flagged)]
    if len(candidates) > needed:
        _, candidates, _ = top_by_margin(margins[candidates], candidates, needed)
    return np.concatenate([flagged, np.sort(candidates)])


@intervention("label_noise")
def drop_flagged_rows(finding: Finding, lab: Lab) -> Plan:
    """Re-train without the flagged rows, topped up to the finding's estimated noise count (see the module)."""
    rows = flagged_rows(finding, len(lab.y_train))
    result = payload_of(finding)
    probs = lab.evidence.train_probs
    if not isinstance(result, ConfidentLearningNoise) or probs is None:
        return retrain_without_rows(lab, rows, "the flagged rows")
    n_train = len(lab.y_train)
    estimate = min(round(result.noise_rate_pct / 100 * n_train), n_train - 1)
    dropped = estimated_noisy_rows(rows, lab.y_train, probs, estimate)
    added = len(dropped) - len(rows)
    details: dict[str, object] = {"flagged_rows": len(rows), "estimated_noisy_rows": estimate, "added_rows": added}
    if added == 0:
        return retrain_without_rows(lab, rows, "the flagged rows", details)
    reach = (
        f"to the estimated {estimate} mislabelled"
        if len(dropped) == estimate
        else f"all it contradicts of the estimated {estimate} mislabelled"
    )
    what = f"the {len(rows)} flagged rows and the {added} next most contradicted out of fold, {reach}"
    return retrain_without_rows(lab, dropped, what, details)
