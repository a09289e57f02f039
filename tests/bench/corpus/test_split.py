"""The family split: a held-out family is never calibrated on, and no label sits on both sides."""

from __future__ import annotations

import itertools

import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.bench.corpus.families import DATASETS, MODELS
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT, split_by_family

ROWS = [
    {"families": {"dataset": d, "model": m, "severity": s}, "id": i}
    for i, (d, m, s) in enumerate(itertools.product(DATASETS, MODELS, ("mild", "moderate", "severe")))
]


def _labels(rows: list[dict[str, object]], axis: str) -> set[str]:
    return {r["families"][axis] for r in rows}  # type: ignore[index]


@pytest.mark.parametrize(
    "held_out",
    [
        DEFAULT_HELD_OUT,
        {"dataset": ["wine", "iris"], "model": ["torch_mlp"]},
        {"model": ["logistic"]},
        {"dataset": ["digits"], "severity": ["severe", "mild"]},
    ],
)
def test_no_family_of_a_held_out_axis_is_on_both_sides(held_out: dict[str, list[str]]) -> None:
    parts = split_by_family(ROWS, held_out)
    assert parts.calibrate and parts.report
    assert len(parts.calibrate) + len(parts.report) + len(parts.unused) == len(ROWS)
    for axis, labels in held_out.items():
        assert _labels(parts.report, axis) <= set(labels)
        assert not _labels(parts.calibrate, axis) & set(labels)
        assert not _labels(parts.calibrate, axis) & _labels(parts.report, axis)


def test_the_split_is_deterministic_and_keeps_order() -> None:
    first = split_by_family(ROWS)
    assert [r["id"] for r in first.calibrate] == [r["id"] for r in split_by_family(ROWS).calibrate]
    assert [r["id"] for r in first.report] == sorted(r["id"] for r in first.report)


def test_one_axis_leaves_nothing_unused_two_axes_drop_the_mixed() -> None:
    assert split_by_family(ROWS).unused == []
    parts = split_by_family(ROWS, {"dataset": ["wine"], "model": ["logistic"]})
    assert len(parts.report) == 3  # wine x logistic x 3 severities
    assert all((r["families"]["dataset"] == "wine") != (r["families"]["model"] == "logistic") for r in parts.unused)


def test_a_line_without_families_is_unused() -> None:
    parts = split_by_family([*ROWS, {"families": {}, "id": -1}])
    assert [r["id"] for r in parts.unused] == [-1]


def test_default_reports_on_about_a_third_of_the_data_sets() -> None:
    share = len(DEFAULT_HELD_OUT["dataset"]) / len(DATASETS)
    assert 0.25 <= share <= 0.5


@pytest.mark.parametrize(
    ("held_out", "argument"),
    [({"colour": ["red"]}, "held_out"), ({"dataset": ["mnist"]}, "held_out['dataset']"), ({}, "held_out")],
)
def test_unknown_axis_or_label_is_refused(held_out: dict[str, list[str]], argument: str) -> None:
    with pytest.raises(GapdoctorInputError) as error:
        split_by_family(ROWS, held_out)
    assert error.value.argument == argument
