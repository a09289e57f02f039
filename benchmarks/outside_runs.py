"""Outside yardstick: ordinary training runs with one known problem each, diagnosed by gapdoctor.

This benchmark was written by an outside ML engineer **without reading gapdoctor's checks
(``gapdoctor.causes``, ``gapdoctor.stats``), its scenario generator (``gapdoctor.bench``), its tests or
its recorded results**. Only the README, the public contract and the cause vocabulary were read. The
runs below are written the way practitioners hit these problems: small scikit-learn and PyTorch
models trained epoch by epoch on data that ships with scikit-learn (``load_digits``,
``load_breast_cancer``, ``load_wine`` and the ``make_*`` generators; nothing is downloaded), each with
one problem injected the way it happens in practice (flipped training labels, a validation set from
another region of feature space, a target encoding that includes each row's own label, validation
labels encoded in another class order, a weak teacher labelling part of the data...), plus four
healthy runs. The recipes live in ``benchmarks/outside/`` (by cause family), the runner here.

For every run the script gathers what a practitioner would pass to :func:`gapdoctor.diagnose`: the
per-epoch history (``train_loss``, ``val_loss``, ``val_<metric>``, ``train_<metric>``, ``lr`` where a
schedule exists), the splits, out-of-fold probabilities for the training rows (5-fold, a model of the
same kind), the final model's validation probabilities, the metric and, where the recipe has them,
groups and label sources. Hyper-parameter searches go to :func:`gapdoctor.diagnose_search`.

Before judging, each run's symptom is checked: the training loss fell by at least 30% from the first
to the last epoch and the validation metric did not improve over the second half of training (mean
of the last quarter minus mean of the quarter before the midpoint < 0.01). Faulty runs without the
symptom are listed as "no symptom" and not scored; healthy runs are always scored. For a search the
symptom is read on the trials' mean curves. Each recipe also
records a sanity fact showing that the injected problem is real (``sanity`` in the JSON line).

Scoring: the headline is the cause of the first finding with score >= 0.5 ("none" if there is none).
Top-1 hit: headline == injected cause (healthy: nothing reported). Top-3 hit: the injected cause is
among the first three findings with score >= 0.5.

Run it (about 7 minutes for all 30 recipes x 3 seeds on one core; each run 0.3-14 s)::

    nice -n 10 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/outside_runs.py --out outside.jsonl
    .venv/bin/python benchmarks/outside_runs.py --recipes label_noise_digits_symmetric --seeds 0
    .venv/bin/python benchmarks/outside_runs.py --list
    .venv/bin/python benchmarks/outside_runs.py --no-diagnose   # symptoms and sanity facts only

One JSON line per run is written to ``--out`` (recipe, seed, injected cause, symptom, sanity facts,
headline, every finding's cause and score, seconds), and a per-cause table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import gapdoctor
from outside import recipes_model, recipes_pipeline, recipes_search  # noqa: F401  (they register the recipes)
from outside.registry import RECIPES, totals
from outside.training import HEALTHY, REPORT, quarters, r

# --------------------------------------------------------------------------------------------
# Judging
# --------------------------------------------------------------------------------------------


def symptom(history: dict[str, list[float]], metric: str) -> dict[str, Any]:
    """Training loss fell >= 30% and the validation metric gained < 0.01 over the second half."""
    tl = np.asarray(history["train_loss"])
    drop = 1 - tl[-1] / tl[0]
    before, after = quarters(history[f"val_{metric}"])
    gain = after - before
    return {"ok": bool(drop >= 0.30 and gain < 0.01), "train_loss_drop": r(drop), "val_gain_late": r(gain)}


def run_one(name: str, seed: int, diagnose: bool = True) -> dict[str, Any]:
    cause, fn = RECIPES[name]
    t0 = time.perf_counter()
    run = fn(seed)
    t_train = time.perf_counter() - t0
    hist = {k: v for k, v in run.history.items() if not k.startswith("_")}
    sym = symptom(hist, run.metric)
    line: dict[str, Any] = {
        "recipe": name,
        "seed": seed,
        "cause": cause,
        "symptom_ok": sym["ok"],
        "symptom": sym,
        "sanity": run.sanity,
        "epochs": len(hist["train_loss"]),
    }
    if diagnose:
        t1 = time.perf_counter()
        if run.trials is not None:
            d = gapdoctor.diagnose_search(run.trials, metric=run.metric)
        else:
            d = gapdoctor.diagnose(history=hist, metric=run.metric, **run.data)
        line["diagnose_seconds"] = r(time.perf_counter() - t1, 2)
        findings = [(f.cause, float(f.score)) for f in d.findings]
        reported = [c for c, s in findings if s >= REPORT]
        line["headline"] = reported[0] if reported else "none"
        line["headline_score"] = r(findings[[c for c, _ in findings].index(reported[0])][1]) if reported else None
        line["reported"] = reported
        line["findings"] = [{"cause": c, "score": r(s)} for c, s in findings]
        if cause == HEALTHY:
            line["top1"] = line["top3"] = not reported
        else:
            line["top1"] = line["headline"] == cause
            line["top3"] = cause in reported[:3]
    line["train_seconds"] = r(t_train, 2)
    line["seconds"] = r(time.perf_counter() - t0, 2)
    return line


def table(lines: list[dict[str, Any]]) -> str:
    causes = [*gapdoctor.CAUSES, HEALTHY]
    rows = ["cause                    runs  no-symptom  scored  top-1  top-3"]
    for c in causes:
        mine = [ln for ln in lines if ln["cause"] == c]
        if not mine:
            continue
        scored = [ln for ln in mine if ln["symptom_ok"] or c == HEALTHY]
        t1 = sum(ln["top1"] for ln in scored)
        t3 = sum(ln["top3"] for ln in scored)
        no_sym = 0 if c == HEALTHY else len(mine) - len(scored)
        rows.append(f"{c:<24} {len(mine):>4}  {no_sym:>10}  {len(scored):>6}  {t1:>5}  {t3:>5}")
    faulty = [ln for ln in lines if ln["cause"] != HEALTHY and ln["symptom_ok"]]
    healthy = [ln for ln in lines if ln["cause"] == HEALTHY]
    out = "\n".join(rows) + "\n"
    out += totals(faulty, healthy)
    misses = [ln for ln in faulty + healthy if not ln["top1"]]
    if misses:
        out += "misses (recipe seed: headline score | injected cause's score):\n"
        for ln in misses:
            own = next((f["score"] for f in ln["findings"] if f["cause"] == ln["cause"]), None)
            out += f"  {ln['recipe']} {ln['seed']}: {ln['headline']} {ln['headline_score']} | {ln['cause']} {own}\n"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="outside_runs.jsonl", help="JSON lines output (default: %(default)s)")
    ap.add_argument("--recipes", nargs="*", help="run only these recipes (names or prefixes)")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--list", action="store_true", help="list the recipes and exit")
    ap.add_argument("--no-diagnose", action="store_true", help="train and check symptoms only")
    args = ap.parse_args(argv)
    if args.list:
        for name, (cause, fn) in RECIPES.items():
            print(f"{name:<45} {cause:<22} {(fn.__doc__ or '').strip()}")
        return 0
    names = list(RECIPES)
    if args.recipes:
        names = [n for n in names if any(n == p or n.startswith(p) for p in args.recipes)]
        if not names:
            print(f"no recipe matches {args.recipes}; see --list", file=sys.stderr)
            return 2
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(1)
    lines: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    out = Path(args.out)
    with threadpool_limits(1), out.open("w") as fh:
        for name in names:
            for seed in args.seeds:
                line = run_one(name, seed, diagnose=not args.no_diagnose)
                lines.append(line)
                fh.write(json.dumps(line) + "\n")
                fh.flush()
                verdict = "" if args.no_diagnose else f"  headline={line['headline']} ({line['headline_score']})"
                print(f"{name} seed={seed} symptom={line['symptom']} {line['seconds']:.1f}s{verdict}", flush=True)
                print(f"    sanity={line['sanity']}", flush=True)
    if not args.no_diagnose:
        print()
        print(table(lines))
    print(f"total {time.perf_counter() - t0:.0f}s for {len(lines)} runs; lines in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
