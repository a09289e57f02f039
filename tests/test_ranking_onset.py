"""The ranking rule's order in time: a root cause that began after the symptom it would explain did not cause it.

On real logs (held-out sets 145, 174 and 56) and on their findings with the root's onset moved."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import gapdoctor
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.ranking import rank

DATA = Path(__file__).resolve().parent / "data"
# A time-series forecaster (Lightning, TensorBoard): validation loss lowest at epoch 4, up 13% by epoch 50; the
# learning rate cut tenfold at epoch 9, after which the training loss crawled (a stall, 0.85).
CUT_AFTER_THE_TURN = DATA / "real_logs_heldout174" / "tb_pl_time_series_prediction_benchmark_v195.tfevents"


def _findings(path: Path) -> dict[str, Finding]:
    return {f.cause: f for f in gapdoctor.diagnose(history=path).findings}


def test_a_stall_that_set_in_after_the_turn_does_not_go_ahead_of_it() -> None:
    """Before, the stall (0.85) headed the overfitting (0.99) it was said to explain, though it set in five epochs
    after the validation loss turned."""
    diagnosis = gapdoctor.diagnose(history=CUT_AFTER_THE_TURN)
    top, second = diagnosis.findings[:2]
    assert (top.cause, second.cause) == ("overfitting", "optimization")
    assert top.score > second.score and top.ranked_ahead_because is None
    assert second.result is not None and top.result is not None
    assert second.result.onset > top.result.onset  # type: ignore[attr-defined]
    stored = Diagnosis.from_dict(diagnosis.to_dict())  # a stored diagnosis ranks as the live one did
    assert [f.cause for f in rank(stored.findings)][:2] == ["overfitting", "optimization"]


def test_the_same_stall_set_in_before_the_turn_still_goes_ahead_and_says_why() -> None:
    found = _findings(CUT_AFTER_THE_TURN)
    stall, turn = found["optimization"], found["overfitting"]
    earlier = dataclasses.replace(stall.result, stall_epoch=2, lr_cut_epoch=None)  # type: ignore[type-var]
    ranked = rank([turn, dataclasses.replace(stall, result=earlier)])
    assert [f.cause for f in ranked] == ["optimization", "overfitting"]
    assert ranked[0].ranked_ahead_because is not None and "optimization explains it" in ranked[0].ranked_ahead_because


def test_a_root_whose_evidence_places_no_onset_still_explains() -> None:
    """An unstable loss is unstable throughout (a YOLO classifier's of held-out set 56): no onset, so it goes ahead
    of the overfitting it explains, as before."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout56" / "yolo_medicine_photo_cls.csv")
    top = diagnosis.findings[0]
    assert top.cause == "optimization" and top.result is not None and top.result.onset is None
    assert top.ranked_ahead_because is not None and "overfitting" in top.ranked_ahead_because
