"""``gapdoctor bench``: run the scenarios with a progress bar, print the report, write JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.runner import ScenarioResult, run_bench
from gapdoctor.bench.scenario import Scenario, cache_dir
from gapdoctor.bench.table import print_bench

__all__ = ["run_bench_command"]


def run_bench_command(
    *,
    cause: str | None,
    json_out: str | None,
    fast: bool,
    cache_dir: str | None,
    no_cache: bool,
    experiments: bool = False,
) -> int:
    """Run the bench from the command line; returns the exit code (0, or 2 for an unknown cause)."""
    console = Console() if sys.stdout.isatty() else Console(width=110)
    try:
        scenarios = select_scenarios(cause=cause, fast=fast)
    except ValueError as error:
        print(f"gapdoctor: bad input: --cause: {error}", file=sys.stderr)
        return 2
    cache = None if no_cache else _cache(cache_dir)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("bench", total=len(scenarios))

        def report(scenario: Scenario, result: ScenarioResult | None) -> None:
            if result is None:
                progress.update(task, description=scenario.name)
            else:
                progress.advance(task)

        result = run_bench(cause=cause, fast=fast, cache=cache, on_scenario=report, experiments=experiments)
    print_bench(result, console)
    if cache is not None:
        console.print(f"[dim]scenario cache: {cache}[/]")
    if json_out:
        Path(json_out).write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
        console.print(f"JSON written to {json_out}")
    return 0


def _cache(path: str | None) -> Path:
    return cache_dir(path)
