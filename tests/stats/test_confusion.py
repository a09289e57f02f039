"""A stack of confusion matrices scores each matrix as it would alone (property test)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given

from gapdoctor.stats.confusion import CONFUSION_METRICS, confusion_matrix, metric_from_confusion, metric_from_confusions
from tests.stats.metric_cases import PROPERTY, Case, cases, same


@PROPERTY
@given(case=cases(), other=cases())
def test_a_stack_of_confusion_matrices_scores_each_as_one(case: Case, other: Case) -> None:
    """The vectorised path (many matrices at once) gives each matrix's value alone."""
    (y, probs), (y2, probs2) = case, other
    k = max(probs.shape[1], probs2.shape[1])
    stack = np.stack(
        [
            confusion_matrix(y, probs.argmax(axis=1), k),
            confusion_matrix(y2, probs2.argmax(axis=1), k),
            np.zeros((k, k), dtype=np.int64),
        ]
    )
    for metric in CONFUSION_METRICS:
        together = metric_from_confusions(metric, stack)
        alone = [metric_from_confusion(metric, matrix) for matrix in stack]
        assert all(same(t, a) for t, a in zip(together.tolist(), alone, strict=True)), metric
        assert math.isnan(together[2])  # no row: no value
