"""A detector whose training box and dfl losses are 0 at every epoch trained on images without objects.

The real Ultralytics log of held-out set sixteen whose training labels never reached it (read as overfitting
before: its validation loss rises while the class loss learns background), the other eleven real Ultralytics logs
of that set (none read so), and the boundaries on a results.csv in Ultralytics' layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gapdoctor
from gapdoctor.io import read_history

CHECK = "pipeline_bug.empty_training_targets"
YOLO = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout16"
HEADER = (
    "epoch,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),"
    "metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2"
)


def test_the_real_log_of_a_detector_trained_without_labels() -> None:
    diagnosis = gapdoctor.diagnose(history=YOLO / "yolo_anemia2.csv")
    top = diagnosis.top
    assert top is not None and not top.weak and top.check == CHECK, diagnosis.findings
    assert top.evidence["terms"] == "box, dfl" and top.evidence["points_logged"] == 50
    assert "No labels found" in top.fixes[0]
    assert read_history(YOLO / "yolo_anemia2.csv").empty_train_terms == ("box", "dfl")


@pytest.mark.parametrize("log", sorted(p.name for p in YOLO.glob("yolo_*.csv") if p.name != "yolo_anemia2.csv"))
def test_real_detectors_with_labels_are_not_read_so(log: str) -> None:
    diagnosis = gapdoctor.diagnose(history=YOLO / log)
    assert not [f for f in diagnosis.findings if f.check == CHECK]


@pytest.mark.parametrize(
    ("train_box", "val_box", "read"),
    [
        ("0", "3.1", True),  # nothing to localise in training, objects on validation
        ("0", "0", False),  # no objects anywhere: nothing tells the splits apart here
        ("0.00001", "3.1", False),  # a tiny loss is still a loss: objects were there
    ],
)
def test_which_zero_terms_read_as_empty_targets(tmp_path: Path, train_box: str, val_box: str, read: bool) -> None:
    rows = [
        f"{e},{train_box},{1 / e:.4f},{1 + 1 / e:.4f},0.1,0.1,0.05,0.02,{val_box},{1.2 + e / 50:.4f},1.5,"
        "0.001,0.001,0.001"
        for e in range(1, 11)
    ]
    log = tmp_path / "results.csv"
    log.write_text("\n".join([HEADER, *rows]) + "\n")
    found = [f for f in gapdoctor.diagnose(history=log).findings if f.check == CHECK]
    assert bool(found) is read
    if read:
        assert found[0].evidence["terms"] == "box"  # the dfl loss trains: not named
