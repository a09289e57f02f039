"""Diagnosis from the loop: the recorder's own evidence is dropped when rejected; alerts once each."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from gapdoctor.integrations.alerts import diagnose_loop_evidence, loop_evidence
from gapdoctor.integrations.guard import ErrorGuard

HISTORY = {"train_loss": [1.0, 0.8, 0.6, 0.5, 0.4], "val_loss": [1.0, 0.9, 0.85, 0.8, 0.78]}


def test_rejected_own_evidence_is_dropped_and_said_once(caplog: pytest.LogCaptureFixture) -> None:
    y_train = np.array([0, 1] * 10)
    own = loop_evidence([[0.5] * 4, [-1.0, 0.2, 0.3, np.inf]], np.arange(4), ["cat"] * 20)  # negative; wrong labels
    assert np.isnan(own["sample_losses"][1, 3]), "an infinite per-row loss means not measured"
    arguments = {"history": HISTORY, "y_train": y_train, **own}
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        diagnosis = diagnose_loop_evidence(arguments, set(own), ErrorGuard())
    assert any(run.status == "ran" for run in diagnosis.checks)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "sample_losses" in said[0] + said[1] and "train_label_order" in said[0] + said[1]


def test_what_the_user_passed_is_never_dropped() -> None:
    from gapdoctor import GapdoctorInputError

    arguments = {"history": HISTORY, "y_train": np.array([0, 1]), "train_label_order": ["cat", "dog"]}
    with pytest.raises(GapdoctorInputError, match="train_label_order"):
        diagnose_loop_evidence(arguments, set(), ErrorGuard())
