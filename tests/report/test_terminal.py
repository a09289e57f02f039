from __future__ import annotations

import gapdoctor
from tests.recorded import RecordedRun


def test_terminal_report_shows_ranking_evidence_fixes_and_skipped_checks(overfit_run: RecordedRun) -> None:
    text = gapdoctor.diagnose(history=overfit_run.history).render(width=120)
    assert text.splitlines()[0].startswith("gapdoctor — Most likely cause: overfitting")
    assert "Ranked causes" in text
    assert "evidence:" in text and "best_epoch" not in text  # plain labels, not raw keys
    best = gapdoctor.diagnose(history=overfit_run.history).top
    assert best is not None
    assert f"best epoch (stop here): epoch {best.evidence['best_epoch']}" in text
    assert "fix 1: Stop early at epoch" in text
    assert "skipped" in text  # checks without data inputs say why they did not run


def test_terminal_report_escapes_markup_from_user_strings() -> None:
    finding = gapdoctor.Finding(cause="pipeline_bug", score=0.9, summary="column [bold]x[/bold] is odd")
    diagnosis = gapdoctor.Diagnosis(findings=[finding], checks=[])
    assert "[bold]x[/bold]" in diagnosis.render()


def test_terminal_report_prints_notes_not_already_shown_as_skipped_checks() -> None:
    checks = [
        gapdoctor.CheckRun("overfitting.curves", "overfitting", "skipped", "only 3 epoch(s) recorded"),
        gapdoctor.CheckRun("optimization.curves", "optimization", "ran"),  # judged: the verdict names no reason
    ]
    notes = ("overfitting.curves: only 3 epoch(s) recorded", "experiments: not run (the model could not be fitted)")
    text = gapdoctor.Diagnosis(findings=[], checks=checks, notes=notes).render(width=200)
    assert "note: experiments: not run (the model could not be fitted)" in text
    assert text.count("only 3 epoch(s) recorded") == 1


def test_user_strings_reach_the_terminal_escaped() -> None:
    finding = gapdoctor.Finding(
        "subgroup_failure", 0.9, "class 'cat\x1b[2J' is never learned", {"class": "\x1b]0;x\x07"}
    )
    text = gapdoctor.Diagnosis(findings=[finding], checks=[]).render(width=200)
    assert "\x1b" not in text and "\x07" not in text
    assert "cat\\x1b[2J" in text
