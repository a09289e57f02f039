"""``gapdoctor compare RUN RUN`` on a real SQLite store written by a real training loop.

The figures printed are checked against the stored curves read back independently; the
HTML page is opened in headless Chromium (skipped without it: scripts/install-chromium.sh).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.findings import Diagnosis
from gapdoctor.io.store import RunStore
from gapdoctor.report.compare_html import RUN_COLORS
from tests.helpers import run_cli
from tests.report.html_scenarios import HOSTILE
from tests.report.stored_runs import record_runs
from tests.report.test_html import CHROMIUM, hex_rgb, open_in_chromium, screenshot_colors

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: scripts/install-chromium.sh")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "runs.sqlite"
    record_runs(path, names=("wide-150", f"regularised {HOSTILE}"))
    return path


def _expected(path: Path, run_id: int) -> tuple[float, int, float, Diagnosis]:
    """Best validation accuracy, its epoch (from 1), final validation loss and the diagnosis, read back."""
    with RunStore(path, create=False) as store:
        history = store.history(run_id)
        stored = store.diagnosis(run_id)
    accuracy = history.get("val_accuracy")
    assert accuracy is not None
    best = int(np.nanargmax(accuracy))
    val_loss = history.get("val_loss")
    assert val_loss is not None
    diagnosis = Diagnosis.from_dict(stored) if stored else gapdoctor.diagnose(history=history)
    return float(accuracy[best]), best + 1, float(val_loss[-1]), diagnosis


def _row(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.strip("│ ").startswith(label))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_compare_shows_both_runs_figures_verdicts_and_difference(store: Path) -> None:
    listed = run_cli("runs", "--store", str(store))
    assert listed.returncode == 0 and "wide-150" in listed.stdout
    result = run_cli("compare", "1", "2", "--store", str(store))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    first, second = _expected(store, 1), _expected(store, 2)
    best = _row(text, "best validation")
    assert float(best[1]) == pytest.approx(first[0], abs=1e-4) and float(best[2]) == pytest.approx(second[0], abs=1e-4)
    assert float(best[3].split()[0]) == pytest.approx(second[0] - first[0], abs=2e-4)
    assert ("second better" in best[3]) == (second[0] > first[0])
    assert _row(text, "epoch of the best")[1:3] == [str(first[1]), str(second[1])]
    assert _row(text, "epochs")[1:] == ["60", "20", "-40"]
    assert _row(text, "setting: alpha")[1:] == ["0.0", "0.01", "differs"]  # what the store kept with each run
    val_loss = _row(text, "final validation loss")
    assert float(val_loss[1]) == pytest.approx(first[2], rel=1e-3)
    tops = [d.reported[0].cause if d.reported else "healthy" for d in (first[3], second[3])]
    assert _row(text, "top finding")[1:3] == tops
    assert f"first: {first[3].verdict()}" in text and f"second: {second[3].verdict()}" in text
    assert "run 2" in text and "no stored diagnosis" in text  # the second run was diagnosed now


def test_runs_are_found_by_name_too(store: Path) -> None:
    by_id = run_cli("compare", "1", "2", "--store", str(store))
    by_name = run_cli("compare", "wide-150", "2", "--store", str(store))
    assert by_name.returncode == 0 and by_name.stdout == by_id.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["1", "99"], "RUN: no run '99'"),
        (["nope", "2"], "RUN: no run 'nope'"),
        (["2", "2"], "both name run 2"),
        (["1", "2", "--metric", "f1"], "--metric"),
    ],
)
def test_bad_runs_exit_2_with_one_line(store: Path, args: list[str], named: str) -> None:
    result = run_cli("compare", *args, "--store", str(store))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and named in result.stderr and "Traceback" not in result.stderr


def test_missing_or_foreign_store_exits_2(tmp_path: Path) -> None:
    missing = run_cli("compare", "1", "2", "--store", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "--store" in missing.stderr and len(missing.stderr.splitlines()) == 1
    foreign = tmp_path / "notes.sqlite"
    foreign.write_text("not a database at all\n" * 20)
    result = run_cli("compare", "1", "2", "--store", str(foreign))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


def test_unwritable_html_path_exits_2_before_reading(store: Path, tmp_path: Path) -> None:
    result = run_cli("compare", "1", "2", "--store", str(store), "--html", str(tmp_path / "no" / "c.html"))
    assert result.returncode == 2 and "--html" in result.stderr and result.stdout == ""


def test_a_run_name_with_terminal_escapes_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    record_runs(path, names=("plain", "evil\x1b[2J\x1b]0;title\x07"))
    result = run_cli("compare", "1", "2", "--store", str(path))
    assert result.returncode == 0 and "\x1b" not in result.stdout and "\\x1b[2J" in result.stdout


@needs_chromium
def test_html_comparison_opens_in_chromium_with_both_curves(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "compare.html"
    result = run_cli("compare", "1", "2", "--store", str(store), "--html", str(page))
    assert result.returncode == 0, result.stderr
    opened = open_in_chromium(page, height=2000)
    assert opened.console == [], opened.console
    dom = opened.dom
    table = [[c.all_text() for c in tr.find_all("td")] for tr in dom.by_id("comparison").find_all("tr")[1:]]
    assert [row[0] for row in table[:3]] == ["started (UTC)", "setting: alpha", "setting: rows"]
    assert table[1][1:] == ["0.0", "0.01", "differs"] and table[2][1:] == ["150", "1000", "differs"]
    first = _expected(store, 1)
    best = next(row for row in table if row[0] == "best validation accuracy")
    assert math.isclose(float(best[1]), first[0], abs_tol=1e-4)
    curves = [n for n in dom.by_id("curves").find_all("svg") if "plot" in n.attrs.get("class", "").split()]
    assert len(curves) == 1
    legend = "".join(t.all_text() for t in curves[0].find_all("text"))
    assert "1 wide-150 (val)" in legend and "2 regularised" in legend
    assert HOSTILE in dom.by_id("run-second").all_text()  # the hostile run name is text, not markup
    assert dom.find_all("script") == [] and dom.find_all("img") == []
    colors = screenshot_colors(opened.screenshot)
    assert all(hex_rgb(color) in colors for color in RUN_COLORS), "both runs' curves must be drawn"


def test_json_comparison_holds_both_summaries_and_the_rows(store: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "compare.json"
    result = run_cli("compare", "1", "2", "--store", str(store), "--json", str(out))
    assert result.returncode == 0, result.stderr
    content = json.loads(out.read_text(encoding="utf-8"))
    for key, run_id in (("first", 1), ("second", 2)):
        best, epoch, val_loss, diagnosis = _expected(store, run_id)
        summary = content[key]
        assert summary["id"] == run_id and summary["best_epoch"] == epoch
        assert summary["best_value"] == pytest.approx(best) and summary["final_val_loss"] == pytest.approx(val_loss)
        assert summary["verdict"] == diagnosis.verdict() and len(summary["curves"]["val_accuracy"]) == summary["epochs"]
    assert content["second"]["diagnosed_now"] is True and content["first"]["diagnosed_now"] is False
    assert {row["figure"] for row in content["rows"]} >= {"best validation accuracy", "top finding", "setting: alpha"}
