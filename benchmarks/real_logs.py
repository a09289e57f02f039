"""Read every log of the real-log corpus and compare gapdoctor's curve verdict with its label.

Usage: ``python benchmarks/real_logs.py [CORPUS_DIR]`` (default: tests/data/real_logs).
The labels come from the corpus' MANIFEST.csv (see its LABELLING.md). Verdict mapping:
overfitting / optimization -> the top finding's cause; healthy -> checks ran and no finding
scored >= 0.5; not_enough -> no curve check could run.
"""

from __future__ import annotations

import csv
import sys
import warnings
from collections import Counter
from pathlib import Path

import gapdoctor
from gapdoctor import GapdoctorInputError

CURVE_CHECKS = {"overfitting.curves", "optimization.curves", "metric_saturation.curves"}
REPORTED = 0.5


def verdict(diagnosis: gapdoctor.Diagnosis) -> str:
    ran = [c for c in diagnosis.checks if c.name in CURVE_CHECKS and c.status == "ran"]
    if not ran:
        return "not_enough"
    top = diagnosis.top
    if top is None or top.score < REPORTED:
        return "healthy"
    return top.cause


def main(corpus: Path) -> int:
    rows = list(csv.DictReader((corpus / "MANIFEST.csv").open(encoding="utf-8")))
    agree = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for row in rows:
        path = corpus / row["file"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                diagnosis = gapdoctor.diagnose(history=path)
            got = verdict(diagnosis)
            detail = "" if diagnosis.top is None else f"{diagnosis.top.score:.2f} {diagnosis.top.summary[:110]}"
        except GapdoctorInputError as error:
            got, detail = "REFUSED", str(error)[:140]
        ok = got == row["label"]
        agree += ok
        confusion[(row["label"], got)] += 1
        print(f"{'ok ' if ok else 'BAD'} {row['file']:<48} label={row['label']:<12} got={got:<12} {detail}")
    print(f"\nagree {agree}/{len(rows)} = {100 * agree / len(rows):.1f}%")
    for (label, got), count in sorted(confusion.items()):
        print(f"  {label:>12} -> {got:<12} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/data/real_logs")))
