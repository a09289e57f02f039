"""The comparison of two runs: the figures chosen, the direction of "better", the page."""

from __future__ import annotations

import pytest

from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.io.store import RunStore
from gapdoctor.report.compare import comparison_rows, render_comparison_text, shared_metric, summarise_run
from gapdoctor.report.compare_html import overlay_svg, render_comparison_html
from tests.report.html_scenarios import HOSTILE
from tests.report.stored_runs import record_runs

HEALTHY = Diagnosis([], [CheckRun("overfitting.curves", "overfitting", "ran")])


def _summary(
    run_id: int, curves: dict[str, list[float | None]], diagnosis: Diagnosis = HEALTHY, metric: str | None = None
):  # type: ignore[no-untyped-def]
    return summarise_run(
        run_id=run_id, name=f"r{run_id}", started_at="", curves=curves, diagnosis=diagnosis, metric=metric
    )


def test_the_metric_compared_is_one_both_runs_logged() -> None:
    assert shared_metric([{"val_f1": [1.0]}, {"val_f1": [1.0]}], "f1") == "f1"
    assert shared_metric([{"val_f1": [1.0], "val_accuracy": [1.0]}, {"val_accuracy": [1.0]}], "f1") == "accuracy"
    assert shared_metric([{"val_loss": [1.0]}, {"val_loss": [1.0]}], None) is None
    assert shared_metric([{"val_f1": [1.0]}, {"val_accuracy": [1.0]}], None) == "accuracy"  # none in common


def test_best_epoch_follows_the_metrics_direction() -> None:
    curves: dict[str, list[float | None]] = {"val_log_loss": [0.9, 0.4, None, 0.5], "val_loss": [1.0, 0.5, 0.6, 0.7]}
    run = _summary(1, curves, metric="log_loss")
    assert (run.best_value, run.best_epoch, run.final_val_loss) == (0.4, 2, 0.7)
    better = _summary(2, {"val_log_loss": [0.8, 0.3], "val_loss": [0.9, 0.6]}, metric="log_loss")
    rows = {r[0]: r for r in comparison_rows(run, better)}
    assert rows["best validation log_loss"][3] == "-0.1 second better"  # lower log loss is better
    assert rows["final validation loss"][3] == "-0.1 second better"
    assert rows["epochs"][1:] == ("4", "2", "-2")


def test_verdicts_and_causes_are_compared() -> None:
    over = Diagnosis([Finding("overfitting", 0.8, "val loss turned up"), Finding("label_noise", 0.6, "x")], [])
    noisy = Diagnosis([Finding("overfitting", 0.55, "val loss turned up")], [])
    a, b = _summary(1, {"val_loss": [1.0]}, over), _summary(2, {"val_loss": [1.0]}, noisy)
    rows = {r[0]: r for r in comparison_rows(a, b)}
    assert rows["top finding"][1:] == ("overfitting", "overfitting", "same")
    assert rows["its score"][1:] == ("0.80", "0.55", "-0.25")
    assert rows["causes reported"][3] == "only first: label_noise"
    assert "healthy" in {r[2] for r in comparison_rows(a, _summary(3, {"val_loss": [1.0]}))}
    assert "not judged" in {r[2] for r in comparison_rows(a, _summary(3, {"val_loss": [1.0]}, Diagnosis([], [])))}


def test_runs_with_no_curve_to_draw_have_no_figure_and_the_page_still_renders() -> None:
    a, b = _summary(1, {}), _summary(2, {})
    assert overlay_svg(a, b) is None
    page = render_comparison_html(a, b)
    assert 'id="comparison"' in page and 'id="curves"' not in page
    assert "<script" not in page


def test_user_strings_are_escaped_in_both_renderings(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "runs.sqlite"  # type: ignore[operator]
    record_runs(path, names=(HOSTILE, "second\x1b[31m"))
    with RunStore(path, create=False) as store:
        runs = [
            summarise_run(
                run_id=info.id,
                name=info.name,
                started_at=info.started_at,
                curves=store.history(info.id).to_dict(),
                diagnosis=HEALTHY,
                metric="accuracy",
            )
            for info in store.list_runs()
        ]
    page = render_comparison_html(*runs)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    text = render_comparison_text(*runs, width=200)
    assert "\x1b" not in text and "\\x1b[31m" in text


def test_settings_that_differ_are_listed_first() -> None:
    a = summarise_run(
        run_id=1,
        name="a",
        started_at="",
        curves={},
        diagnosis=HEALTHY,
        metric=None,
        meta={"lr": 0.1, "batch": 32, "only_a": True},
    )
    b = summarise_run(
        run_id=2, name="b", started_at="", curves={}, diagnosis=HEALTHY, metric=None, meta={"lr": 0.01, "batch": 32}
    )
    rows = comparison_rows(a, b)
    assert rows[:2] == [("setting: lr", "0.1", "0.01", "differs"), ("setting: only_a", "True", "—", "differs")]
    same = comparison_rows(a, a)
    assert same[0] == ("settings", "3 stored", "3 stored", "all the same")
    many = summarise_run(
        run_id=3,
        name="c",
        started_at="",
        curves={},
        diagnosis=HEALTHY,
        metric=None,
        meta={f"p{i}": i for i in range(20)},
    )
    assert comparison_rows(many, b)[12] == ("settings", "", "", "10 more differ")
