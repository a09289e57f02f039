"""label_noise.confident_learning: a fit gap read from a model that had not learnt the classes is no test.

Recorded inputs of never-read held-out corpus runs without wrong training labels, each headlined
``label_noise`` at 0.98 before (``tests/data/record_small_validation_luck.py``):

- seed 16728: validation labels encoded in another order. At its best validation epoch, the second, the
  model was 9.9% accurate on its three training classes (34% by chance) and 62% on the relabelled
  validation rows: a "gap" of 52 points from a mismatch learnt, not from wrong labels contradicted;
- seed 16836: 19 validation rows, all right at the best validation epoch (a known limitation, below).
"""

from __future__ import annotations

import pytest

import gapdoctor
from gapdoctor.causes.label_noise.fit_gap import best_epoch_gap, fit_gap_of
from gapdoctor.causes.label_noise.score import GAP_ALONE_Z
from gapdoctor.inputs.evidence import build_evidence
from tests.data.recording import corpus_inputs


def _label_noise(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding | None:
    return next((f for f in diagnosis.findings if f.check == "label_noise.confident_learning"), None)


def test_a_model_that_has_not_learnt_the_classes_has_no_fit_gap() -> None:
    inputs = corpus_inputs("relabelled_validation_seed16728")
    evidence = build_evidence(**inputs, metric="accuracy")
    gap = best_epoch_gap(evidence)
    assert gap is not None and gap.gap > 0.5 and gap.z > GAP_ALONE_Z and gap.closed
    assert gap.train_error > gap.chance_error and not gap.learnt
    assert fit_gap_of(evidence) is None
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    finding = _label_noise(diagnosis)
    assert finding is None or finding.score < 0.5
    assert all(f.cause != "label_noise" for f in diagnosis.reported)


@pytest.mark.parametrize("seed", [2657, 4049, 1505])
def test_models_that_learnt_the_classes_under_wrong_labels_keep_their_gap(seed: int) -> None:
    # 31-32% flipped labels (test_check_fit_gap_alone.py): the training curve errs more than on clean
    # labels, yet less than chance
    gap = fit_gap_of(build_evidence(**corpus_inputs(f"memorised_labels_seed{seed}"), metric="accuracy"))
    assert gap is not None and gap.learnt and gap.z >= GAP_ALONE_Z
    assert 0.2 < gap.train_error < gap.chance_error


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: 19 validation rows all right at the best epoch give a fit gap of z 2.6 that lowers "
    "the control's bar, and 0 of the same 19 rows flagged is the control. Taking the gap's variance under its null "
    "(pooled accuracy) and counting the two tests' shared validation rows once (Stouffer for correlated tests) "
    "removes this alarm and seed 16068's, but costs 11 label-noise headlines on runs with wrong labels (wine, "
    "47-62 validation rows, carried by the gap alone at z 2.8-3.4): held-out -9 on 5,406 runs. Measured, not built.",
)
def test_a_lucky_small_validation_split_does_not_headline_label_noise() -> None:
    inputs = corpus_inputs("small_validation_luck_seed16836")
    assert len(inputs["y_val"]) == 19
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    finding = _label_noise(diagnosis)
    assert finding is None or finding.score < 0.5
