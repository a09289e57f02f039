"""The door for input files: what a path is, its text, CSV and JSON limits, numpy headers."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.io.files import check_input_path, load_json_text, parse_csv, read_text


def test_paths_that_would_hang_or_mislead_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "dir").mkdir()
    cases = {
        "": "empty path",
        "/dev/zero": "not a regular file",
        str(fifo): "not a regular file",
        str(tmp_path / "a"): "symbolic link loop",
        str(tmp_path / "dir"): "is a directory",
        str(tmp_path / "missing.csv"): "does not exist",
    }
    for path, problem in cases.items():
        with pytest.raises(GapdoctorInputError, match=problem):
            check_input_path(path, "history")
    assert check_input_path(tmp_path / "dir", "history", directory_ok=True).is_dir()


def test_text_in_any_encoding_a_person_reads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = "name,value\ncafé,1\n"
    encoded = {
        "utf8": text.encode(),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "utf16": text.encode("utf-16"),
        "cp1252": text.encode("cp1252"),
        "padded": text.encode() + b"\0" * 100,
    }
    for name, data in encoded.items():
        path = tmp_path / name
        path.write_bytes(data)
        with caplog.at_level(logging.WARNING, logger="gapdoctor"):
            assert read_text(path) == text, name
        noted = name in ("cp1252", "padded")
        assert (str(path) in caplog.text) == noted, (name, caplog.text)
        caplog.clear()


def test_binary_and_nul_bytes_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_bytes(np.random.default_rng(0).bytes(10_000))
    with pytest.raises(GapdoctorInputError, match="is binary, not text"):
        read_text(garbage)
    nul = tmp_path / "nul"
    nul.write_bytes(b"a,b\n1,2\n3\x004\n5,6\n")
    with pytest.raises(GapdoctorInputError, match=r"NUL bytes inside its text \(line 3"):
        read_text(nul)


def test_csv_limits_and_shape(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    assert parse_csv("a,b\r\n1,2\r\n\r\n3,4\r\n", path) == (["a", "b"], [["1", "2"], ["3", "4"]])
    with pytest.raises(GapdoctorInputError, match=r"line 3.*field larger"):
        parse_csv("a,b\n1,2\n3," + "9" * 200_000 + "\n", path)
    with pytest.raises(GapdoctorInputError, match="line 4 has 1 fields but the header has 2"):
        parse_csv("a,b\n1,2\n\n3\n", path)
    with pytest.raises(GapdoctorInputError, match="is empty"):
        parse_csv("\n\n", path)
    with pytest.raises(GapdoctorInputError, match="two different columns named 'a'"):
        parse_csv("a,a\n1,2\n", path)
    assert parse_csv("a,a,b\n1,1,2\n", path) == (["a", "b"], [["1", "2"]])


def test_json_limits(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    assert load_json_text('{"x": [NaN, Infinity, -Infinity, 1e400, 7]}', path)["x"][3:] == [float("inf"), 7]
    assert load_json_text("9" * 5000, path) == float("inf")  # past the interpreter's 4,300-digit limit
    with pytest.raises(GapdoctorInputError, match="too deeply"):
        load_json_text("[" * 100_000 + "]" * 100_000, path)
    with pytest.raises(GapdoctorInputError, match="not valid JSON"):
        load_json_text('{"x": [1, 2', path)


def test_text_pasted_under_a_table_is_left_out_and_said(tmp_path: Path) -> None:
    """A Keras CSVLogger file with the run's console output pasted under it after a blank line (a held-out real log,
    tests/data/real_logs_heldout68/keras_medical_imaging_prashantsbasnet.csv): the table is read, the text is not,
    and the note names its lines. One row before the text, or no blank line between, is still a broken file."""
    path = tmp_path / "t.csv"
    notes: list[str] = []
    text = "epoch,loss\n0,0.9\n1,0.7\n2,0.5\n\n\nEpoch 1/3\n10/10 [====] - 1s - loss: 0.9000\n"
    assert parse_csv(text, path, notes) == (["epoch", "loss"], [["0", "0.9"], ["1", "0.7"], ["2", "0.5"]])
    assert notes == [
        "lines 7-8 (after a blank line under the table's 3 rows) are not rows and were not read: they start "
        "'Epoch 1/3', text pasted under the log"
    ]
    with pytest.raises(GapdoctorInputError, match="line 4 has 1 fields but the header has 2"):
        parse_csv("epoch,loss\n0,0.9\n1,0.7\nEpoch 1/3\n", path)
    with pytest.raises(GapdoctorInputError, match="line 4 has 1 fields but the header has 2"):
        parse_csv("epoch,loss\n0,0.9\n\nEpoch 1/3\n", path)


def test_a_last_line_cut_short_is_left_out_and_said(tmp_path: Path) -> None:
    """A results.csv copied while its run was writing (a held-out real log,
    tests/data/real_logs_heldout76/yolo_mjdarvishi_computer_vision.csv, ends in a line of spaces with no newline): a
    line of spaces is blank, and a last line that stops short of the header's fields with no newline after it is a
    write cut short, left out and said. The same short line mid-file, or ended by a newline, is still refused."""
    path = tmp_path / "results.csv"
    assert parse_csv("epoch,loss\n1,0.9\n2,0.7\n        ", path) == (["epoch", "loss"], [["1", "0.9"], ["2", "0.7"]])
    notes: list[str] = []
    _header, body = parse_csv("epoch,loss,val_loss\n1,0.9,1.0\n2,0.7,0.8\n3,0.6", path, notes)
    assert body == [["1", "0.9", "1.0"], ["2", "0.7", "0.8"]]
    assert notes == ["its last line (4) stops after 2 of the header's 3 fields: a write cut short, not read"]
    with pytest.raises(GapdoctorInputError, match="line 4 has 2 fields but the header has 3"):
        parse_csv("epoch,loss,val_loss\n1,0.9,1.0\n2,0.7,0.8\n3,0.6\n", path)
    with pytest.raises(GapdoctorInputError, match="line 3 has 2 fields but the header has 3"):
        parse_csv("epoch,loss,val_loss\n1,0.9,1.0\n2,0.7\n3,0.6,0.7", path)


def test_yolov5s_row_of_its_best_weights_after_training_is_left_out_and_said() -> None:
    """YOLOv5's segmentation trainer ends its results.csv with the best weights' validation at the epoch after the
    last: 13 fields (epoch, 8 metrics, 4 validation losses) under a 20-column header (held-out set 143's two
    ``yolo_*_yolov5_seg.csv``). main refused both files ("line 102 has 13 fields but the header has 20"). The row is
    no epoch: left out and said, the 100 / 300 epochs before it read."""
    data = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout143"
    for name, epochs in (
        ("yolo_recycling_waste_detection_yolov5_seg.csv", 100),
        ("yolo_yolo_v5_typedefsy_yolov5_seg.csv", 300),
    ):
        notes: list[str] = []
        path = data / name
        header, body = parse_csv(path.read_text(), path, notes)
        assert len(header) == 20 and len(body) == epochs and body[-1][0].strip() == str(epochs - 1)
        assert len(notes) == 1 and f"epoch {epochs}) holds 13 of the header's 20 fields: YOLOv5's" in notes[0], notes


def test_a_short_last_row_that_is_not_the_next_epoch_is_still_refused(tmp_path: Path) -> None:
    header = "epoch,train/box_loss,metrics/mAP_0.5,val/box_loss"
    for last in ("5,0.5,0.4", "2,0.5,0.4"):  # the epoch after the last is 3
        with pytest.raises(GapdoctorInputError, match="line 5 has 3 fields but the header has 4"):
            parse_csv(f"{header}\n0,0.9,0.1,1.0\n1,0.7,0.2,0.9\n2,0.6,0.3,0.8\n{last}\n", tmp_path / "results.csv")
    _, body = parse_csv(f"{header}\n0,0.9,0.1,1.0\n1,0.7,0.2,0.9\n2,0.6,0.3,0.8\n3,0.5,0.4\n", tmp_path / "r.csv", [])
    assert len(body) == 3
