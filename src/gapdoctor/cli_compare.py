"""``gapdoctor compare RUN RUN``: two runs of the run store side by side (terminal, ``--html``).

Each run is read from the store with its latest saved diagnosis; a run saved without one
has its stored curves diagnosed for the comparison (as ``gapdoctor show`` does). Exit
codes: 0 compared, 2 bad input (no store, an unknown run, the same run twice; one line).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gapdoctor.cli_door import read_input, write_output
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.report.printable import printable

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis
    from gapdoctor.io.store import RunInfo, RunStore

__all__ = ["add_compare_parser", "run_compare"]


def add_compare_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``compare`` sub-command."""
    compare = sub.add_parser(
        "compare",
        help="show two stored runs side by side: key figures, verdicts and the difference",
        description="Compare two runs of the run store (see `gapdoctor runs`): best validation metric and its "
        "epoch, final losses, epochs, top finding, and the difference (second minus first).",
    )
    compare.add_argument("first", metavar="RUN", help="run id or name (the latest run of that name)")
    compare.add_argument("second", metavar="RUN", help="the run to compare it with")
    compare.add_argument(
        "--store", help="run store database (default: $GAPDOCTOR_STORE, else ./.gapdoctor/runs.sqlite)"
    )
    compare.add_argument("--metric", help="validation metric to compare (default: the one the runs were diagnosed on)")
    compare.add_argument("--html", dest="html_out", help="also write the comparison as a self-contained HTML page")
    compare.add_argument(
        "--json", dest="json_out", help="also write both runs' summaries and the compared figures as JSON"
    )


def _diagnosis(store: RunStore, run: RunInfo) -> tuple[Diagnosis, bool]:
    """The run's stored diagnosis, or its stored curves diagnosed now (True)."""
    from gapdoctor.engine import diagnose
    from gapdoctor.findings import Diagnosis

    stored = read_input("--store", str(store.path), lambda: store.diagnosis(run.id))
    if stored is not None:
        try:
            return Diagnosis.from_dict(stored), False
        except (KeyError, TypeError, ValueError):
            pass  # written by another version: diagnosed again below
    history = read_input("--store", str(store.path), lambda: store.history(run.id))
    return diagnose(history=history), True


def run_compare(args: argparse.Namespace, open_store: Callable[[str | None], RunStore | None]) -> int:
    """Compare the two runs named on the command line; returns the exit code (0)."""
    from gapdoctor.io.store import default_store_path
    from gapdoctor.report.compare import (
        render_comparison_text,
        shared_metric,
        summarise_run,
    )
    from gapdoctor.report.compare_html import render_comparison_html

    store = open_store(args.store)
    if store is None:
        raise GapdoctorInputError(
            "--store", f"no run store at {args.store or default_store_path()}", "pass --store PATH or record a run"
        )
    with store:
        first = read_input("--store", str(store.path), lambda: store.find_run(args.first))
        second = read_input("--store", str(store.path), lambda: store.find_run(args.second))
        if first.id == second.id:
            raise GapdoctorInputError(
                "RUN RUN", f"both name run {first.id}", "pass two different runs (ids from `gapdoctor runs`)"
            )
        runs = []
        for info in (first, second):
            diagnosis, now = _diagnosis(store, info)
            curves = read_input("--store", str(store.path), lambda: store.history(info.id)).to_dict()  # noqa: B023
            runs.append((info, diagnosis, now, curves))
    preferred = args.metric or str(runs[0][1].inputs.get("metric") or "") or None
    metric = shared_metric([r[3] for r in runs], preferred)
    if args.metric and metric != args.metric:
        raise GapdoctorInputError(
            "--metric", f"val_{args.metric} was not logged by both runs", "pass a metric both runs logged, or omit it"
        )
    summaries = [
        summarise_run(
            run_id=info.id,
            name=info.name,
            started_at=info.started_at,
            curves=curves,
            diagnosis=diagnosis,
            metric=metric,
            diagnosed_now=now,
            meta=info.meta,
        )
        for info, diagnosis, now, curves in runs
    ]
    a, b = summaries
    print(render_comparison_text(a, b), end="")
    if args.json_out:
        import json

        from gapdoctor.report.compare import comparison_rows

        content = {
            "first": a.to_dict(),
            "second": b.to_dict(),
            "rows": [
                dict(zip(("figure", "first", "second", "difference"), r, strict=True)) for r in comparison_rows(a, b)
            ],
        }
        out_json = Path(args.json_out)
        write_output(
            "--json", args.json_out, lambda: out_json.write_text(json.dumps(content, indent=2), encoding="utf-8")
        )
        print(f"JSON comparison written to {printable(args.json_out)}")
    if args.html_out:
        listed = tuple([(f.cause, f.score, f.summary) for f in d.reported] for _, d, _, _ in runs)
        page = render_comparison_html(a, b, (listed[0], listed[1]))
        out = Path(args.html_out)
        write_output("--html", args.html_out, lambda: out.write_text(page, encoding="utf-8", errors="backslashreplace"))
        print(f"HTML comparison written to {printable(args.html_out)}")
    return 0
