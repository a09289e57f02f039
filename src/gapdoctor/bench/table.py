"""The bench's terminal report: confusion table, accuracy, false alarms, timings (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gapdoctor.bench.runner import NOT_DIAGNOSABLE, BenchResult
from gapdoctor.bench.scenario import HEALTHY
from gapdoctor.causes.vocabulary import cause_info, known_causes

__all__ = ["heading", "print_bench"]

_OUTCOMES = {HEALTHY: "none", NOT_DIAGNOSABLE: "n/a"}


def heading(cause: str) -> str:
    """Column heading of the confusion table: the cause's ``short`` name from its spec."""
    if cause in _OUTCOMES:
        return _OUTCOMES[cause]
    return cause_info(cause).short or cause if cause in known_causes() else cause


def confusion_table(result: BenchResult) -> Table:
    """True cause (rows) x top reported cause (columns), scored scenarios only."""
    confusion = result.confusion()
    order = [*known_causes(), HEALTHY, NOT_DIAGNOSABLE]
    columns = [c for c in order if any(c in row for row in confusion.values())]
    rows = [c for c in order if c in confusion]
    title = "True cause x top reported cause"
    table = Table(title=title, title_justify="left", min_width=len(title))  # a narrow table must not wrap it
    table.add_column("true cause")
    for c in columns:
        table.add_column(heading(c), justify="right")
    table.add_column("top-1", justify="right")
    for cause in rows:
        row = confusion[cause]
        total = sum(row.values())
        cells = []
        for c in columns:
            n = row.get(c, 0)
            text = str(n) if n else "."
            cells.append(f"[bold green]{text}[/]" if c == cause and n else text)
        table.add_row(cause, *cells, f"{row.get(cause, 0)}/{total}")
    return table


def scenario_table(result: BenchResult) -> Table:
    """One line per scenario: status, top reported cause, its score, the true cause's rank, time."""
    table = Table(
        title="Scenarios (rank: of the true cause among all findings, weak ones included)", title_justify="left"
    )
    table.add_column("scenario", overflow="fold", ratio=1)
    for name in ("status", "top", "score", "rank", "diagnose s"):
        table.add_column(name, justify="left" if name in ("status", "top") else "right", no_wrap=True)
    for r in result.results:
        causes = [c for c, _ in r.ranked]
        rank = str(causes.index(r.cause) + 1) if r.cause in causes else "-"
        score = f"{r.ranked[0][1]:.3f}" if r.ranked else "-"
        mark = "[green]hit[/]" if r.hit else ("[yellow]invalid[/]" if not r.scored else "[red]miss[/]")
        table.add_row(r.name, mark, heading(r.top), score, rank, f"{r.diagnose_seconds:.3f}")
    return table


def print_bench(result: BenchResult, console: Console | None = None) -> None:
    """Print the bench's report."""
    console = console or Console()
    summary = result.to_dict()
    console.print(scenario_table(result))
    console.print(confusion_table(result))
    legend = ", ".join(f"{heading(c)}={c}" for c in [*known_causes(), *_OUTCOMES])
    console.print(f"[dim]{legend}[/]")
    console.print(
        f"top-1 {100 * result.top1:.1f}%   top-3 {100 * result.top3:.1f}%   "
        f"({summary['hits']}/{summary['scored']} scored scenarios; {len(summary['invalid'])} invalid, "
        f"{len(summary['not_diagnosable'])} not diagnosable on this build, {len(summary['errored'])} errored)"
    )
    console.print(f"false alarms on healthy runs: {result.false_alarms}/{result.healthy}")
    if summary["diagnose_seconds_mean"] is not None:
        console.print(
            f"time per diagnosis: mean {summary['diagnose_seconds_mean']:.3f} s, max "
            f"{summary['diagnose_seconds_max']:.3f} s; scenarios built/loaded in "
            f"{summary['build_seconds_total']:.1f} s ({summary['cached']} from cache); total {result.seconds:.1f} s"
        )
    for r in result.results:
        if not r.scored:
            console.print(f"[yellow]invalid[/] {r.name}: {r.symptom}")
        elif r.status in ("not_diagnosable", "errored"):
            console.print(f"[red]{r.status}[/] {r.name}: {r.symptom}")
