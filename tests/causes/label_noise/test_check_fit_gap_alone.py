"""label_noise.confident_learning: the fit gap read as a noise estimate of its own, where the control fails.

Recorded inputs of three held-out corpus runs with 31-32% of the training labels flipped (breast
cancer; a torch MLP, seed 2657, and scikit-learn MLPs, seeds 4049 and 1505, 66-71 epochs without
weight decay), read byte-for-byte from ``tests/data/corpus/memorised_labels_seed*.npz``: the arrays
:func:`gapdoctor.diagnose` received from the corpus generator (``python -m gapdoctor.bench.corpus``,
those seeds; scenario features left out). The final model memorised the flips and errs on 39-41% of
the validation rows, so the validation control it reads (36-40%) stands above the low end of the
out-of-fold estimate (34-37%): label noise scored 0.08-0.16 and overfitting, its symptom, headed. At its best
validation epoch the same model fitted its training labels 15-20 points worse than the validation
labels (z 4.4-5.4), which no run without wrong training labels did on the corpus. A gap within its noise
counts for nothing of its own (``small_split_gap_seed1060.npz``, recorded the same way).
"""

from __future__ import annotations

from typing import Any

import pytest

import gapdoctor
from gapdoctor.causes.label_noise.score import GAP_ALONE_Z, gap_ratio
from tests.data.recording import corpus_inputs


def _inputs(seed: int) -> dict[str, Any]:
    return corpus_inputs(f"memorised_labels_seed{seed}")


def _label_noise(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding | None:
    return next((f for f in diagnosis.findings if f.check == "label_noise.confident_learning"), None)


@pytest.mark.parametrize("seed", [2657, 4049, 1505])
def test_a_fit_gap_significant_alone_reports_label_noise_the_damaged_control_swallowed(seed: int) -> None:
    inputs = _inputs(seed)
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    finding = _label_noise(diagnosis)
    assert finding is not None and finding.score >= 0.5
    assert diagnosis.reported[0].cause == "label_noise"
    evidence = finding.evidence
    # the estimate's interval does not clear the control: only the fit gap can carry the finding
    assert evidence["noise_rate_low_pct"] < evidence["validation_control_rate_pct"]
    assert evidence["fit_gap_z"] >= GAP_ALONE_Z and evidence["fit_gap_pct"] >= 10
    assert "That gap alone shows wrong labels" in finding.summary
    # without the accuracy curves there is no fit gap, and the control swallows the estimate as before
    history = {k: v for k, v in inputs["history"].items() if not k.endswith("accuracy")}
    bare = _label_noise(gapdoctor.diagnose(**{**inputs, "history": history}, metric="accuracy"))
    assert bare is None or bare.score < 0.5


def test_a_fit_gap_within_its_noise_is_no_estimate_of_its_own() -> None:
    # never-read corpus seed 1060: clean labels, 24 validation rows (a small split, its injected cause)
    inputs = corpus_inputs("small_split_gap_seed1060")
    assert len(inputs["y_val"]) == 24
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    finding = _label_noise(diagnosis)
    assert finding is not None and finding.evidence["fit_gap_z"] < 1.0 < finding.evidence["fit_gap_pct"]
    assert gap_ratio(finding.evidence["fit_gap_pct"] / 100, finding.evidence["fit_gap_z"]) == 0.0
    # its flagged rows are fitted late (corroboration), which lifted the capped ratio past 0.5 when it counted
    assert finding.evidence["late_fitted_share_of_flagged_pct"] > 50
    assert finding.score < 0.5
    assert diagnosis.reported[0].cause == "small_validation_set"
