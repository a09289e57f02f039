"""Small validation set: repeated cross-validation shows how noisy the given split is.

The pooled training and validation rows are cross-validated (stratified,
``cv_folds`` folds, repeated twice). ``before`` is the metric on the given validation
split, ``after`` the cross-validated mean. The cause is confirmed when the validation
split's own interval (bootstrap of its rows) is at least twice as wide as the
cross-validated one — differences half its width, invisible on the split, show in the
cross-validation; refuted when it is no wider.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from gapdoctor.experiments.lab import (
    Lab,
    MeasuredOutcome,
    Plan,
    SkipExperiment,
    Verdict,
    bootstrap_interval,
    interval_of_mean,
    intervention,
)
from gapdoctor.findings import Finding

_REPEATS = 2
_WIDTH_RATIO = 2.0


@intervention("small_validation_set")
def repeated_cross_validation(finding: Finding, lab: Lab) -> Plan:
    """Cross-validate the pooled data and compare interval widths."""
    y_pool = np.r_[lab.y_train, lab.y_val]
    counts = np.bincount(y_pool)
    folds = min(lab.settings.cv_folds, int(counts[counts > 0].min()))
    if folds < 2:
        raise SkipExperiment("a class has fewer than two rows: cannot cross-validate")
    description = f"repeated {folds}-fold cross-validation of the pooled data ({_REPEATS} repeats)"

    def run() -> MeasuredOutcome:
        X_pool = np.vstack([lab.X_train, lab.X_val])
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=_REPEATS, random_state=lab.settings.seed)
        scores = []
        for fit_rows, held in splitter.split(X_pool, y_pool):
            probs = lab.fit_predict(X_pool[fit_rows], y_pool[fit_rows], X_pool[held], {"intervention": "cv"})
            scores.append(lab.score(y_pool[held], probs))
        base = lab.baseline()
        val_interval = bootstrap_interval(lab, lab.y_val, base)
        interval = interval_of_mean(scores)
        val_width = val_interval[1] - val_interval[0]
        cv_width = max(interval[1] - interval[0], 1e-12)
        ratio = val_width / cv_width
        verdict: Verdict = "confirmed" if ratio >= _WIDTH_RATIO else "refuted" if ratio <= 1.0 else "inconclusive"
        details = {
            "val_interval": [round(val_interval[0], 4), round(val_interval[1], 4)],
            "width_ratio": round(ratio, 2),
            "cv_scores": [round(s, 4) for s in scores],
        }
        return MeasuredOutcome(lab.score(lab.y_val, base), float(np.mean(scores)), interval, verdict, details)

    return Plan(description, folds * _REPEATS, run)
