"""The HTML report: one self-contained file that opens offline, without JavaScript.

Layout: the verdict, the first fix to try and the ranked causes at the top; the
training curves; one section per finding with its figures, evidence, rows to inspect and
fixes; weak findings folded away; which checks ran, were skipped (and why) or errored.

A finding's figures are the ones its cause folder's maker draws for its typed payload
(:mod:`gapdoctor.report.figure_registry`); its rows to inspect are its payload's
suggestions (:class:`~gapdoctor.causes.label_noise.result.SuggestsLabels`). The renderer
reads no cause's evidence or data by key: a finding without a payload (a plug-in's, or a
stored one whose payload cannot be rebuilt) shows its evidence and fixes, and no figure.

Every string that may come from the user's data goes through :func:`_e` (HTML
escaping, quotes included, so it is safe in attributes too). No script, no external
resource: styles are inline and figures are inline SVG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gapdoctor.causes.label_noise.result import Suggestion, SuggestsLabels
from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.vocabulary import cause_info, known_causes
from gapdoctor.findings import REPORT_THRESHOLD
from gapdoctor.report import plots
from gapdoctor.report.figure_registry import CurvesDrawing, Figure, figures_of
from gapdoctor.report.gains import gain_line, lead_fix
from gapdoctor.report.labels import plain_evidence
from gapdoctor.report.markup import escape_html as _e
from gapdoctor.report.markup import html_table as _table
from gapdoctor.report.markup import number_html as _fmt
from gapdoctor.report.markup import style_sheet as _style_sheet
from gapdoctor.report.per_class import per_class_section

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis, Finding

__all__ = ["render_html", "write_html"]

_VERDICT_CLASS = {"confirmed": "confirmed", "refuted": "refuted", "inconclusive": "inconclusive"}
_ROWS_SHOWN = 20
_SUSPECTS_SHOWN = 15


def _score_bar(score: float) -> str:
    level = "high" if score >= 0.5 else ("mid" if score >= 0.3 else "low")
    return f'<span class="bar"><span class="{level}" style="width:{100 * score:.0f}%"></span></span>'


def _title(cause: str) -> str:
    return cause_info(cause).title if cause in known_causes() else cause


def _fixes_of(finding: Finding) -> tuple[str, ...]:
    """The finding's own fixes, else the cause's default ones."""
    if finding.fixes:
        return finding.fixes
    return cause_info(finding.cause).fixes if finding.cause in known_causes() else ()


# --------------------------------------------------------------------------- figures
def _figure(caption: str, draw: Callable[[], str | None]) -> str:
    """One figure; a figure that fails to draw becomes a note, never a broken report."""
    try:
        svg = draw()
    except Exception as error:  # a malformed data entry must not lose the whole report
        return f'<p class="figure-error">Figure “{_e(caption)}” could not be drawn: {_e(repr(error))}</p>'
    if svg is None:
        return ""
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _figures_made(finding: Finding, diagnosis: Diagnosis) -> list[Figure]:
    """What its cause folder's maker draws for the finding's payload; none without a payload or maker.

    A maker that fails (a stored payload rebuilt from malformed data) gives one figure that
    fails to draw: a note in the report, never a broken report.
    """
    try:
        return figures_of(finding, diagnosis) or []
    except Exception as error:  # the report must survive any one finding
        failure = error

        def fail() -> str:
            raise failure

        return [("The figures of this finding", fail)]


def _shows_curves(figures: Sequence[Figure], diagnosis: Diagnosis) -> bool:
    return bool(diagnosis.curves) and any(isinstance(draw, CurvesDrawing) for _, draw in figures)


def _suggestions(finding: Finding) -> Mapping[int, Suggestion]:
    """The rows the finding's payload details with a suggested label (none without such a payload)."""
    try:
        result = payload_of(finding)
    except Exception:  # a stored payload that cannot be rebuilt: the section shows its evidence
        return {}
    return result.suggestions() if isinstance(result, SuggestsLabels) else {}


def _suggestions_table(suggestions: Mapping[int, Suggestion]) -> str:
    rows = [
        [_fmt(row), _fmt(s.given), _fmt(s.suggested), "—" if s.confidence is None else _fmt(s.confidence)]
        for row, s in list(suggestions.items())[:_SUSPECTS_SHOWN]
    ]
    more = (
        f"<p class='story'>{len(suggestions)} listed; the first {_SUSPECTS_SHOWN} shown.</p>"
        if len(suggestions) > _SUSPECTS_SHOWN
        else ""
    )
    header = ["training row", "given label", "suggested label", "confidence"]
    return "<h3>Rows to inspect first</h3>" + _table(header, rows, numeric={0, 3}) + more


# --------------------------------------------------------------------------- sections
def _ranked_note(finding: Finding) -> str:
    """Why a finding sits ahead of a higher-scored one, for the ranking table ("" when it does not)."""
    if not finding.ranked_ahead_because:
        return ""
    return f'<br><span class="ranked">ranked {_e(finding.ranked_ahead_because)}</span>'


def _finding_section(index: int, finding: Finding, diagnosis: Diagnosis, made: Sequence[Figure]) -> str:
    info_story = cause_info(finding.cause).story if finding.cause in known_causes() else ""
    check = f'<span class="code">check: {_e(finding.check)}</span>' if finding.check else ""
    parts = [
        f'<section class="card finding" id="finding-{index}">',
        f'<h2>{index}. {_e(_title(finding.cause))} <span class="code">{_e(finding.cause)}</span>'
        f'<span class="score">score {finding.score:.2f}</span></h2>',
        f'<p class="summary">{_e(finding.summary)}</p>',
        *(
            [f'<p class="ranked">Ranked {_e(finding.ranked_ahead_because)}.</p>']
            if finding.ranked_ahead_because
            else []
        ),
        f'<p class="story">{_e(info_story)} {check}</p>',
    ]
    if finding.experiment:
        exp = finding.experiment
        interval = exp.get("interval")
        interval_text = ""
        if isinstance(interval, (list, tuple)) and len(interval) == 2:
            interval_text = f" (95% interval {_fmt(interval[0])} to {_fmt(interval[1])})"
        change = f"{_fmt(exp.get('before'))} → {_fmt(exp.get('after'))}{interval_text}"
        parts.append(
            f'<p class="experiment {_VERDICT_CLASS.get(str(exp.get("verdict")), "")}">'
            f"<strong>Experiment — {_e(exp.get('verdict', ''))}:</strong> "
            f"{_e(exp.get('intervention', ''))}: {change}</p>"
        )
    if finding.gain is not None:
        parts.append(f'<p class="gain"><strong>Fixing it:</strong> {_e(gain_line(finding.gain))}</p>')
    figures = [f for f in (_figure(caption, draw) for caption, draw in made) if f]
    if figures:
        parts.append('<div class="figures">' + "".join(figures) + "</div>")
    suggestions = _suggestions(finding)
    if suggestions:
        parts.append(_suggestions_table(suggestions))
    figures_of_record: list[str] = []
    if finding.evidence:
        rows = [
            [f'{_e(label)}<br><span class="code">{_e(key)}</span>', _e(value)]
            for label, value, key in plain_evidence(finding.evidence, finding.check)
        ]
        figures_of_record.append("<h3>Evidence</h3>" + _table(["figure", "value"], rows, numeric={1}, css="evidence"))
    if finding.rows:
        shown = ", ".join(str(r) for r in finding.rows[:_ROWS_SHOWN])
        more = f" … ({len(finding.rows)} rows in all)" if len(finding.rows) > _ROWS_SHOWN else ""
        figures_of_record.append(
            f"<h3>Rows flagged</h3><p class='code'>{_e(shown)}{_e(more)}</p>"
            "<p class='story'>Every flagged row with its given and suggested label: "
            "<span class='code'>--rows OUT.csv</span> or <span class='code'>diagnosis.rows_table()</span>.</p>"
        )
    fixes = _fixes_of(finding)
    remedies = "".join(f"<li>{_e(fix)}</li>" for fix in fixes)
    columns = ["".join(figures_of_record), f"<h3>Fixes, most effective first</h3><ol>{remedies}</ol>" if fixes else ""]
    parts.append('<div class="cols">' + "".join(f"<div>{c}</div>" for c in columns if c) + "</div></section>")
    return "".join(parts)


def _inputs_line(inputs: Mapping[str, Any]) -> str:
    bits: list[str] = []
    history = inputs.get("history")
    if isinstance(history, Mapping):
        source = f" from {history['source']}" if history.get("source") not in (None, "", "mapping") else ""
        points = "evaluations (by step)" if history.get("unit") == "step" else "epochs"
        bits.append(f"{history.get('epochs')} {points}{source}")
    for name, label in (("X_train", "training rows"), ("X_val", "validation rows")):
        shape = inputs.get(name)
        if shape:
            features = f" × {shape[1]} features" if len(shape) > 1 else ""
            bits.append(f"{shape[0]} {label}{features}")
    if inputs.get("n_classes"):
        bits.append(f"{inputs['n_classes']} classes")
    if inputs.get("metric"):
        bits.append(f"metric: {inputs['metric']}")
    if inputs.get("model"):
        bits.append(f"model: {inputs['model']}")
    return " · ".join(_e(b) for b in bits)


def _ranking(diagnosis: Diagnosis) -> str:
    if not diagnosis.judged:
        return '<p id="ranking">No check could run, so nothing was judged: see the checks below.</p>'
    if not diagnosis.findings:
        return '<p id="ranking">No finding at all: every check that ran saw nothing wrong.</p>'
    rows = []
    for i, f in enumerate(diagnosis.findings, 1):
        weak = ' <span class="tag">weak</span>' if f.weak else ""
        row_class = ' class="weak"' if f.weak else ""
        rows.append(
            f'<tr{row_class}><td class="num">{i}</td>'
            f'<td><a href="#finding-{i}">{_e(_title(f.cause))}</a>{weak}'
            f'<br><span class="code">{_e(f.cause)}</span></td>'
            f'<td class="num">{_score_bar(f.score)}{f.score:.2f}</td><td>{_e(f.summary)}{_ranked_note(f)}</td></tr>'
        )
    head = '<tr><th class="num">#</th><th>cause</th><th class="num">score</th><th>why</th></tr>'
    return f'<table id="ranking"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _first_fix(diagnosis: Diagnosis) -> str:
    lead = lead_fix(diagnosis)
    if not diagnosis.judged:
        return (
            '<div class="fix" id="first-fix"><strong>First thing to do</strong>'
            f"Give gapdoctor more to work with: no check could run ({_e(diagnosis.missing())}).</div>"
        )
    if lead is None:
        return (
            '<div class="fix healthy" id="first-fix"><strong>First fix to try</strong>'
            f"Nothing to fix: no cause reaches the reporting threshold ({REPORT_THRESHOLD}).</div>"
        )
    fixes = _fixes_of(lead.finding)
    fix = fixes[0] if fixes else "See the evidence below."
    gain = lead.finding.gain
    expected = f"; fixing it: {gain_line(gain)}" if gain is not None else ""
    why = f'<br><span class="story" id="why-first">Why first: {_e(lead.why)}</span>' if lead.why else ""
    return (
        f'<div class="fix" id="first-fix"><strong>First fix to try</strong>{_e(fix)} '
        f'<span class="story">({_e(_title(lead.finding.cause).lower())}{_e(expected)})</span>{why}</div>'
    )


def _checks(diagnosis: Diagnosis) -> str:
    counts = {s: sum(c.status == s for c in diagnosis.checks) for s in ("ran", "skipped", "errored")}
    order = {"errored": 0, "skipped": 1, "ran": 2}
    rows = [
        [
            f'<span class="code">{_e(c.name)}</span>',
            _e(c.cause),
            f'<span class="tag {_e(c.status)}">{_e(c.status)}</span>',
            _e(c.reason)
            if c.reason
            else (f"{c.n_findings} finding(s)" + (f"; {_e(c.note)}" if c.note else "") if c.status == "ran" else ""),
            f"{c.seconds:.2f}",
        ]
        for c in sorted(diagnosis.checks, key=lambda c: (order.get(c.status, 3), c.name))
    ]
    summary = f"{counts['ran']} ran, {counts['skipped']} skipped, {counts['errored']} errored"
    table = _table(["check", "cause", "status", "why / result", "seconds"], rows, numeric={4})
    return f'<section class="card" id="checks"><h2>Checks</h2><p>{summary}</p>{table}</section>'


def _overview_curves(diagnosis: Diagnosis, made: Sequence[Sequence[Figure]]) -> str:
    """The training curves on their own, when no reported finding's section shows them;
    every epoch a finding's curves mark is marked here too (the first name wins)."""
    shown = any(_shows_curves(m, diagnosis) for f, m in zip(diagnosis.findings, made, strict=True) if not f.weak)
    if not diagnosis.curves or shown:
        return ""
    markers: dict[str, Any] = {}
    for figures in made:
        for _, draw in figures:
            if isinstance(draw, CurvesDrawing):
                for name, epoch in draw.markers.items():
                    markers.setdefault(name, epoch)
    caption = "Train and validation curves"
    if markers:
        caption += "; vertical lines mark the epochs the findings point to"
    metric = str(diagnosis.inputs.get("metric", ""))
    figure = _figure(caption, partial(plots.curves_svg, diagnosis.curves, metric, markers))
    return f'<section class="card" id="curves"><h2>Training curves</h2>{figure}</section>' if figure else ""


def render_html(diagnosis: Diagnosis) -> str:
    """Render the diagnosis as one self-contained HTML page (no script, no network).

    Parameters
    ----------
    diagnosis : Diagnosis

    Returns
    -------
    str
        The whole page.

    Examples
    --------
    >>> from gapdoctor.findings import Diagnosis, Finding
    >>> d = Diagnosis(findings=[Finding(cause="label_noise", score=0.9, summary="<b>x</b>")], checks=[])
    >>> page = render_html(d)
    >>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    True
    """
    from gapdoctor import __version__

    healthy = " healthy" if diagnosis.healthy else "" if diagnosis.judged else " unjudged"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>gapdoctor: {_e(diagnosis.verdict())}</title><style>{_style_sheet()}</style></head><body><main>",
        "<header><div class='brand'>gapdoctor report</div></header>",
        f'<section class="card verdict{healthy}"><h1 id="verdict">{_e(diagnosis.verdict())}</h1>',
        f'<p class="inputs">{_inputs_line(diagnosis.inputs)}</p>',
        _first_fix(diagnosis),
        "<h2>Ranked causes</h2>",
        _ranking(diagnosis),
        "</section>",
    ]
    made = [_figures_made(f, diagnosis) for f in diagnosis.findings]
    parts.append(_overview_curves(diagnosis, made))
    for i, f in enumerate(diagnosis.findings, 1):
        if not f.weak:
            parts.append(_finding_section(i, f, diagnosis, made[i - 1]))
    weak = [(i, f) for i, f in enumerate(diagnosis.findings, 1) if f.weak]
    if weak:
        parts.append(
            f'<details class="card" id="weak"><summary>{len(weak)} weak finding(s), below the '
            "reporting threshold</summary>"
        )
        parts.extend(_finding_section(i, f, diagnosis, made[i - 1]) for i, f in weak)
        parts.append("</details>")
    parts.append(per_class_section(diagnosis.per_class))
    if diagnosis.notes:
        parts.append('<section class="card" id="notes"><h2>What could not be concluded</h2><ul>')
        parts.extend(f"<li>{_e(n)}</li>" for n in diagnosis.notes)
        parts.append("</ul></section>")
    parts.append(_checks(diagnosis))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>gapdoctor {_e(__version__)} · {stamp}</footer></main></body></html>")
    return "\n".join(parts)


def write_html(diagnosis: Diagnosis, path: Path) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path.

    A lone surrogate (a file or class name that was not UTF-8) is written as its escape.
    """
    path.write_text(render_html(diagnosis), encoding="utf-8", errors="backslashreplace")
    return path
