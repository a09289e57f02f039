"""A detector's loss logged only as its weighted terms (Ultralytics YOLO): their sum is read as the loss.

Real files (``tests/data/yolo_logs/``, sources in its README): YOLOv5's and YOLOv8's ``results.csv``, the
TensorBoard file of the same YOLOv8 run, and a YOLO11 ``results.csv`` (a ``time`` column, epochs from 1).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.loss_terms import summed_loss_terms
from gapdoctor.io import read_history

YOLO = Path(__file__).resolve().parents[1] / "data" / "yolo_logs"


def _columns(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [name.strip() for name in rows[0]]
    return {name: np.array([float(row[i]) for row in rows[1:]]) for i, name in enumerate(header)}


@pytest.mark.parametrize(
    ("file", "terms", "epochs"),
    [
        ("yolov5_results.csv", ("box", "obj", "cls"), 150),
        ("yolov8_results.csv", ("box", "cls", "dfl"), 25),
        ("yolo11_results.csv", ("box", "cls", "dfl"), 50),
    ],
)
def test_results_csv_reads_the_sum_of_each_splits_terms(file: str, terms: tuple[str, ...], epochs: int) -> None:
    columns = _columns(YOLO / file)
    history = read_history(YOLO / file)
    assert history.unit == "epoch" and history.n_points == epochs
    assert history.epochs is not None and history.epochs.tolist() == list(range(1, epochs + 1))
    for split in ("train", "val"):
        expected = sum(columns[f"{split}/{term}_loss"] for term in terms)
        assert np.allclose(history.get(f"{split}_loss"), expected, rtol=1e-12), split  # type: ignore[arg-type]
    map_name = "metrics/mAP_0.5:0.95" if "metrics/mAP_0.5:0.95" in columns else "metrics/mAP50-95(B)"
    assert np.allclose(history.get("val_map"), columns[map_name])  # type: ignore[arg-type]
    assert history.has("val_map_50") and history.has("val_precision") and history.has("val_recall")
    assert any("sum of the detector's weighted loss terms" in note for note in history.notes)
    assert "time" not in history.ignored
    diagnosis = gapdoctor.diagnose(history=YOLO / file)
    ran = {c.name for c in diagnosis.checks if c.status == "ran"}
    assert {"overfitting.curves", "optimization.curves", "metric_saturation.curves"} <= ran


@pytest.mark.parametrize(
    ("file", "summed", "left_out"),
    [
        ("yolo_vision_salvatore_seg.csv", ("box", "seg", "cls", "dfl"), "sem"),
        ("yolo_daphnia_detect_v2_pose.csv", ("box", "pose", "kobj", "cls", "dfl"), "rle"),
    ],
)
def test_newer_ultralytics_terms_and_a_term_its_validator_never_computes(
    file: str, summed: tuple[str, ...], left_out: str
) -> None:
    """Newer Ultralytics runs (held-out set 52) log ``sem_loss`` (segmentation) and ``rle_loss`` (pose), and their
    ``val/`` twins 0 at every epoch. Before, the unknown term left the run with no training loss (not enough to
    judge). Now both are terms, and one its validator never computes is left out of both sums, said so."""
    path = YOLO.parent / "real_logs_heldout52" / file
    columns, history = _columns(path), read_history(path)
    assert not columns[f"val/{left_out}_loss"].any() and columns[f"train/{left_out}_loss"].any()
    for split in ("train", "val"):
        expected = sum(columns[f"{split}/{term}_loss"] for term in summed)
        assert np.allclose(history.get(f"{split}_loss"), expected, rtol=1e-12, equal_nan=True), split  # type: ignore[arg-type]
    (note,) = [n for n in history.notes if "sum of the detector's weighted loss terms" in n]
    assert f"left out of both sums: {left_out}_loss" in note
    diagnosis = gapdoctor.diagnose(history=path)
    assert "overfitting.curves" in {c.name for c in diagnosis.checks if c.status == "ran"}


def test_the_tensorboard_file_of_a_run_reads_as_its_csv() -> None:
    from_csv = read_history(YOLO / "yolov8_results.csv")
    from_events = read_history(YOLO / "yolov8_events.tfevents")
    assert from_events.n_points == from_csv.n_points == 25
    assert np.allclose(from_events.get("val_loss"), from_csv.get("val_loss"), rtol=1e-4)  # type: ignore[arg-type]
    for name in ("val_map", "val_map_50"):  # the last: Ultralytics logs best.pt's final validation there too
        events, table = from_events.get(name), from_csv.get(name)
        assert events is not None and table is not None and np.allclose(events[:-1], table[:-1], rtol=1e-4), name


def _points(terms: dict[str, list[float]]) -> list[tuple[str, float, float, float]]:
    return [(raw, float("nan"), e + 1.0, v) for raw, values in terms.items() for e, v in enumerate(values)]


def test_only_a_detectors_vocabulary_is_summed() -> None:
    gan = _points({f"{s}/{t}_loss": [1.0, 0.9] for s in ("train", "val") for t in ("gen", "disc")})
    mixed = _points({f"{s}/{t}_loss": [1.0, 0.9] for s in ("train", "val") for t in ("box", "recon")})
    one_split = _points({f"train/{t}_loss": [1.0, 0.9] for t in ("box", "cls")} | {"val/box_loss": [1.0, 0.8]})
    for points in (gan, mixed, one_split):
        assert summed_loss_terms(points) == (points, (), ())
    plain = _points({"train/box_loss": [1.0], "val/box_loss": [1.0], "train/cls_loss": [1.0], "val_loss": [2.0]})
    assert summed_loss_terms(plain) == (plain, (), ())  # a plain validation loss is the loss


def test_a_position_missing_a_term_gives_no_point() -> None:
    points = _points({"train/box_loss": [1.0, 0.8], "train/cls_loss": [0.5, 0.4], "val/box_loss": [0.9, 0.85]})
    points += [("val/cls_loss", float("nan"), 1.0, 0.45)]  # the second epoch's cls term was not logged
    summed, notes, _ = summed_loss_terms(points)
    assert [p[3] for p in summed if p[0] == "val_loss"] == [pytest.approx(1.35)]
    assert [p[3] for p in summed if p[0] == "train_loss"] == [pytest.approx(1.5), pytest.approx(1.2)]
    assert notes


def test_a_results_csv_committed_mid_merge_is_refused_naming_the_marker() -> None:
    with pytest.raises(GapdoctorInputError, match="merge-conflict marker at line 3") as caught:
        read_history(YOLO / "yolov8_merge_conflict_results.csv")
    assert "resolve the conflict" in str(caught.value)


def test_a_run_folder_holding_results_csv_is_read(tmp_path: Path) -> None:
    """``runs/detect/train/`` with TensorBoard off holds results.csv (and weights, plots) but no event file."""
    run = tmp_path / "runs" / "detect" / "train"
    run.mkdir(parents=True)
    (run / "results.csv").write_bytes((YOLO / "yolo11_results.csv").read_bytes())
    (run / "args.yaml").write_text("model: yolo11n.pt\n", encoding="utf-8")
    assert read_history(run).n_points == 50


def test_the_tensorboard_file_in_its_default_folder_named_train(tmp_path: Path) -> None:
    """Ultralytics names a run's folder ``train`` (``runs/detect/train/``), a split's name to Keras' pairs: the
    file's own tags (``metrics/mAP50(B)``, ``val/box_loss``) are read as written, not as training series."""
    run = tmp_path / "runs" / "detect" / "train"
    run.mkdir(parents=True)
    (run / "events.out.tfevents.1675348815.43529bab29be.37247.0").write_bytes(
        (YOLO / "yolov8_events.tfevents").read_bytes()
    )
    history = read_history(run)
    assert {"train_loss", "val_loss", "val_map", "val_map_50"} <= set(history.series)


def test_yolov10s_two_heads_are_summed_and_other_suffixes_are_not() -> None:
    # YOLOv10 logs each head's terms without "_loss": box_om ... dfl_oo (one-to-many, one-to-one); it minimises all six
    heads = [f"{t}_{h}" for h in ("om", "oo") for t in ("box", "cls", "dfl")]
    points = _points({f"{s}/{t}": [1.0, 0.5] for s in ("train", "val") for t in heads})
    summed, notes, _ = summed_loss_terms(points)
    assert [p[3] for p in summed if p[0] == "train_loss"] == [pytest.approx(6.0), pytest.approx(3.0)]
    assert [p[3] for p in summed if p[0] == "val_loss"] == [pytest.approx(6.0), pytest.approx(3.0)]
    assert notes and "box_om" in notes[0]
    other = _points({f"{s}/{t}_xy": [1.0, 0.5] for s in ("train", "val") for t in ("box", "cls")})
    assert summed_loss_terms(other) == (other, (), ())


def test_a_yolov10_tensorboard_file_reads_its_loss_from_both_heads() -> None:
    # Ultralytics' TensorBoard callback on a YOLOv10 run (tests/data/real_logs_heldout57): read without a loss
    # before, "not enough to judge: history has no train_loss"
    history = read_history(
        Path(__file__).parents[1] / "data/real_logs_heldout57/tb_ultra_basketball_playanalysis.tfevents"
    )
    train, val = history.get("train_loss"), history.get("val_loss")
    assert train is not None and val is not None and len(train) == len(val) == 10
    assert train[0] == pytest.approx(13.2693, abs=1e-3) and val[-1] == pytest.approx(5.733, abs=1e-3)
