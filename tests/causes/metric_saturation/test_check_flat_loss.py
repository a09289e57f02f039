"""A metric at its ceiling under a validation loss that stays within its sampling band: saturation.

Corpus seed 138, recorded once by tests/data/record_saturation_flat_loss.py: a logistic regression
on make_classification, ROC AUC flat at 0.997 on 494 validation rows from epoch 9 of 65, the
training loss down 27% over the second half, the validation loss from 0.082 to 0.085 (3%, with a
standard error over the rows of about 0.02). The check read any rise of the validation loss as
memorisation and reported nothing; a change inside the loss's own sampling band is no rise, and the
training loss's fall is then the gain the metric cannot show. A rise beyond the band still is
memorisation (the control below), and a log without validation probabilities has no band: its
rise is read as measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import gapdoctor
from gapdoctor.causes.metric_saturation.loss_noise import val_loss_flat
from gapdoctor.causes.overfitting.sampling import val_loss_sampling_se
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import smooth

FIXTURE = Path(__file__).parents[2] / "data" / "saturation_flat_loss.json"
RUN: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))["runs"]["corpus-seed138"]


def _inputs(history: dict[str, list[float]] | None = None) -> dict[str, Any]:
    return {
        "history": history or RUN["history"],
        "metric": RUN["metric"],
        "y_val": np.asarray(RUN["y_val"], dtype=np.int64),
        "val_probs": np.asarray(RUN["val_probs"], dtype=np.float64),
    }


def _second_half_rise(values: list[float]) -> float:
    smoothed = smooth(np.asarray(values, dtype=np.float64))
    return float(smoothed[-1] - smoothed[len(smoothed) // 2])


def test_the_recorded_run_is_at_its_ceiling_under_a_slightly_rising_validation_loss() -> None:
    auc = np.asarray(RUN["history"]["val_roc_auc"])
    assert auc[len(auc) // 2 :].min() > 0.996
    rise = _second_half_rise(RUN["history"]["val_loss"])
    inputs = _inputs()
    se = val_loss_sampling_se(
        Evidence(y_val=inputs["y_val"], val_probs=inputs["val_probs"], val_size=len(inputs["y_val"]))
    )
    assert se is not None and 0 < rise < 1.96 * np.sqrt(2) * se


def test_a_ceiling_under_a_validation_loss_within_its_band_is_saturation() -> None:
    diagnosis = gapdoctor.diagnose(**_inputs())
    top = diagnosis.top
    # before: no saturation finding at all (the validation loss's 3% rise read as memorisation)
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5
    assert top.evidence["val_loss_change_second_half_pct"] > 0


def test_the_same_ceiling_under_a_validation_loss_rising_beyond_its_band_is_not() -> None:
    history = {k: list(v) for k, v in RUN["history"].items()}
    half = len(history["val_loss"]) // 2
    # the validation loss climbs 0.3 over the second half: 15 standard errors, memorisation
    history["val_loss"] = [*history["val_loss"][:half], *np.linspace(history["val_loss"][half], 0.4, half + 1)]
    diagnosis = gapdoctor.diagnose(**_inputs(history))
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")


def test_without_validation_probabilities_the_rise_is_read_as_measured() -> None:
    diagnosis = gapdoctor.diagnose(history=RUN["history"], metric=RUN["metric"], y_val=np.asarray(RUN["y_val"]))
    assert not [f for f in diagnosis.findings if f.cause == "metric_saturation" and f.score >= 0.5]


def test_val_loss_flat_reads_the_band_on_the_validation_rows() -> None:
    inputs = _inputs()
    evidence = Evidence(y_val=inputs["y_val"], val_probs=inputs["val_probs"], val_size=len(inputs["y_val"]))
    loss = np.asarray(RUN["history"]["val_loss"])
    assert val_loss_flat(loss, evidence)
    assert not val_loss_flat(loss + np.linspace(0.0, 0.3, len(loss)), evidence)
    assert not val_loss_flat(loss, Evidence())  # no band without the validation rows
