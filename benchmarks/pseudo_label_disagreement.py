"""Does the validation-fitted judges' disagreement find noisy pseudo labels that the fitted-on-a-source tests miss?

Measured on every pseudo-labelled corpus scenario (a weak teacher fitted on 30-160 "human" rows
labels the rest) and on null controls (every other diagnosed scenario with its training rows split
at random into a "human" source of 30-160 rows and a "pseudo" source, labels untouched: no source
noisier, so any blame is a false alarm), per side (calibration / held-out families):

- ``disagreed``: :func:`gapdoctor.causes.pseudo_label_noise.disagreement.disagreement_of`, the
  permutation test of judges fitted on the validation rows (p < 0.01, and alone at
  ``score.DISAGREED_P_VALUE``);
- ``fisher``: the same judges' hard disagreements (the judge's prediction differs from the given label)
  in a 2x2 table per source, one-sided Fisher exact test, Bonferroni over the two judges;
- ``taught`` and ``learnt`` (the check's other model tests) and the taught test with the disagreement
  test together (:func:`gapdoctor.causes.pseudo_label_noise.score.combined_p_value`);
- ``check``: the whole check (``pseudo_label_noise.by_source``) on the run's inputs, its score >= 0.5
  (on null controls: a false alarm).

Also the correlation of the tests' z-scores over the null controls (what ``score.TESTS_CORRELATION``
assumes). Measured (main6.jsonl, the tree of this script's commit) is in ``score.DISAGREED_P_VALUE``
and the disagreement module's docstring.

Usage (about 4 min on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/pseudo_label_disagreement.py /work/s3/main6.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from corpus_lines import scenarios_with_features, with_trusted_rows
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.causes.pseudo_label_noise.agreement import agreement_of
from gapdoctor.causes.pseudo_label_noise.check import pseudo_label_noise_by_source
from gapdoctor.causes.pseudo_label_noise.disagreement import disagreement_of
from gapdoctor.causes.pseudo_label_noise.score import (
    COMBINED_P_VALUE,
    DISAGREED_P_VALUE,
    LEARNT_P_VALUE,
    TAUGHT_P_VALUE,
    combined_p_value,
)
from gapdoctor.causes.pseudo_label_noise.teaching import judges, teaching_of
from gapdoctor.causes.registry import SkipCheck
from gapdoctor.inputs.evidence import build_evidence

_INPUTS = ("X_train", "y_train", "X_val", "y_val", "sources_train", "train_probs", "sample_losses")


def _side(line: dict[str, Any]) -> str:
    families = line.get("families", {})
    held = any(families.get(axis) in labels for axis, labels in DEFAULT_HELD_OUT.items())
    return "held-out" if held else "calibrate"


def fisher_p(X: Any, y: Any, sources: Any, X_val: Any, y_val: Any) -> float:
    """Bonferroni p of 'judges fitted on the validation rows mispredict the pseudo labels more often'."""
    trusted, pseudo = sources == "human", sources != "human"
    p_values = []
    for make in judges().values():
        wrong = make().fit(X_val, y_val).predict(X) != y
        a, b, c, d = wrong[pseudo].sum(), pseudo.sum(), wrong[trusted].sum(), trusted.sum()
        p_values.append(float(sps.fisher_exact([[a, b - a], [c, d - c]], alternative="greater").pvalue))
    return min(1.0, len(p_values) * min(p_values))


def measure(line: dict[str, Any], kw: dict[str, Any]) -> dict[str, Any] | None:
    """Every test of one diagnosed corpus line (its scenario's inputs ``kw``)."""
    if len(np.unique(kw["y_val"])) < 2:
        return None
    pseudo, arrays = with_trusted_rows(line, kw)
    y = np.asarray(arrays["y_train"])
    evidence = build_evidence(**{k: arrays[k] for k in _INPUTS if arrays.get(k) is not None})
    X = np.nan_to_num(np.asarray(arrays["X_train"], dtype=np.float64))
    X_val = np.nan_to_num(np.asarray(arrays["X_val"], dtype=np.float64))
    taught = [t for t in (teaching_of(evidence) or {"sources": []})["sources"] if t["drop"] > 0]
    disagreed = disagreement_of(evidence)
    try:
        findings = pseudo_label_noise_by_source(evidence)
    except SkipCheck:
        findings = []
    taught_p = min((t["p_value"] for t in taught), default=1.0)
    disagreed_p = min((d["p_value"] for d in disagreed if d["excess"] > 0), default=1.0)
    return {
        "seed": line["seed"],
        "side": _side(line),
        "pseudo": pseudo,
        "human_rows": int(np.sum(np.asarray(arrays["sources_train"]) == "human")),
        "taught_p": taught_p,
        "learnt_p": min((a["p_value"] for a in agreement_of(evidence)), default=1.0),
        "disagreed_p": disagreed_p,
        "disagreed_excess": max((d["excess"] for d in disagreed), default=0.0),
        "together_p": combined_p_value(taught_p, disagreed_p),
        "fisher_p": fisher_p(X, y, np.asarray(arrays["sources_train"]), X_val, np.asarray(arrays["y_val"])),
        "check_score": max((f.score for f in findings), default=0.0),
        "blamed_by": findings[0].evidence.get("blamed_by") if findings else None,
    }


def _z(p: float) -> float:
    return float(np.clip(sps.norm.isf(min(max(p, 1e-300), 1 - 1e-16)), -5, 10))


def report(rows: list[dict[str, Any]]) -> None:
    """Per side and kind, how many runs each test passes; the null controls' test correlations."""
    for pseudo, kind in ((True, "pseudo-labelled"), (False, "null controls")):
        for side in ("calibrate", "held-out"):
            chosen = [r for r in rows if r["pseudo"] is pseudo and r["side"] == side]
            counts = {
                "disagreed<0.01": [r["seed"] for r in chosen if r["disagreed_p"] < 0.01],
                f"disagreed<{DISAGREED_P_VALUE}": [r["seed"] for r in chosen if r["disagreed_p"] < DISAGREED_P_VALUE],
                "fisher<0.01": [r["seed"] for r in chosen if r["fisher_p"] < 0.01],
                f"taught<{TAUGHT_P_VALUE}": [r["seed"] for r in chosen if r["taught_p"] < TAUGHT_P_VALUE],
                f"learnt<{LEARNT_P_VALUE}": [r["seed"] for r in chosen if r["learnt_p"] < LEARNT_P_VALUE],
                f"taught+disagreed<{COMBINED_P_VALUE}": [
                    r["seed"] for r in chosen if r["together_p"] < COMBINED_P_VALUE
                ],
                "check>=0.5": [r["seed"] for r in chosen if r["check_score"] >= 0.5],
            }
            print(f"{kind}, {side}: {len(chosen)} runs")
            for name, seeds in counts.items():
                print(f"  {name}: {len(seeds)}" + (f" {seeds}" if len(seeds) <= 12 else ""))
    nulls = [r for r in rows if not r["pseudo"]]
    z = np.array([[_z(r[k]) for k in ("disagreed_p", "fisher_p", "taught_p", "learnt_p")] for r in nulls])
    print("null controls' z-score correlations (disagreed, fisher, taught, learnt):")
    print(np.round(np.corrcoef(z.T), 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("diagnoses", type=Path, help="corpus diagnose JSON lines (seeds, causes, status)")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="write each run's statistics as JSON lines")
    args = parser.parse_args()
    measured = (measure(line, kw) for line, _, kw in scenarios_with_features(args.diagnoses, args.cache))
    rows = [row for row in measured if row is not None]
    report(rows)
    if args.out is not None:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
