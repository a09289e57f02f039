"""Distribution shift: does the gap close when train and validation come from one pool?

The re-split check decides: the training and validation rows are pooled and split
again at random (stratified, same validation size), ``n_repeats`` times. If the
metric on random splits is better than on the given validation split, beyond the
interval of the repeats, the given split is what differs: shift confirmed.

Importance weighting, the usual fix, is measured alongside (``details``): a domain
classifier (logistic regression on standardised features, out-of-fold) estimates
p(validation | x) for each training row, and the model is re-trained with weights
p / (1 - p), clipped to [0.1, 10] and normalised to mean 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gapdoctor.experiments.lab import (
    Lab,
    MeasuredOutcome,
    PairedOutcome,
    Plan,
    interval_of_mean,
    intervention,
    judge,
    paired_interval,
    pooled_labels,
    resplit_scores,
)
from gapdoctor.findings import Finding


def importance_weights(X_train: NDArray[np.float64], X_val: NDArray[np.float64], seed: int = 0) -> NDArray[np.float64]:
    """Training-row weights p(val|x) / p(train|x) from an out-of-fold domain classifier."""
    X = np.nan_to_num(np.vstack([X_train, X_val]))
    domain = np.r_[np.zeros(len(X_train), dtype=np.int64), np.ones(len(X_val), dtype=np.int64)]
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    p_val = cross_val_predict(classifier, X, domain, cv=5, method="predict_proba")[: len(X_train), 1]
    odds = np.clip(p_val, 1e-6, 1 - 1e-6) / np.clip(1 - p_val, 1e-6, 1.0)
    odds *= len(X_train) / len(X_val)
    weights = np.clip(odds, 0.1, 10.0)
    return np.asarray(weights / weights.mean(), dtype=np.float64)


@intervention("distribution_shift")
def resplit_and_reweight(finding: Finding, lab: Lab) -> Plan:
    """Re-split the pooled data at random; re-train with importance weights."""
    y_pool = pooled_labels(lab)
    repeats = lab.settings.n_repeats
    description = f"re-split the pooled data at random ({repeats} stratified splits) and importance weighting"

    def run() -> MeasuredOutcome:
        scores = resplit_scores(lab, y_pool, repeats)
        before = lab.score(lab.y_val, lab.baseline())
        interval = interval_of_mean(scores)

        weights = importance_weights(lab.X_train, lab.X_val, lab.settings.seed)
        config = {"intervention": "distribution_shift", "sample_weight": weights}
        weighted = lab.fit_predict(lab.X_train, lab.y_train, lab.X_val, config)
        w_before, w_after, w_interval = paired_interval(
            lab, PairedOutcome(lab.baseline(), weighted, lab.y_val, lab.y_val)
        )
        details = {
            "resplit_scores": [round(s, 4) for s in scores],
            "importance_weighting": {
                "after": round(w_after, 4),
                "interval": [round(w_interval[0], 4), round(w_interval[1], 4)],
                "verdict": judge(lab, w_before, w_interval),
                "max_weight": round(float(weights.max()), 3),
            },
        }
        return MeasuredOutcome(before, float(np.mean(scores)), interval, judge(lab, before, interval), details)

    return Plan(description, repeats + 1, run)
