"""A validation accuracy that sat still is one answer for every row only if it is one class's share of the rows.

A corpus run recorded once by tests/data/record_frozen_near_ceiling.py: a logistic regression on a well-separated
balanced binary task, its validation accuracy 0.9986 (730 of 731 rows) at each of its last 45 evaluations. The
losses allowed one answer (an input-free guess's loss bound at 0.9986 is 0.011 nats), so optimization's frozen
decisions headlined it at 0.98: "as when it gives one class to every row". With the validation labels given, one
answer scores a class's share, about 0.5 here, and 0.9986 is none: the decisions froze because they were right.
"""

from __future__ import annotations

import numpy as np

import gapdoctor
from gapdoctor.causes.optimization.frozen import frozen_decisions
from gapdoctor.inputs.history import RunHistory
from tests.data.recording import corpus_inputs


def test_an_accuracy_frozen_one_row_below_its_ceiling_is_saturation_not_one_answer() -> None:
    inputs = corpus_inputs("frozen_near_ceiling_seed110746")
    y_val = np.asarray(inputs["y_val"])
    shares = np.bincount(y_val) / len(y_val)
    history = RunHistory.from_any(inputs["history"])
    accuracy = history.get("val_accuracy")
    assert accuracy is not None and np.all(accuracy[-45:] == accuracy[-1]) and round(accuracy[-1] * 731) == 730
    assert frozen_decisions(history) is not None  # without the labels, the curves alone allow one answer
    assert frozen_decisions(history, len(y_val), shares) is None  # no class holds 99.86% of the rows
    diagnosis = gapdoctor.diagnose(**inputs)
    assert diagnosis.top is not None and diagnosis.top.cause == "metric_saturation", diagnosis.reported
    assert not any(f.cause == "optimization" for f in diagnosis.reported), diagnosis.reported


def test_an_accuracy_frozen_at_the_majority_share_is_still_one_answer() -> None:
    """The same run's history with labels in the shares its frozen value is: 0.9986 of the rows in one class."""
    inputs = corpus_inputs("frozen_near_ceiling_seed110746")
    history = RunHistory.from_any(inputs["history"])
    one_class = np.array([730 / 731, 1 / 731])
    assert frozen_decisions(history, 731, one_class) is not None
