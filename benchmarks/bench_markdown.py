"""Turn the JSON of ``gapdoctor bench --json OUT`` into the Markdown tables of RESULTS.md.

Usage: ``python benchmarks/bench_markdown.py OUT.json`` (prints to stdout).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gapdoctor.bench.table import heading
from gapdoctor.causes.vocabulary import CAUSES


def confusion_markdown(result: dict[str, Any]) -> str:
    confusion: dict[str, dict[str, int]] = result["confusion"]
    order = [*CAUSES, "none", "n/a"]
    columns = [c for c in order if any(c in row for row in confusion.values())]
    lines = [
        "| true cause \\ top reported | " + " | ".join(heading(c) for c in columns) + " | top-1 |",
        "|---|" + "---:|" * (len(columns) + 1),
    ]
    for cause in [c for c in order if c in confusion]:
        row = confusion[cause]
        cells = [str(row.get(c, 0)) if row.get(c, 0) else "." for c in columns]
        cells = [f"**{v}**" if c == cause and v != "." else v for c, v in zip(columns, cells, strict=True)]
        lines.append(f"| {cause} | " + " | ".join(cells) + f" | {row.get(cause, 0)}/{sum(row.values())} |")
    return "\n".join(lines)


def scenarios_markdown(result: dict[str, Any]) -> str:
    lines = ["| scenario | outcome | top reported (score) | true cause's rank |", "|---|---|---|---:|"]
    for r in result["results"]:
        causes = [c["cause"] for c in r["ranked"]]
        rank = str(causes.index(r["cause"]) + 1) if r["cause"] in causes else "-"
        outcome = "hit" if r["hit"] else ("invalid" if r["status"] == "invalid" else "miss")
        if r["status"] == "not_diagnosable":
            outcome = "miss (not diagnosable on this build)"
        top = r["top"]
        score = next((c["score"] for c in r["ranked"] if c["cause"] == top), None)
        if score is None and r["ranked"]:
            top, score = f"none (strongest: {r['ranked'][0]['cause']}", r["ranked"][0]["score"]
            lines.append(f"| `{r['name']}` | {outcome} | {top} {score:.3f}) | {rank} |")
            continue
        shown = top if score is None else f"{top} ({score:.3f})"
        lines.append(f"| `{r['name']}` | {outcome} | {shown} | {rank} |")
    return "\n".join(lines)


def main(path: str) -> None:
    result = json.loads(Path(path).read_text(encoding="utf-8"))
    print(confusion_markdown(result))
    print()
    print(
        f"top-1 **{100 * result['top1']:.1f}%**, top-3 **{100 * result['top3']:.1f}%** "
        f"({result['hits']}/{result['scored']} scored scenarios; invalid: {len(result['invalid'])}; "
        f"not diagnosable on this build: {len(result['not_diagnosable'])}); "
        f"false alarms on healthy runs: **{result['false_alarms']}/{result['healthy']}**; "
        f"time per diagnosis: mean {result['diagnose_seconds_mean']:.3f} s, max {result['diagnose_seconds_max']:.3f} s."
    )
    print()
    print(scenarios_markdown(result))


if __name__ == "__main__":
    main(sys.argv[1])
