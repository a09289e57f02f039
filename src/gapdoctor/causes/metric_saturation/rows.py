"""The validation rows behind a saturation finding: those left wrong, and the fewest a metric's gain takes.

Accuracy and error count rows directly (the share of rows wrong); ROC AUC moves by at most one over
the smaller class per row; F1, balanced accuracy and other decision metrics are not a share of
rows, so their wrong rows are counted from the validation probabilities' decisions.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import info_of
from gapdoctor.inputs.evidence import Evidence

__all__ = ["rows_gained", "rows_wrong"]


def rows_wrong(evidence: Evidence, name: str, headroom: float) -> int | None:
    """Validation rows the model gets wrong, where they are known (None elsewhere).

    Accuracy or error: the headroom is the share of rows wrong, ``headroom * n``. Other decision
    metrics (F1, balanced accuracy...) are not a share of rows: 18% short of F1's ceiling can be 20
    rows of 1,200, so the rows are counted from the validation decisions (``Evidence.val_confusion``).

    Examples
    --------
    >>> import numpy as np
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> y = np.array([0] * 95 + [1] * 5)
    >>> probs = np.column_stack([1 - y, y]).astype(float)
    >>> probs[[0, 95]] = probs[[0, 95], ::-1]  # one false positive, one false negative
    >>> rows_wrong(build_evidence(y_val=y, val_probs=probs, metric="f1"), "f1", 0.4)
    2
    >>> rows_wrong(build_evidence(y_val=y, metric="f1"), "f1", 0.4) is None
    True
    """
    if evidence.y_val is None:
        return None
    if name in ("accuracy", "error"):
        return round(headroom * len(evidence.y_val))
    confusion = evidence.val_confusion  # true x predicted at the model's decisions, counted once per diagnosis
    if info_of(evidence, name).thresholded and confusion is not None:
        return int(confusion.sum() - np.trace(confusion))
    return None


def rows_gained(evidence: Evidence, name: str, gain: float) -> float | None:
    """The fewest validation rows whose change moves the metric by ``gain`` (None where they are not known).

    Accuracy or error: ``gain * n`` rows. ROC AUC (two classes): one row moves it by at most one
    over the smaller class's rows, so ``gain * min(n_pos, n_neg)``. Other metrics: None.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import Evidence
    >>> rows_gained(Evidence(val_size=535), "accuracy", 0.0019) < 2
    True
    >>> rows_gained(Evidence(), "accuracy", 0.0019) is None
    True
    """
    if name in ("accuracy", "error") and evidence.val_size is not None:
        return gain * evidence.val_size
    if name == "roc_auc" and evidence.y_val is not None and evidence.n_classes == 2:
        counts = np.bincount(evidence.y_val, minlength=2)
        return gain * float(counts.min())
    return None
