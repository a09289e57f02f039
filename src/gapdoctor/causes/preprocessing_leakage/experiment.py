"""Preprocessing leakage: re-train without the features the check says leak the label.

The leaking features are those of the :class:`~gapdoctor.causes.preprocessing_leakage.result.TrainOnlySignal`
payload (its ``features`` field, most leaking first; see
:func:`~gapdoctor.experiments.features.named_features`). A feature that carries training
labels but not validation labels makes the model lean on it; without it, validation
improves. A duplicated-rows finding names no feature: it has no re-training.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.preprocessing_leakage.result import TrainOnlySignal
from gapdoctor.experiments.features import named_features
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


@intervention("preprocessing_leakage")
def drop_leaking_features(finding: Finding, lab: Lab) -> Plan:
    """Re-train without the named features."""
    result = payload_of(finding)
    if not isinstance(result, TrainOnlySignal):
        raise SkipExperiment(
            f"the finding names no feature to drop (only a {TrainOnlySignal.CHECK} finding does, "
            f"not {finding.check or 'an untyped finding'})"
        )
    names = lab.evidence.feature_names
    leaking = named_features(result, names)
    if not leaking:
        raise SkipExperiment("the finding names no feature of X_train")
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
