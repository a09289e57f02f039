"""The report shows what fixing each finding gains and leads with the fix that gains most.

The diagnoses are the bench's recorded ones (tests/data/bench/golden.json: real diagnoses of the
recorded bench runs, re-checked by tests/bench/test_golden.py), rebuilt with ``Diagnosis.from_dict``.
"""

from __future__ import annotations

import json

import gapdoctor
from gapdoctor.findings import Diagnosis
from gapdoctor.report.gains import gain_line, lead_fix
from gapdoctor.report.html import render_html
from tests import metric_scenarios
from tests.data.record_bench import GOLDEN
from tests.report.test_html import parse_dom

RECORDED = json.loads(GOLDEN.read_text(encoding="utf-8"))


def _recorded(name: str) -> Diagnosis:
    return Diagnosis.from_dict(RECORDED[name])


def _reordered(diagnosis: Diagnosis, causes: list[str]) -> Diagnosis:
    """The same reported findings in another order (as another ranking would put them)."""
    by_cause = {f.cause: f for f in diagnosis.reported}
    return Diagnosis([by_cause[c] for c in causes], diagnosis.checks, diagnosis.inputs)


def test_each_reported_finding_shows_its_gain_in_the_terminal() -> None:
    diagnosis = _recorded("pipeline_bug/wine-label-encoding")
    bug, overfit = diagnosis.reported[0], diagnosis.reported[1]
    assert (bug.check, overfit.cause) == ("pipeline_bug.label_encoding", "overfitting")
    assert bug.gain is not None and overfit.gain is not None
    text = diagnosis.render(width=200)
    assert f"fixing it: {gain_line(bug.gain)}" in text and f"fixing it: {gain_line(overfit.gain)}" in text
    assert "fixing it: accuracy 0.397 -> 1.000 (0.947 to 1.000)" in text
    # the top-ranked finding gains most: its fix leads, with no reason to give
    lead = lead_fix(diagnosis)
    assert lead is not None and lead.finding is bug and lead.why == ""
    assert f"first fix to try: {bug.fixes[0]}" in text and "why first" not in text


def test_a_fix_that_gains_more_leads_ahead_of_the_top_ranked_one_and_says_why() -> None:
    recorded = _recorded("pipeline_bug/wine-label-encoding")
    diagnosis = _reordered(recorded, ["overfitting", "pipeline_bug"])
    overfit, bug = diagnosis.reported
    assert overfit.gain is not None and bug.gain is not None
    lead = lead_fix(diagnosis)
    assert lead is not None and lead.finding is bug
    assert lead.why.startswith("fixing the pipeline bug is expected to gain most (accuracy 0.397 -> 1.000")
    assert f"the top-ranked cause, overfitting, is expected to give {gain_line(overfit.gain)}" in lead.why
    text = diagnosis.render(width=300)
    assert f"first fix to try: {bug.fixes[0]}" in text and f"why first: {lead.why}" in text
    first = parse_dom(render_html(diagnosis)).by_id("first-fix").all_text()
    assert bug.fixes[0] in first and f"fixing it: {gain_line(bug.gain)}" in first and lead.why in first
    assert overfit.fixes[0] not in first


def test_a_top_ranked_finding_without_a_stated_gain_keeps_the_lead() -> None:
    # label noise states no gain; stopping early would gain 8 points: not evidence that cleaning gains less
    diagnosis = _recorded("label_noise/digits-25pct-flipped")
    top, overfit = diagnosis.reported[0], diagnosis.reported[1]
    assert top.cause == "label_noise" and top.gain is None
    assert overfit.gain is not None and overfit.gain["interval"][0] > overfit.gain["now"] + 0.05
    lead = lead_fix(diagnosis)
    assert lead is not None and lead.finding is top and lead.why == ""
    assert top.fixes[0] in parse_dom(render_html(diagnosis)).by_id("first-fix").all_text()


def test_a_larger_gain_its_interval_cannot_tell_from_none_does_not_move_the_lead() -> None:
    # a real run (not a recorded bench one): an easy task with 6% of its validation labels flipped,
    # where saturation (ceiling set by the flipped labels) and overfitting are both reported
    diagnosis = _reordered(
        gapdoctor.diagnose(**metric_scenarios.easy_task_noisy_validation()), ["overfitting", "metric_saturation"]
    )
    overfit, saturation = diagnosis.reported
    assert overfit.gain is not None and saturation.gain is not None
    # the ceiling bounds the gain (interval from now to the ceiling): larger, but not told from none
    assert saturation.gain["after_fix"] - saturation.gain["now"] > overfit.gain["after_fix"] - overfit.gain["now"]
    assert saturation.gain["interval"][0] == saturation.gain["now"]
    lead = lead_fix(diagnosis)
    assert lead is not None and lead.finding is overfit and lead.why == ""


def test_every_recorded_diagnosis_leads_with_a_reported_finding_or_none() -> None:
    for name, content in RECORDED.items():
        diagnosis = Diagnosis.from_dict(content)
        lead = lead_fix(diagnosis)
        assert (lead is None) == (not diagnosis.reported), name
        if lead is not None:
            assert lead.finding in diagnosis.reported and (lead.why == "") == (lead.finding is diagnosis.reported[0])
