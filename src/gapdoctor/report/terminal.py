"""Terminal rendering: the ranked table, each finding's evidence and fixes, the checks."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gapdoctor.causes import cause_info

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = ["render_text"]


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
    console.print()

    table = Table(title="Ranked causes", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("cause")
    table.add_column("score", justify="right")
    table.add_column("summary", overflow="fold")
    for i, finding in enumerate(diagnosis.findings, 1):
        style = "dim" if finding.weak else ""
        label = finding.cause + (" (weak)" if finding.weak else "")
        table.add_row(str(i), label, f"{finding.score:.2f}", escape(finding.summary), style=style)
    if diagnosis.findings:
        console.print(table)
    else:
        console.print("No finding at all: every check that ran saw nothing wrong.")

    for i, finding in enumerate(diagnosis.reported, 1):
        console.print()
        console.print(f"[bold]{i}. {escape(cause_info(finding.cause).title)}[/bold] (score {finding.score:.2f})")
        console.print(f"   {escape(finding.summary)}")
        if finding.evidence:
            figures = ", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in finding.evidence.items())
            console.print(f"   evidence: {figures}")
        if finding.rows:
            shown = ", ".join(str(r) for r in finding.rows[:10])
            more = f" … ({len(finding.rows)} in all)" if len(finding.rows) > 10 else ""
            console.print(f"   rows to inspect first: {shown}{more}")
        if finding.experiment:
            exp = finding.experiment
            console.print(
                f"   experiment: {escape(str(exp.get('intervention')))}: {exp.get('before')} -> {exp.get('after')} "
                f"({exp.get('verdict')})"
            )
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
    return buffer.getvalue()
