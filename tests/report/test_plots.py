"""report.plots: the interval-bar figures (per class / group, per label source)."""

from __future__ import annotations

import re

from gapdoctor.report import plots

GROUPS = [
    {"group": "cat", "kind": "class", "n": 30, "value": 0.5, "low": 0.3, "high": 0.7, "metric": "recall"},
    {"group": "dog", "kind": "class", "n": 40, "value": 0.9, "low": 0.8, "high": 0.95, "metric": "recall"},
    {"group": "site_b", "kind": "group", "n": 12, "value": 0.2, "metric": "recall"},  # no interval given
]
SOURCES = [
    {"source": "annotator_a", "n": 10, "noise_rate": 0.3, "low": 0.1, "high": 0.5},
    {"source": "teacher", "noise_rate": 0.05},
]


def test_groups_show_the_worst_first_with_their_metric_and_how_many_were_left_out() -> None:
    svg = plots.groups_svg(GROUPS, limit=2)
    assert "<svg" in svg
    assert "site_b" in svg and "cat" in svg and "dog" not in svg  # the two worst of three
    assert "Validation recall per class / group (2 worst of 3)" in svg
    assert "Metric per class or group" in svg
    assert "(n=12)" in svg


def test_sources_show_every_source_with_its_rate() -> None:
    svg = plots.sources_svg(SOURCES)
    assert "annotator_a (n=10)" in svg and "teacher (n=?)" in svg
    assert "Label noise per source" in svg and "estimated label noise rate" in svg


def test_the_curves_share_one_legend_naming_each_series_once() -> None:
    curves = {
        "train_loss": [1.0, 0.8, 0.6, 0.5],
        "val_loss": [1.0, 0.9, 0.95, 1.0],
        "train_accuracy": [0.5, 0.7, 0.8, 0.9],
        "val_accuracy": [0.5, 0.6, 0.6, 0.58],
    }
    svg = plots.curves_svg(curves, metric="accuracy", markers={"best_epoch": 2})
    assert svg is not None
    legend = re.findall(r">(train|val|best \(2\))<", svg)
    assert sorted(legend) == ["best (2)", "train", "val"]  # two panels, one legend: each label once
