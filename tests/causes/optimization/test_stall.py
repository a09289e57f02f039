"""The stall: a training loss that levelled off is no stall while the validation curves kept improving beyond their
noise after it (the model kept learning what the run measures), unless the training loss itself climbed back, a
learning-rate cut explains it or the rate was too small to move it."""

from __future__ import annotations

from pathlib import Path

import gapdoctor

DATA = Path(__file__).resolve().parents[2] / "data"


def _optimization(diagnosis: gapdoctor.Diagnosis) -> list[gapdoctor.Finding]:
    return [f for f in diagnosis.findings if f.cause == "optimization" and f.score >= 0.5]


def test_a_detector_whose_summed_terms_hold_still_while_its_map_climbs_is_no_stall() -> None:
    """YOLOv5 (tests/data/real_logs_heldout64): its objectness term rises while its box term falls, so the summed
    training loss falls 8% in 150 epochs; mAP@0.5 rises from 0.0003 to 0.88 and the validation loss falls 20%.
    Read before as a stall that "bounces on a plateau, a sign of a learning rate too high" (0.82)."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout64/yolo_custom_dataset_yolov5.csv")
    assert not _optimization(diagnosis), diagnosis.render()


def test_a_rate_too_small_to_move_the_loss_is_named_not_read_as_bouncing() -> None:
    """A Keras CNN at a learning rate of 1e-6 (tests/data/real_logs_heldout30): the loss fell 9% in 23 epochs, its
    batch noise rising in most late epochs. Read before as a plateau it bounces on, "a learning rate too high"."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout30/keras_brain_tumor_project.csv")
    (stalled,) = _optimization(diagnosis)
    assert "never exceeds 1e-06" in stalled.summary and "too high" not in stalled.summary
    assert stalled.fixes[0].startswith("Raise the learning rate")


def test_a_training_loss_that_climbed_back_stays_a_stall_whatever_validation_did() -> None:
    """A Lightning run (tests/data/real_logs_heldout2) whose training loss rose 27% over its last third, beyond its
    noise, while its validation curve still improved: the rise is the optimiser's own evidence."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout2/pl_dungquanphung_main_v0.csv")
    (stalled,) = _optimization(diagnosis)
    assert "climbed back over the last third" in stalled.summary


def test_a_stall_whose_validation_also_stalled_is_reported() -> None:
    """A Lightning run's console (tests/data/real_logs_heldout27): training loss at ln 2 throughout, validation
    accuracy wandering 0.45-0.54 around chance while the validation loss holds still at 0.69: the accuracy's
    wobble is no learning the loss shares, and the stall stays."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout27/pl_txt_brain_connectivity_gcn.log")
    assert diagnosis.top is not None and diagnosis.top.cause == "optimization", diagnosis.render()
    learnt = diagnosis.top.evidence["val_learnt_after_stall"]  # the accuracy's wobble, which the loss lacks: said
    assert 0 < learnt < 0.5 and diagnosis.top.score >= 0.5
