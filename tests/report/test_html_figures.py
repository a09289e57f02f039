"""Figures by payload type in the HTML report: a broken figure, a finding without a payload,
stored findings whose payloads are rebuilt from JSON, a run too large to draw in full."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from gapdoctor.causes.label_noise.result import SuggestsLabels
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.causes.optimization.result import Stall
from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.subgroup_failure.result import GroupRate, LaggingSubgroups
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.figure_registry import CurvesDrawing, figures_of
from gapdoctor.report.html import render_html
from tests.data.record_bench import GOLDEN
from tests.report.figure_scenarios import metric_mismatch
from tests.report.html_scenarios import HOSTILE
from tests.report.test_html import parse_dom


def test_a_figure_that_cannot_be_drawn_becomes_a_note() -> None:
    good = metric_mismatch()
    assert isinstance(good.result, DecisionRuleGain)
    malformed = replace(good.result, threshold_curve={"values": [1]})  # type: ignore[typeddict-item]
    broken = Finding("metric_mismatch", 0.8, "broken data", check=malformed.CHECK, result=malformed)
    page = render_html(Diagnosis(findings=[broken], checks=[]))
    assert page.count('class="figure-error"') == 1 and "could not be drawn" in page
    assert "Reliability diagram" in page  # the finding's other figure is still drawn
    assert 'id="first-fix"' in page and "broken data" in page


def test_a_finding_without_a_payload_shows_its_evidence_and_no_figure() -> None:
    good = metric_mismatch()
    stored = good.to_dict()
    del stored["evidence"]["roc_auc"]  # a stored finding whose payload cannot be rebuilt
    findings = [
        Finding.from_dict(stored),
        Finding("subgroup_failure", 0.7, "a plug-in's finding", evidence={"worst": HOSTILE}, data=dict(good.data)),
    ]
    assert all(payload_of(f) is None for f in findings)
    page = render_html(Diagnosis(findings=findings, checks=[]))
    dom = parse_dom(page)
    assert dom.find_all("svg") == [] and 'class="figure-error"' not in page
    for i, finding in enumerate(findings, 1):
        section = dom.by_id(f"finding-{i}")
        evidence = [t for t in section.find_all("table") if "evidence" in t.attrs.get("class", "")]
        assert len(evidence) == 1 and finding.summary in section.all_text()
        assert len(evidence[0].find_all("tbody")[0].find_all("tr")) == len(finding.evidence)
    assert HOSTILE in dom.by_id("finding-2").all_text()


def test_stored_diagnoses_of_the_bench_draw_every_payloads_figures() -> None:
    """Real findings (the bench scenarios' recorded diagnoses), their payloads rebuilt from JSON:
    one page per payload kind first seen, drawn without a figure error."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    kinds: set[str] = set()
    for name, stored in sorted(golden.items()):
        diagnosis = Diagnosis.from_dict(stored)
        results = [payload_of(f) for f in diagnosis.findings]
        assert None not in results, f"{name}: a stored payload was not rebuilt"
        new_kinds = {type(r).__name__ for r in results} - kinds
        if not new_kinds:
            continue
        kinds |= new_kinds
        page = render_html(diagnosis)
        assert 'class="figure-error"' not in page, name
        dom = parse_dom(page)
        for i, (finding, result) in enumerate(zip(diagnosis.findings, results, strict=True), 1):
            made = figures_of(finding, diagnosis) or []
            drawn = [d for _, d in made if diagnosis.curves or not isinstance(d, CurvesDrawing)]  # None: no curves
            assert len(dom.by_id(f"finding-{i}").find_all("figure")) == len(drawn), f"{name}: {finding.check}"
            detailed = isinstance(result, SuggestsLabels) and bool(result.suggestions())
            assert ("Rows to inspect first" in dom.by_id(f"finding-{i}").all_text()) == detailed, name
    assert len(kinds) >= 15, sorted(kinds)


def test_a_large_run_stays_small_and_shows_the_worst(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    k, epochs = 100, 3000
    classes = [f"class {i}" for i in range(k)]
    counts = np.diag(rng.integers(40, 60, k)) + rng.integers(0, 3, (k, k))
    counts[77, 12] = 400  # class 77 is by far the most confused
    curves = {
        "train_loss": list(np.exp(-np.arange(epochs) / 500) + rng.normal(0, 0.01, epochs)),
        "val_loss": list(0.5 + rng.normal(0, 0.02, epochs)),
        "lr": list(0.1 * 0.999 ** np.arange(epochs)),
    }
    values = rng.uniform(0.5, 0.9, 500)
    values[321] = 0.05
    groups: list[GroupRate] = [
        {
            "group": f"site {i}",
            "kind": "group",
            "n": 50,
            "value": v,
            "low": v - 0.1,
            "high": v + 0.1,
            "metric": "recall",
        }
        for i, v in enumerate(values)
    ]
    worst = groups[321]
    others = float(np.median(np.delete(values, 321)))
    result = LaggingSubgroups(
        lagging=worst["group"],
        worst=worst["group"],
        worst_kind="group",
        worst_value=worst["value"],
        worst_low=worst["low"],
        worst_high=worst["high"],
        worst_n=worst["n"],
        others_median=others,
        gap=others - worst["value"],
        confusion_pairs={"confusion_pair_1": "class 77 read as class 12: 400 rows"},
        groups=groups,
        confusion={"classes": classes, "counts": counts.tolist()},
    )
    finding = Finding(
        "subgroup_failure", 0.9, "Many groups.", rows=tuple(range(100_000)), check=result.CHECK, result=result
    )
    path = Diagnosis(findings=[finding], checks=[], curves=curves, inputs={"metric": "recall"}).to_html(
        tmp_path / "r.html"
    )
    page = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 1_500_000
    dom = parse_dom(page)
    svg_text = [t.all_text() for t in dom.find_all("text")]
    assert "Confusion matrix (30 most confused of 100 classes)" in svg_text and "class 77" in svg_text
    assert "Validation recall per class / group (25 worst of 500)" in svg_text
    assert "group site 321 (n=50)" in svg_text
    assert "(100000 rows in all)" in page


def test_the_curves_stand_alone_only_when_no_reported_finding_draws_them() -> None:
    """The overview reads the curves figures the makers return, not a list of curve causes."""
    loss = [2.0, 1.2, 0.8, 0.7, 0.69, 0.69, 0.68, 0.68]
    curves = {"train_loss": loss, "val_loss": [v + 0.1 for v in loss], "lr": [0.01] * 3 + [0.001] * 5}
    stall = Stall(
        train_loss_start=loss[0],
        train_loss_final=loss[-1],
        train_loss_drop_pct=100 * (loss[0] - loss[-1]) / loss[0],
        late_drop_pct=100 * (loss[4] - loss[-1]) / loss[4],
        stall_epoch=5,
        lr_cut_epoch=4,
        markers={"lr_cut_epoch": 4, "stall_epoch": 5},
    )
    other = metric_mismatch()

    def page(score: float) -> str:
        stalled = Finding("optimization", score, "stalled", check=stall.CHECK, result=stall)
        return render_html(Diagnosis(findings=[other, stalled], checks=[], curves=curves))

    reported, weak = parse_dom(page(0.7)), parse_dom(page(0.3))
    assert [n for n in reported.iter() if n.attrs.get("id") == "curves"] == []  # the stall's section draws them
    overview = weak.by_id("curves")  # the only curve-drawing finding is weak: the curves stand alone
    assert "vertical lines mark the epochs the findings point to" in overview.all_text()
    marked = "".join(t.all_text() for t in overview.find_all("text"))
    assert "lr cut (4)" in marked and "stall (5)" in marked
