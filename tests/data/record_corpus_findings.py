"""Record the corpus findings the scoring-policy tests fit on, once, into a fixture file.

The lines of a whole-corpus ``python -m gapdoctor.bench.corpus diagnose`` (400 seeds, every
family), reduced to what fitting and evaluating the policy read: per diagnosed scenario its
injected causes, its data-set family and, per finding, its cause, its check's strength of
evidence and its ``truth`` (injected / observed / wrong). The tests then fit on the
calibration families and measure on the held-out ones without training or diagnosing anything.

Run from the repository root (it overwrites the fixture beside this file)::

    python -m tests.data.record_corpus_findings DIAGNOSES.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gapdoctor.bench.corpus.calibration import read_lines, strength_of

FIXTURE = Path(__file__).with_name("corpus_findings.jsonl")


def reduced(line: dict[str, object]) -> dict[str, object]:
    """One diagnose line with only what the policy's fit and evaluation read."""
    findings = line["findings"]
    assert isinstance(findings, list)
    families = line["families"]
    assert isinstance(families, dict)
    return {
        "status": "diagnosed",
        "seed": line["seed"],
        "causes": line["causes"],
        "families": {"dataset": families["dataset"]},
        "findings": [
            {"cause": f["cause"], "score": round(strength_of(f), 6), "truth": f.get("truth")} for f in findings
        ],
    }


def main(argv: list[str]) -> int:
    lines = [reduced(line) for line in read_lines(argv[0])]
    FIXTURE.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} scenarios from {argv[0]} -> {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
