"""Pipeline bug: apply the detected correction and score again.

- A :class:`~gapdoctor.causes.pipeline_bug.result.LabelEncoding` finding: its ``mapping``
  (the validation label written ``classes[i]`` truly is ``val_label_to_true[i]``) corrects
  the validation labels and the same predictions are scored again. No fit.
- A :class:`~gapdoctor.causes.pipeline_bug.result.SplitPreprocessing` finding: its
  ``features`` are taken as rescaled in validation (every feature, when its ``pattern``
  says a whole split was standardised or min-max scaled): their validation values are
  mapped back onto the training mean and spread, and the baseline model predicts again.
- A :class:`~gapdoctor.causes.pipeline_bug.result.MisalignedRows` finding on ``y_val`` that names its
  ``label_offset``: each validation label is paired with the predictions for the row it belongs to
  (``offset`` rows away) and scored again, against as given on the same rows. No fit.
- A :class:`~gapdoctor.causes.pipeline_bug.result.CollapsedPredictions` finding (every validation row pinned to
  one class): every validation feature is mapped onto the training mean and spread, as for a whole split
  standardised on one side, and the baseline model predicts again (needs the features).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.pipeline_bug.offsets import paired_rows
from gapdoctor.causes.pipeline_bug.result import (
    CollapsedPredictions,
    LabelEncoding,
    LabelMapping,
    MisalignedRows,
    SplitPreprocessing,
)
from gapdoctor.experiments.features import named_features
from gapdoctor.experiments.lab import Lab, PairedOutcome, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


def corrected_labels(lab: Lab, mapping: LabelMapping) -> np.ndarray:
    """Encoded validation labels after applying ``mapping``; SkipExperiment if unusable.

    A mapping read back from a stored finding is checked: equal-length lists of labels
    that exist in the data.
    """
    if not isinstance(mapping, dict):  # a stored finding's data, not the check's own
        raise SkipExperiment("the label mapping is not a mapping")
    given, true = mapping.get("classes"), mapping.get("val_label_to_true")
    if not isinstance(given, list) or not isinstance(true, list) or len(given) != len(true):
        raise SkipExperiment("the label mapping needs equal-length lists 'classes' and 'val_label_to_true'")
    encode = {str(c): i for i, c in enumerate(lab.evidence.classes)}
    unknown = sorted({str(v) for v in given + true} - set(encode))
    if unknown:
        raise SkipExperiment(f"the label mapping names labels not in the data: {unknown[:5]}")
    table = np.arange(lab.evidence.n_classes)
    for g, t in zip(given, true, strict=True):
        table[encode[str(g)]] = encode[str(t)]
    if np.array_equal(table, np.arange(lab.evidence.n_classes)):
        raise SkipExperiment("the label mapping maps every label to itself")
    return np.asarray(table[lab.y_val], dtype=np.int64)


def _val_probs(lab: Lab) -> np.ndarray:
    """The run's own validation probabilities, else the baseline model's: the predictions a label fix re-scores."""
    return lab.evidence.val_probs if lab.evidence.val_probs is not None else lab.baseline()


def _relabel(lab: Lab, mapping: LabelMapping) -> Plan:
    y_fixed = corrected_labels(lab, mapping)

    def run() -> PairedOutcome:
        probs = _val_probs(lab)
        changed = int((y_fixed != lab.y_val).sum())
        return PairedOutcome(probs, probs, lab.y_val, y_fixed, {"labels_changed": changed})

    return Plan("apply the detected validation label mapping and re-score", 0, run, {"mapping": mapping})


def _realign(lab: Lab, offset: int) -> Plan:
    n = len(lab.y_val)
    if not 0 < abs(offset) < n:
        raise SkipExperiment(f"a label offset of {offset} rows does not fit {n} validation rows")
    rows = paired_rows(n, offset)  # label i belongs to row i + offset

    def run() -> PairedOutcome:
        probs = _val_probs(lab)
        y = lab.y_val[rows]
        return PairedOutcome(probs[rows], probs[rows + offset], y, y, {"label_offset": offset, "rows": len(rows)})

    way = "earlier" if offset < 0 else "later"
    return Plan(
        f"pair each validation label with the row {abs(offset)} {way} and re-score", 0, run, {"label_offset": offset}
    )


_WHOLE_SPLIT_PATTERNS = frozenset({"standardised", "min-max"})
"""Rescaling patterns in which a scaler was applied to one whole split: the correction maps
every column back, not only the (at most six) features the finding plots."""


def _rescale(lab: Lab, features: list[str], what: str) -> Plan:
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

    description = f"rescale {what} in validation to the training mean and spread"
    return Plan(description, 1, run, {"features": features})


@intervention("pipeline_bug")
def apply_correction(finding: Finding, lab: Lab) -> Plan:
    """Correct the label mapping, the validation labels' offset, or the rescaled features (every feature for
    predictions collapsed onto one class), and score again."""
    result = payload_of(finding)
    if isinstance(result, LabelEncoding):
        return _relabel(lab, result.mapping)
    if isinstance(result, MisalignedRows) and result.split == "y_val" and result.label_offset is not None:
        return _realign(lab, int(result.label_offset))
    whole_split = isinstance(result, SplitPreprocessing) and result.pattern in _WHOLE_SPLIT_PATTERNS
    if isinstance(result, CollapsedPredictions) or whole_split:
        every = list(lab.evidence.feature_names)
        return _rescale(lab, every, f"every feature ({len(every)})")
    if isinstance(result, SplitPreprocessing):
        features = named_features(result, lab.evidence.feature_names)
        if not features:
            raise SkipExperiment("the finding names no feature of X_val to rescale")
        return _rescale(lab, features, ", ".join(features))
    raise SkipExperiment(
        f"the finding gives no label mapping ({LabelEncoding.CHECK}), no offset of the validation labels "
        f"({MisalignedRows.CHECK}) and no rescaled features ({SplitPreprocessing.CHECK}, "
        f"{CollapsedPredictions.CHECK}): "
        f"{finding.check or 'an untyped finding'}"
    )
