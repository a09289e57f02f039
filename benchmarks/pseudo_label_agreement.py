"""Which agreement statistic separates a noisy pseudo-label source from a clean one on the calibration corpus?

Two candidates, measured on every pseudo-labelled corpus scenario (a weak teacher fitted on the
"human" rows labels the rest) and on null controls (every other diagnosed scenario with its
training rows split at random into a "human" source of 30-160 rows and a "pseudo" source, labels
untouched: no source noisier):

- ``trusted_fit``: what the issue proposed. A judge fitted on the trusted rows; its disagreement
  with the pseudo labels against its cross-validated disagreement with the trusted labels
  (one-sided two-proportion test, Bonferroni over two judges). A teacher fitted on those same
  rows agrees with the judge, errors included, so this is weak.
- ``learnt``: :func:`gapdoctor.causes.pseudo_label_noise.agreement.agreement_of`, the share of a
  source's labels learnt as if right but wrong on validation, over the trusted source's (what the
  check uses, with ``score.LEARNT_P_VALUE``).

Also the check's what-its-labels-teach test (:func:`gapdoctor.causes.pseudo_label_noise.teaching.teaching_of`,
at ``score.TAUGHT_P_VALUE``), listing the runs it passes, and how many pass either model-based test.

Prints, per side, how many runs each statistic passes at p < 0.01 (pseudo: wanted; null: false alarms).
Measured (main0.jsonl): pseudo-labelled 29: trusted_fit 2, learnt 12, taught 13, either 16; null
controls 337: 6, 1, 0, 1 (the taught test before its finite-population correction, at 1e-3: 12 and 4).
The two model tests together (:func:`gapdoctor.causes.pseudo_label_noise.score.combined_p_value`,
main3.jsonl): pseudo-labelled 13 (none that taught or learnt miss), null controls 0 of 327 (smallest
p 0.017); taught, learnt or together: 16 and 1.

Usage (about 3 min on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/pseudo_label_agreement.py /work/s3/main0.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from corpus_lines import scenarios_with_features, with_trusted_rows
from gapdoctor.causes.pseudo_label_noise.agreement import agreement_of
from gapdoctor.causes.pseudo_label_noise.score import (
    COMBINED_P_VALUE,
    LEARNT_P_VALUE,
    TAUGHT_P_VALUE,
    combined_p_value,
)
from gapdoctor.causes.pseudo_label_noise.teaching import judges, teaching_of
from gapdoctor.inputs.evidence import build_evidence


def _greater(x1: float, n1: int, x2: float, n2: int) -> float:
    """One-sided pooled two-proportion p-value that rate x1/n1 exceeds x2/n2."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(max(pooled * (1 - pooled) * (1 / n1 + 1 / n2), 1e-300))
    return float(sps.norm.sf((x1 / n1 - x2 / n2) / se))


def trusted_fit_p(X: np.ndarray[Any, Any], y: np.ndarray[Any, Any], sources: np.ndarray[Any, Any]) -> float:
    """Bonferroni p of 'a judge fitted on the trusted rows disagrees more with the pseudo labels'."""
    trusted, pseudo = np.flatnonzero(sources == "human"), np.flatnonzero(sources != "human")
    folds = min(5, int(np.bincount(y[trusted])[np.unique(y[trusted])].min()))
    if folds < 2:
        return 1.0
    p_values = []
    for make in judges().values():
        cv = cross_val_predict(make(), X[trusted], y[trusted], cv=StratifiedKFold(folds, shuffle=True, random_state=0))
        wrong_trusted = float(np.sum(cv != y[trusted]))
        wrong_pseudo = float(np.sum(make().fit(X[trusted], y[trusted]).predict(X[pseudo]) != y[pseudo]))
        p_values.append(_greater(wrong_pseudo, len(pseudo), wrong_trusted, len(trusted)))
    return min(1.0, len(p_values) * min(p_values))


def measure(line: dict[str, Any], kw: dict[str, Any]) -> dict[str, Any]:
    """Both statistics of one diagnosed corpus line (its scenario's inputs ``kw``)."""
    pseudo, arrays = with_trusted_rows(line, kw)
    y = np.asarray(arrays["y_train"])
    keep = {k: arrays[k] for k in ("X_train", "y_train", "X_val", "y_val", "sources_train")}
    X = np.nan_to_num(np.asarray(keep["X_train"], dtype=np.float64))
    evidence = build_evidence(**keep)
    learnt = agreement_of(evidence)
    taught = teaching_of(evidence)
    blamed = [t for t in (taught or {"sources": []})["sources"] if t["drop"] > 0]
    return {
        "seed": line["seed"],
        "pseudo": pseudo,
        "trusted_fit_p": trusted_fit_p(X, y, np.asarray(keep["sources_train"])),
        "learnt_p": min((a["p_value"] for a in learnt), default=1.0),
        "learnt_excess": max((a["excess"] for a in learnt), default=0.0),
        "taught_p": min((t["p_value"] for t in blamed), default=1.0),
        "taught_drop": max((t["drop"] for t in blamed), default=0.0),
        "train_rows": len(y),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("diagnoses", type=Path, help="corpus diagnose JSON lines (seeds, causes, status)")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="write each run's statistics as JSON lines")
    args = parser.parse_args()
    rows = [measure(line, kw) for line, _, kw in scenarios_with_features(args.diagnoses, args.cache)]
    for side, name in ((True, "pseudo-labelled"), (False, "null controls")):
        chosen = [r for r in rows if r["pseudo"] is side]
        trusted_fit = sum(r["trusted_fit_p"] < LEARNT_P_VALUE for r in chosen)
        learnt = sum(r["learnt_p"] < LEARNT_P_VALUE for r in chosen)
        print(f"{name}: {len(chosen)} runs; p < {LEARNT_P_VALUE}: trusted_fit {trusted_fit}, learnt {learnt}")
        taught = [r for r in chosen if r["taught_p"] < TAUGHT_P_VALUE]
        listed = [(r["seed"], r["train_rows"], round(r["taught_drop"], 3), f"{r['taught_p']:.2g}") for r in taught]
        print(f"  taught (p < {TAUGHT_P_VALUE}, drop > 0): {len(taught)} (seed, train rows, drop, p: {listed})")
        either = sum(r["taught_p"] < TAUGHT_P_VALUE or r["learnt_p"] < LEARNT_P_VALUE for r in chosen)
        print(f"  taught or learnt: {either}")
        together = {r["seed"] for r in chosen if combined_p_value(r["taught_p"], r["learnt_p"]) < COMBINED_P_VALUE}
        print(f"  the two together (p < {COMBINED_P_VALUE}): {len(together)} {sorted(together)}")
        alone = {r["seed"] for r in chosen if r["taught_p"] < TAUGHT_P_VALUE or r["learnt_p"] < LEARNT_P_VALUE}
        print(f"  taught, learnt or together: {len(together | alone)}")
    if args.out is not None:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
