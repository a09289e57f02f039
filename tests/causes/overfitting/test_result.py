"""The overfitting payload on real logs: it survives the JSON, draws the curves, and knows what explains it."""

from __future__ import annotations

from dataclasses import replace

import gapdoctor
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.findings import Finding
from gapdoctor.integrations.alerts import headline
from gapdoctor.ranking import rank
from tests.causes.payload_checks import assert_round_trips, captions, finding_from_log

_MARKED = "Training curves with this finding's epochs marked"


def test_a_turn_logged_by_steps_round_trips_and_marks_its_epochs() -> None:
    # Lightning CSV with step and epoch columns: validation loss turns up, the gap grows
    finding, diagnosis = finding_from_log("pl_imagebind_step_and_epoch_v23.csv", "overfitting.curves")
    result = finding.result
    assert isinstance(result, OverfittingCurves) and result.pattern == "turn"
    assert result.val_loss_min_step is not None and result.gap_onset_step is not None
    assert result.metric is None and "metric" not in finding.evidence  # no validation metric logged
    assert list(finding.evidence)[:3] == ["epochs", "val_loss_min", "val_loss_min_epoch"]
    assert result.explained_by() == ()
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == [_MARKED]
    assert set(result.markers) == {"best_epoch", "val_loss_min_epoch", "gap_onset_epoch"}


def test_a_plateau_is_also_explained_by_a_small_validation_set() -> None:
    # HF trainer_state.json, 5 evaluations: validation stopped improving, few points
    finding, diagnosis = finding_from_log("hf_codebert_clinical_f1.json", "overfitting.curves")
    result = finding.result
    assert isinstance(result, OverfittingCurves) and result.pattern == "plateau" and not finding.weak
    assert result.few_points == finding.evidence["few_points"] == result.epochs
    assert result.explained_by() == ("small_validation_set",)
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == [_MARKED]

    small = Finding("small_validation_set", 0.55, "the validation set is too small to show progress")
    assert finding.score > small.score
    assert [f.cause for f in rank([finding, small])] == ["small_validation_set", "overfitting"]
    assert [f.cause for f in rank([finding, Finding("small_validation_set", 0.3, "weak")])] == [
        "overfitting",
        "small_validation_set",
    ]


def test_a_turn_is_not_put_behind_a_small_validation_set() -> None:
    finding, _ = finding_from_log("hf_ner_biomed_lr1e-5.json", "overfitting.curves")
    assert isinstance(finding.result, OverfittingCurves) and finding.result.pattern == "turn"
    small = Finding("small_validation_set", 0.55, "the validation set is too small to show progress")
    assert [f.cause for f in rank([finding, small])] == ["overfitting", "small_validation_set"]


def test_a_turn_within_the_validation_rows_sampling_noise_waits_behind_a_reported_small_set() -> None:
    finding, _ = finding_from_log("hf_ner_biomed_lr1e-5.json", "overfitting.curves")
    result = finding.result
    assert isinstance(result, OverfittingCurves) and result.pattern == "turn"
    # a log without val_probs: the loss's sampling noise is unknown, so nothing is claimed about it
    assert result.turn_within_sampling_noise is None and result.val_loss_sampling_se is None
    small = Finding("small_validation_set", 0.55, "the validation set is too small to show progress")
    within = replace(finding, result=replace(result, turn_within_sampling_noise="yes"))
    assert [f.cause for f in rank([within, small])] == ["small_validation_set", "overfitting"]
    beyond = replace(finding, result=replace(result, turn_within_sampling_noise="no"))
    assert [f.cause for f in rank([beyond, small])] == ["overfitting", "small_validation_set"]
    # memorisation rests on a gap beyond the sampling noise: a small set does not explain it
    memorised = replace(result, pattern="memorised", turn_within_sampling_noise="yes")
    assert memorised.explained_by() == ()


def test_the_loop_alert_reads_the_onset_from_the_payload() -> None:
    history = {
        "train_loss": [2.0 * 0.85**t for t in range(40)],
        "val_loss": [1.0 - 0.04 * t if t < 15 else 0.4 + 0.02 * (t - 14) for t in range(40)],
    }
    finding = gapdoctor.diagnose(history=history).top
    assert finding is not None and isinstance(finding.result, OverfittingCurves)
    began = finding.evidence.get("gap_onset_epoch", finding.evidence["val_loss_min_epoch"])
    assert finding.result.began == began
    best = finding.evidence["best_epoch"]
    expected = f"overfitting began at epoch {began}; best val loss at epoch {best} (smoothed curve)"
    assert headline(finding) == expected
    assert headline(Finding.from_dict(finding.to_dict())) == expected  # a stored finding: rebuilt payload
