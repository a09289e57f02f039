"""A validation metric that levelled off at its ceiling had no room to improve: its plateau is no overfitting.

Found on a held-out real log collected blind (``real_logs_heldout73/yolo_beer_bottle_classifier_cls.csv``, an
Ultralytics classifier at 99.95% validation accuracy from epoch 24 of 70): the plateau read as "validation stopped
improving at epoch 35", overfitting 0.65, with the gain of its fix "accuracy 1.000 -> 1.000". The same curves with the
accuracy lowered by 2 points or more keep their plateau: the room left, not the shape, is what changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gapdoctor
from gapdoctor.causes.overfitting.score import PLATEAU_HEADROOM, ceiling_room
from gapdoctor.io import read_history

LOG = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout73" / "yolo_beer_bottle_classifier_cls.csv"


def _curves(lowered_by: float) -> dict[str, list[float]]:
    series = read_history(LOG).series
    curves = {name: [float(v) for v in series[name]] for name in ("train_loss", "val_loss", "val_accuracy")}
    curves["val_accuracy"] = [v - lowered_by for v in curves["val_accuracy"]]
    return curves


def _overfitting(diagnosis: gapdoctor.Diagnosis) -> float:
    return max((f.score for f in diagnosis.findings if f.cause == "overfitting"), default=0.0)


def test_a_real_classifier_at_its_ceiling_is_not_read_as_overfitting() -> None:
    diagnosis = gapdoctor.diagnose(history=LOG)
    assert _overfitting(diagnosis) < 0.5 and diagnosis.healthy, diagnosis.render()


@pytest.mark.parametrize("lowered_by", [0.02, 0.05, 0.10])
def test_the_same_plateau_with_room_left_is_overfitting(lowered_by: float) -> None:
    diagnosis = gapdoctor.diagnose(history=_curves(lowered_by))
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and not top.weak, diagnosis.findings
    assert "stopped improving" in top.summary


def test_a_validation_loss_that_turns_is_not_scaled_by_the_ceiling() -> None:
    """At 99.95% accuracy a validation loss that climbs back far beyond its noise is still a turn."""
    curves = _curves(0.0)
    n = len(curves["val_loss"])
    curves["val_loss"] = [0.05 - 0.001 * t if t < 30 else 0.02 + 0.004 * (t - 29) for t in range(n)]
    diagnosis = gapdoctor.diagnose(history=curves)
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and not top.weak, diagnosis.findings
    assert "rose" in top.summary


def test_the_room_a_plateau_keeps() -> None:
    assert ceiling_room(0.0) == 0.0 and ceiling_room(PLATEAU_HEADROOM / 2) == 0.5
    assert ceiling_room(PLATEAU_HEADROOM) == ceiling_room(0.4) == 1.0
