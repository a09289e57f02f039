"""Preprocessing leakage: re-train without the features the check says leak the label.

The leaking features are read from the finding (``evidence`` keys naming features, or
``data["features"]``; see :func:`~gapdoctor.experiments.features.named_features`).
A feature that carries training labels but not validation labels makes the model lean
on it; without it, validation improves.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.experiments.features import named_features
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


@intervention("preprocessing_leakage")
def drop_leaking_features(finding: Finding, lab: Lab) -> Plan:
    """Re-train without the named features."""
    names = lab.evidence.feature_names
    leaking = named_features(finding, names)
    if not leaking:
        raise SkipExperiment("the finding names no feature of X_train (evidence '*feature*' or data['features'])")
    if len(leaking) == len(names):
        raise SkipExperiment("the finding names every feature: nothing would be left")
    keep = np.array([n not in leaking for n in names])
    description = f"drop the leaking feature{'s' if len(leaking) > 1 else ''} {', '.join(leaking)}"

    def run() -> PairedOutcome:
        after = lab.fit_predict(
            lab.X_train[:, keep], lab.y_train, lab.X_val[:, keep], {"intervention": "preprocessing_leakage"}
        )
        return PairedOutcome(lab.baseline(), after, lab.y_val, lab.y_val, {"dropped_features": leaking})

    return Plan(description, 1, run, {"features": leaking})
