"""The per-class table of the HTML report: present whenever validation labels and
probabilities exist (healthy runs included), absent otherwise, read in Chromium."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import classification_report

import gapdoctor
from gapdoctor.findings import Diagnosis
from gapdoctor.report.html import render_html
from tests import metric_scenarios
from tests.report.html_scenarios import healthy_run
from tests.report.test_html import CHROMIUM, open_in_chromium, parse_dom


def _cells(markup_or_dom: object) -> list[list[str]]:
    dom = parse_dom(markup_or_dom) if isinstance(markup_or_dom, str) else markup_or_dom
    section = dom.by_id("per-class")  # type: ignore[attr-defined]
    body = section.find_all("tbody")[0]
    return [[td.all_text() for td in tr.find_all("td")] for tr in body.find_all("tr")]


def _number(text: str) -> float:
    return math.nan if text == "—" else float(text.replace(",", ""))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: scripts/install-chromium.sh")
def test_a_healthy_run_shows_its_per_class_table_in_chromium(tmp_path: Path) -> None:
    diagnosis = healthy_run()
    assert diagnosis.healthy
    page = diagnosis.to_html(tmp_path / "healthy.html")
    opened = open_in_chromium(page)
    assert opened.console == []
    rows = _cells(opened.dom)
    table = diagnosis.per_class
    assert [r[0] for r in rows] == table["classes"] and len(rows) == 10
    assert sum(int(_number(r[1])) for r in rows) == diagnosis.inputs["X_val"][0]
    for row, precision, recall, f1 in zip(rows, table["precision"], table["recall"], table["f1"], strict=True):
        assert [_number(c) for c in row[2:]] == pytest.approx([precision, recall, f1], abs=5e-5)


def test_per_class_figures_are_scikit_learns() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(**scenario)
    y_val, probs = scenario["y_val"], scenario["val_probs"]
    report = classification_report(y_val, np.argmax(probs, 1), output_dict=True, zero_division=0)
    for row in _cells(render_html(diagnosis)):
        expected = report[row[0]]
        assert _number(row[1]) == expected["support"]
        assert [_number(c) for c in row[2:]] == pytest.approx(
            [expected["precision"], expected["recall"], expected["f1-score"]], abs=5e-5
        )


def test_no_table_without_validation_probabilities() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(history=scenario["history"], y_val=scenario["y_val"])
    assert diagnosis.per_class == {} and 'id="per-class"' not in render_html(diagnosis)


def test_the_table_survives_json_and_shows_undefined_values_as_dashes() -> None:
    y = np.array([0, 0, 1, 1, 2])
    probs = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.2, 0.8, 0.0], [0.7, 0.3, 0.0], [0.5, 0.5, 0.0]])
    diagnosis = gapdoctor.diagnose(y_val=y, val_probs=probs)
    restored = Diagnosis.from_dict(diagnosis.to_dict())
    rows = _cells(render_html(restored))
    assert rows[2] == ["2", "1", "—", "0", "0"]  # class 2 is never predicted: its precision is undefined


def test_many_classes_show_the_worst_by_f1() -> None:
    n = 60
    table = {
        "classes": [f"c{i}" for i in range(n)],
        "support": [10] * n,
        "precision": [i / n for i in range(n)],
        "recall": [i / n for i in range(n)],
        "f1": [(n - i) / n for i in range(n)],
    }
    page = render_html(Diagnosis([], [], per_class=table))
    rows = _cells(page)
    assert len(rows) == 50 and rows[0][0] == "c59" and rows[-1][0] == "c10"
    assert "60 classes: the 50 with the lowest F1 are shown" in page
