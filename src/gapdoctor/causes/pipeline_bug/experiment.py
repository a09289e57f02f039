"""Pipeline bug: apply the detected correction and score again.

- A label mapping (``Finding.data["mapping"] = {"classes": [...], "val_label_to_true":
  [...]}``: the validation label written ``classes[i]`` truly is
  ``val_label_to_true[i]``): the validation labels are corrected and the same
  predictions scored again. No fit.
- Otherwise, features the finding names (``data["features"]`` or evidence keys naming
  features) are taken as rescaled in validation: their validation values are mapped
  back onto the training mean and spread, and the baseline model predicts again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gapdoctor.experiments.features import named_features
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


def corrected_labels(lab: Lab, mapping: Any) -> np.ndarray:
    """Encoded validation labels after applying ``mapping``; SkipExperiment if unusable."""
    if not isinstance(mapping, dict):
        raise SkipExperiment("data['mapping'] is not a mapping")
    given, true = mapping.get("classes"), mapping.get("val_label_to_true")
    if not isinstance(given, list) or not isinstance(true, list) or len(given) != len(true):
        raise SkipExperiment("data['mapping'] needs equal-length lists 'classes' and 'val_label_to_true'")
    encode = {str(c): i for i, c in enumerate(lab.evidence.classes)}
    unknown = sorted({str(v) for v in given + true} - set(encode))
    if unknown:
        raise SkipExperiment(f"data['mapping'] names labels not in the data: {unknown[:5]}")
    table = np.arange(lab.evidence.n_classes)
    for g, t in zip(given, true, strict=True):
        table[encode[str(g)]] = encode[str(t)]
    if np.array_equal(table, np.arange(lab.evidence.n_classes)):
        raise SkipExperiment("data['mapping'] maps every label to itself")
    return np.asarray(table[lab.y_val], dtype=np.int64)


def _relabel(lab: Lab, mapping: Any) -> Plan:
    y_fixed = corrected_labels(lab, mapping)

    def run() -> PairedOutcome:
        probs = lab.evidence.val_probs if lab.evidence.val_probs is not None else lab.baseline()
        changed = int((y_fixed != lab.y_val).sum())
        return PairedOutcome(probs, probs, lab.y_val, y_fixed, {"labels_changed": changed})

    return Plan("apply the detected validation label mapping and re-score", 0, run, {"mapping": mapping})


def _rescale(lab: Lab, features: list[str]) -> Plan:
    columns = [lab.evidence.feature_names.index(n) for n in features]

    def run() -> PairedOutcome:
        X_fixed = lab.X_val.copy()
        for j in columns:
            train, val = lab.X_train[:, j], lab.X_val[:, j]
            spread = float(np.nanstd(val))
            scale = float(np.nanstd(train)) / spread if spread > 0 else 1.0
            X_fixed[:, j] = (val - np.nanmean(val)) * scale + np.nanmean(train)
        predicted = lab.trainer.fit_predict(
            lab.X_train, lab.y_train, [lab.X_val, X_fixed], {"intervention": "pipeline_bug"}
        )
        assert isinstance(predicted, list)
        before, after = predicted
        return PairedOutcome(before, after, lab.y_val, lab.y_val, {"rescaled_features": features})

    description = f"rescale {', '.join(features)} in validation to the training mean and spread"
    return Plan(description, 1, run, {"features": features})


@intervention("pipeline_bug")
def apply_correction(finding: Finding, lab: Lab) -> Plan:
    """Correct the label mapping, or the rescaled features, and score again."""
    mapping = finding.data.get("mapping")
    if mapping is not None:
        return _relabel(lab, mapping)
    features = named_features(finding, lab.evidence.feature_names)
    if features:
        return _rescale(lab, features)
    raise SkipExperiment("the finding gives neither a label mapping (data['mapping']) nor rescaled features")
