"""Label noise: re-train without the rows the check flagged as likely mislabelled.

Reads ``Finding.rows`` (training rows, most suspicious first). If the flagged rows are
truly mislabelled, the model trained without them scores better on validation. When
dropping them would leave a class with fewer than two rows they are down-weighted
(weight 0.1) instead.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding

DOWN_WEIGHT = 0.1


def retrain_without_rows(lab: Lab, rows: np.ndarray, what: str) -> Plan:
    """A plan that re-trains without ``rows`` (or with them down-weighted) and compares."""
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
        return PairedOutcome(lab.baseline(), after, lab.y_val, lab.y_val, {"rows_removed": len(rows), "dropped": drop})

    return Plan(description, 1, run, {"rows": rows.tolist()})


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


@intervention("label_noise")
def drop_flagged_rows(finding: Finding, lab: Lab) -> Plan:
    """Re-train without the flagged rows."""
    rows = flagged_rows(finding, len(lab.y_train))
    return retrain_without_rows(lab, rows, "the flagged rows")
