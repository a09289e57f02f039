"""label_noise.confident_learning: a final model still learning fast stands ahead of its out-of-fold models.

Recorded inputs of two healthy corpus runs stopped early in training (never-read seeds 2204 and
2238: a logistic regression after 11-12 epochs at a rate of 3e-4 / 5e-4, on synthetic_wide and on
breast cancer), read byte-for-byte from ``tests/data/corpus/healthy_early_seed*.npz``: the arrays
:func:`gapdoctor.diagnose` received from the corpus generator (``python -m gapdoctor.bench.corpus``,
seeds 2204 and 2238; scenario features left out). Before the out-of-fold lag they were reported as
label noise at 0.81 and 0.92.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.label_noise.control import out_of_fold_lag
from gapdoctor.causes.label_noise.memorisation import memorisation_of
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.inputs.history import RunHistory
from tests.causes.label_noise.test_check_overlap import _inputs as overlap_inputs
from tests.causes.label_noise.test_check_overlap import _recorded as overlap_recorded
from tests.data.recording import corpus_inputs


def _inputs(seed: int) -> dict[str, Any]:
    return corpus_inputs(f"healthy_early_seed{seed}")


def _label_noise(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding | None:
    return next((f for f in diagnosis.findings if f.check == "label_noise.confident_learning"), None)


@pytest.mark.parametrize("seed", [2204, 2238])
def test_a_healthy_run_stopped_while_still_learning_is_not_label_noise(seed: int) -> None:
    inputs = _inputs(seed)
    # out-of-fold models below the majority class: far behind the final model that reads the control
    out_of_fold_accuracy = float((inputs["train_probs"].argmax(1) == inputs["y_train"]).mean())
    assert out_of_fold_accuracy < np.bincount(inputs["y_train"]).max() / len(inputs["y_train"])
    lag = out_of_fold_lag(RunHistory.from_any(inputs["history"]))
    assert lag > 0.02
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    finding = _label_noise(diagnosis)
    assert finding is None or finding.score < 0.5
    assert not any(f.score >= 0.5 for f in diagnosis.findings)  # healthy: nothing reported
    # without the validation curve the lag is unknown and the bare control lets the estimate through
    without_curve = {**inputs, "history": {k: v for k, v in inputs["history"].items() if k != "val_accuracy"}}
    bare = _label_noise(gapdoctor.diagnose(**without_curve, metric="accuracy"))
    assert bare is not None and bare.score >= 0.5
    assert bare.evidence["noise_rate_pct"] > bare.evidence["validation_control_rate_pct"] + 5


@pytest.mark.parametrize("seed", [113, 385])
def test_converged_runs_keep_their_control(seed: int) -> None:
    run = overlap_recorded()[0]["runs"][str(seed)]
    assert out_of_fold_lag(RunHistory.from_any(run["history"])) < 0.01
    finding = _label_noise(gapdoctor.diagnose(history=run["history"], **overlap_inputs(seed)))
    assert finding is not None and finding.score >= 0.5 and "still gaining" not in finding.summary


def test_the_raised_control_is_said_and_recorded() -> None:
    inputs = _inputs(2238)
    finding = _label_noise(gapdoctor.diagnose(**inputs, metric="accuracy"))
    assert finding is not None
    lag = finding.evidence["out_of_fold_lag_pct"]
    assert lag > 3 and f"raised by {lag:.1f} points" in finding.summary
    assert finding.evidence["floor_pct"] > finding.evidence["validation_control_rate_pct"] + lag


def test_rows_not_yet_fitted_in_a_run_still_learning_do_not_corroborate() -> None:
    inputs = _inputs(2238)  # 12 epochs, the bulk of the rows fitted at epoch 10
    memo = memorisation_of(build_evidence(y_train=inputs["y_train"], sample_losses=inputs["sample_losses"]))
    assert memo.n_epochs < memo.late_after and not memo.lasted
    without_curve = {**inputs, "history": {k: v for k, v in inputs["history"].items() if k != "val_accuracy"}}
    finding = _label_noise(gapdoctor.diagnose(**without_curve, metric="accuracy"))
    assert finding is not None and "being memorised" not in finding.summary
    assert finding.evidence["late_fitted_share_of_flagged_pct"] > 50  # unfitted rows, but no memorisation to read
