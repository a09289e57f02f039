"""JSON-lines training logs, read byte-for-byte from real runs (``tests/data/json_lines/``, sources in its README).

Each test reads the file independently with :mod:`json` and checks that gapdoctor placed the
values where the writer meant them: the evaluation on its epoch or iteration, the training loss of
the interval before it, validation under its own name.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.history_notes import history_notes
from gapdoctor.io import read_history
from gapdoctor.io.json_lines import is_json_lines
from tests.helpers import run_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "json_lines"


def _lines(name: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_facebookresearch_log_txt_reads_its_per_epoch_test_curve_as_validation() -> None:
    lines = _lines("mae_finetune_samxu29_log.txt")
    history = read_history(DATA / "mae_finetune_samxu29_log.txt")
    assert history.epochs is not None and history.epochs.tolist() == [e["epoch"] + 1.0 for e in lines]
    assert np.allclose(history.get("train_loss"), [e["train_loss"] for e in lines])
    assert np.allclose(history.get("val_loss"), [e["test_loss"] for e in lines])
    assert np.allclose(history.get("val_accuracy"), [e["test_acc1"] / 100 for e in lines])  # logged in percent
    assert not history.test
    assert any("test_loss" in n and "read as validation" in n for n in history.notes)
    assert "n_parameters" not in " ".join(history_notes(history))


def test_facebookresearch_pretraining_log_without_evaluation_is_not_judged_healthy() -> None:
    report = gapdoctor.diagnose(history=DATA / "mae_pretrain_youknowitskyle_log.txt")
    assert not report.judged  # the MAE pretraining logs train_* only: nothing was looked at


def test_two_runs_appended_to_one_log_txt_keep_the_last() -> None:
    lines = _lines("deit_asrafulashiq_log.txt")
    restart = next(i for i in range(1, len(lines)) if lines[i]["epoch"] <= lines[i - 1]["epoch"])
    history = read_history(DATA / "deit_asrafulashiq_log.txt")
    assert np.allclose(history.get("train_loss"), [e["train_loss"] for e in lines[restart:]])
    assert any("2 runs" in n for n in history.notes)


def test_detr_coco_statistics_give_box_ap_and_ap50() -> None:
    lines = _lines("detr_farjad_log.txt")
    history = read_history(DATA / "detr_farjad_log.txt")
    stats = np.array([e["test_coco_eval_bbox"] for e in lines])
    assert np.allclose(history.get("val_map"), stats[:, 0])
    assert np.allclose(history.get("val_map_50"), stats[:, 1])
    assert np.allclose(history.get("val_loss"), [e["test_loss"] for e in lines])


@pytest.mark.parametrize("name", ["detectron2_watermeters_metrics.json", "detectron2_polygonseg_metrics.json"])
def test_detectron2_metrics_json_evaluations_on_their_iterations(name: str) -> None:
    lines = _lines(name)
    evaluations = [e for e in lines if "bbox/AP" in e]
    history = read_history(DATA / name)
    assert history.epochs is None  # Detectron2 counts iterations, never epochs
    assert history.steps is not None and history.steps.tolist() == [float(e["iteration"]) for e in evaluations]
    assert np.allclose(history.get("val_map"), [e["bbox/AP"] / 100 for e in evaluations])  # COCO AP in percent
    assert np.allclose(history.get("val_map_50"), [e["bbox/AP50"] / 100 for e in evaluations])
    first = [e["total_loss"] for e in lines if "total_loss" in e and e["iteration"] <= evaluations[0]["iteration"]]
    assert math.isclose(float(history.get("train_loss")[0]), float(np.mean(first)))


def test_mmcv_log_json_places_training_lines_inside_their_epoch_and_validation_after_it() -> None:
    lines = _lines("mmdet_balloon_lyc686_20230208_162410.log.json")
    history = read_history(DATA / "mmdet_balloon_lyc686_20230208_162410.log.json")
    val = [e for e in lines if e.get("mode") == "val"]
    assert history.epochs is not None and history.epochs.tolist() == [float(e["epoch"]) for e in val]
    assert np.allclose(history.get("val_map"), [e["bbox_mAP"] for e in val])
    for k, epoch in enumerate(e["epoch"] for e in val):
        losses = [e["loss"] for e in lines if e.get("mode") == "train" and e["epoch"] == epoch]
        assert math.isclose(float(history.get("train_loss")[k]), float(np.mean(losses)))


def test_mmcv_log_json_with_only_validation_lines() -> None:
    lines = _lines("mmcls_caczhtus_20230207_122335.log.json")
    history = read_history(DATA / "mmcls_caczhtus_20230207_122335.log.json")
    assert np.allclose(history.get("val_accuracy"), [e["accuracy_top-1"] / 100 for e in lines if "mode" in e])
    assert history.get("train_loss") is None
    report = gapdoctor.diagnose(history=DATA / "mmcls_caczhtus_20230207_122335.log.json")
    assert not report.healthy


def test_mmengine_epoch_based_validation_step_counts_epochs() -> None:
    lines = _lines("mmengine_balloon_det_scalars.json")
    val = [e for e in lines if "lr" not in e]
    history = read_history(DATA / "mmengine_balloon_det_scalars.json")
    assert history.epochs is not None and history.epochs.tolist() == [float(e["step"]) for e in val]
    assert np.allclose(history.get("val_map"), [e["coco/bbox_mAP"] for e in val])
    first = [e["loss"] for e in lines if "lr" in e and e["epoch"] <= val[0]["step"]]
    assert math.isclose(float(history.get("train_loss")[0]), float(np.mean(first)))


def test_mmengine_iteration_based_validation_step_counts_iterations() -> None:
    lines = _lines("mmengine_seg_watermelon_20230614_065503.json")
    val = [e for e in lines if "lr" not in e]
    history = read_history(DATA / "mmengine_seg_watermelon_20230614_065503.json")
    assert history.steps is not None and history.steps.tolist() == [float(e["step"]) for e in val]
    assert np.allclose(history.get("val_iou"), [e["mIoU"] / 100 for e in val])
    assert history.get("train_iou") is None  # the evaluation's metrics are never the training's
    # MMSegmentation's metric is mIoU: its pixel accuracy (aAcc, carried by the background) fell 9 points
    # while mIoU rose from 0.45 to 0.58; read on aAcc the run looked overfitted
    assert "aAcc" in history.ignored and history.get("val_accuracy") is None
    assert gapdoctor.diagnose(history=DATA / "mmengine_seg_watermelon_20230614_065503.json").healthy


def test_a_last_line_cut_short_is_left_out_and_said(tmp_path: Path) -> None:
    text = (DATA / "mae_finetune_samxu29_log.txt").read_text(encoding="utf-8")
    cut = tmp_path / "log.txt"
    cut.write_text(text + text.splitlines()[-1][:40], encoding="utf-8")
    history = read_history(cut)
    assert len(history.get("train_loss")) == len(text.splitlines())
    assert any("was cut short" in n for n in history.notes)


def test_a_broken_line_inside_the_log_is_named(tmp_path: Path) -> None:
    lines = (DATA / "mae_finetune_samxu29_log.txt").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "log.txt"
    broken.write_text("\n".join([*lines[:3], lines[3][:20], *lines[4:]]) + "\n", encoding="utf-8")
    with pytest.raises(GapdoctorInputError, match="line 4 is not a JSON object") as caught:
        read_history(broken)
    assert str(broken) in str(caught.value)
    done = run_cli("diagnose", "--history", str(broken))  # the command line: exit 2, one line, no traceback
    assert done.returncode == 2 and "line 4 is not a JSON object" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_pretty_printed_and_one_line_json_are_not_json_lines() -> None:
    assert not is_json_lines(json.dumps({"train_loss": [1.0, 0.5]}, indent=2))
    assert not is_json_lines(json.dumps([{"epoch": 0, "train_loss": 1.0}, {"epoch": 1, "train_loss": 0.5}]) + "\n")
    assert is_json_lines((DATA / "detr_farjad_log.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("mae_finetune_samxu29_log.txt", "output_dir/log.txt"),
        ("detectron2_watermeters_metrics.json", "output/metrics.json"),
        ("mmengine_balloon_det_scalars.json", "20230601_101010/vis_data/scalars.json"),
        ("mmdet_balloon_lyc686_20230208_162410.log.json", "work_dirs/20230208_162410.log.json"),
    ],
)
def test_the_cli_finds_the_log_in_a_run_directory(tmp_path: Path, name: str, folder: str) -> None:
    target = tmp_path / "run" / folder
    target.parent.mkdir(parents=True)
    shutil.copyfile(DATA / name, target)
    (tmp_path / "run" / "notes.txt").write_text("not a log")
    done = run_cli("diagnose", "--history", str(tmp_path / "run"), "--json", str(tmp_path / "report.json"))
    assert done.returncode in (0, 1), done.stderr  # healthy or findings: judged, not "cannot read" or "not judged"
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["judged"], report["verdict"]


def test_a_plain_text_log_txt_is_not_taken_for_a_log(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("epoch 1 loss 0.5\nepoch 2 loss 0.4\n")
    with pytest.raises(GapdoctorInputError, match="holds no log"):
        read_history(tmp_path)


def test_a_per_epoch_test_curve_in_a_mapping_is_validation_and_a_test_row_is_not() -> None:
    curve = RunHistory.from_any({"train_loss": [3.0, 2.0, 1.5, 1.2], "test_acc": [0.3, 0.4, 0.5, 0.5]})
    assert curve.get("val_accuracy") is not None and not curve.test
    row = RunHistory.from_any(
        {"train_loss": [3.0, 2.0, 1.5, 1.2], "val_loss": [3.0, 2.5, 2.4, 2.4], "test_acc": [0.3, 0.4, 0.5, 0.5]}
    )
    assert row.get("val_accuracy") is None and row.test == {"test_accuracy": 0.5}


def test_a_configuration_line_before_the_logged_steps_is_left_out_not_fatal() -> None:
    """A loop's own JSON lines: a first ``{"type": "run_config", "seed": ..., "batch_size": ...}`` line, then one line
    per 10 steps with ``step``, ``train_loss``, ``validation_loss``. The configuration's numbers have neither a step
    nor an epoch; they made every point read as unplaced and the file was refused ("holds no series gapdoctor can
    read"). A held-out real log (the ninety-fifth set), labelled overfitting by the written rule."""
    path = DATA.parent / "real_logs_heldout95" / "other_frontier_training_lab.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    logged = [line for line in lines if "step" in line]
    assert lines[0]["type"] == "run_config" and "step" not in lines[0] and len(logged) == len(lines) - 1
    history = read_history(path)
    assert history.steps is not None and history.steps.tolist() == [float(line["step"]) for line in logged]
    assert np.allclose(history.get("val_loss"), [line["validation_loss"] for line in logged])
    assert any("neither a step nor an epoch were not used" in note for note in history.notes)
    top = gapdoctor.diagnose(history=path).top
    assert top is not None and top.cause == "overfitting" and top.score >= 0.9
