"""Terminal rendering: the ranked table, each finding's evidence and fixes, the checks."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.report.gains import gain_line, lead_fix
from gapdoctor.report.labels import plain_evidence
from gapdoctor.report.printable import printable

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = ["experiment_line", "render_text"]


def escape(text: str) -> str:
    """Text for the console: control characters shown as escapes, rich markup quoted."""
    return _markup_escape(printable(text))


_EXPORT_HINT = "every flagged row with its labels: --rows OUT.csv, or diagnosis.rows_table()"
_VERDICT_WORDS = {"confirmed": "CONFIRMED", "refuted": "refuted", "inconclusive": "inconclusive"}


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def experiment_line(experiment: Mapping[str, Any]) -> str:
    """One line for a finding's confirming experiment.

    Examples
    --------
    >>> experiment_line({"intervention": "drop the flagged rows", "before": 0.81, "after": 0.9,
    ...                  "interval": [0.88, 0.92], "verdict": "confirmed", "metric": "accuracy"})
    'drop the flagged rows — accuracy 0.810 -> 0.900 (95% interval 0.880 to 0.920): CONFIRMED'
    """
    interval = experiment.get("interval")
    span = (
        f" (95% interval {_number(interval[0])} to {_number(interval[1])})"
        if isinstance(interval, (list, tuple)) and len(interval) == 2
        else ""
    )
    metric = f"{experiment['metric']} " if experiment.get("metric") else ""
    verdict = str(experiment.get("verdict"))
    cached = ", cached" if experiment.get("cached") else ""
    return (
        f"{experiment.get('intervention')} — {metric}{_number(experiment.get('before'))} -> "
        f"{_number(experiment.get('after'))}{span}: {_VERDICT_WORDS.get(verdict, verdict)}{cached}"
    )


def render_text(diagnosis: Diagnosis, *, width: int = 100, color: bool = False) -> str:
    """Render a diagnosis for a terminal.

    Parameters
    ----------
    diagnosis : Diagnosis
    width : int, default=100
    color : bool, default=False
        Keep ANSI colour codes in the output.

    Returns
    -------
    str
    """
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None)
    console.print(f"[bold]gapdoctor[/bold] — {escape(diagnosis.verdict())}")
    lead = lead_fix(diagnosis)
    if lead is not None:
        first = (lead.finding.fixes or cause_info(lead.finding.cause).fixes or ("see the evidence below",))[0]
        console.print(f"[bold]first fix to try:[/bold] {escape(first)}")
        if lead.why:
            console.print(f"   why first: {escape(lead.why)}")
    console.print()

    table = Table(title="Ranked causes", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("cause")
    table.add_column("score", justify="right")
    table.add_column("summary", overflow="fold")
    for i, finding in enumerate(diagnosis.findings, 1):
        style = "dim" if finding.weak else ""
        label = finding.cause + (" (weak)" if finding.weak else "")
        order = f" [ranked {finding.ranked_ahead_because}]" if finding.ranked_ahead_because else ""
        table.add_row(str(i), label, f"{finding.score:.2f}", escape(finding.summary + order), style=style)
    if diagnosis.findings:
        console.print(table)
    elif not diagnosis.judged:
        console.print("No check could run, so nothing was judged: see the skipped checks below for what each needs.")
    else:
        console.print("No finding at all: every check that ran saw nothing wrong.")

    for i, finding in enumerate(diagnosis.reported, 1):
        console.print()
        console.print(f"[bold]{i}. {escape(cause_info(finding.cause).title)}[/bold] (score {finding.score:.2f})")
        console.print(f"   {escape(finding.summary)}")
        if finding.ranked_ahead_because:
            console.print(f"   ranked {escape(finding.ranked_ahead_because)}")
        if finding.evidence:
            console.print("   evidence:")
            for label, value, _ in plain_evidence(finding.evidence, finding.check):
                console.print(f"     {escape(label)}: {escape(value)}", overflow="fold")
        if finding.rows:
            shown = ", ".join(str(r) for r in finding.rows[:10])
            more = f" … ({len(finding.rows):,} in all)" if len(finding.rows) > 10 else ""
            console.print(f"   rows to inspect first: {shown}{more}")
            console.print(f"   {_EXPORT_HINT}", style="dim")
        if finding.experiment:
            console.print(f"   experiment: {escape(experiment_line(finding.experiment))}")
        if finding.gain is not None:
            console.print(f"   fixing it: {escape(gain_line(finding.gain))}")
        for j, fix in enumerate(finding.fixes[:3], 1):
            console.print(f"   fix {j}: {escape(fix)}")

    console.print()
    ran = [c for c in diagnosis.checks if c.status == "ran"]
    skipped = [c for c in diagnosis.checks if c.status == "skipped"]
    errored = [c for c in diagnosis.checks if c.status == "errored"]
    console.print(f"checks: {len(ran)} ran, {len(skipped)} skipped, {len(errored)} errored")
    for c in skipped:
        console.print(f"   skipped {c.name}: {escape(c.reason)}", style="dim")
    for c in errored:
        console.print(f"   [red]errored[/red] {c.name}: {escape(c.reason)}")
    for c in ran:
        if c.note:  # the check read a sample: say so
            console.print(f"   {c.name}: {escape(c.note)}", style="dim")
    skipped_lines = {f"{c.name}: {c.reason}" for c in skipped}
    notes = [n for n in diagnosis.notes if n not in skipped_lines]  # e.g. why an experiment did not run
    for note in notes:
        console.print(f"   note: {escape(note)}")
    return buffer.getvalue()
