"""Outside yardstick through the training-loop integrations: one known problem per run, four frameworks.

Written by an outside ML engineer who read only gapdoctor's README, ``DESIGN.md``, the integration
modules' docstrings and the public ``Diagnosis``/``Finding`` API — **not** its checks
(``gapdoctor.causes``, ``gapdoctor.stats``), its scenario generator (``gapdoctor.bench``), its tests, its
recorded results or the other benchmarks' recipes. Conventions (JSON line per run, symptom rule, scoring,
per-cause table) follow ``benchmarks/outside_runs.py``; the recipes are new and every run goes through a
framework integration exactly as the README's "Inside your training loop" shows a user:

- plain PyTorch: ``gapdoctor.torch.Monitor(optimizer=..., train_loader=...)``, ``log_batch``,
  ``log_validation``, ``end_epoch``, ``monitor.diagnose()``;
- Lightning: ``GapdoctorCallback()``, steps returning ``{"loss", "logits"}``, ``doctor.diagnosis``;
- HF Transformers: ``GapdoctorCallback()``, ``compute_metrics=doctor.compute_metrics(...)``;
- Keras 3 (torch backend): ``GapdoctorCallback(validation_data=(X_val, y_val))``.

Nothing else is passed: no arrays by hand, no out-of-fold probabilities (the README says the loop alone
gives the whole diagnosis). Each JSON line's ``passed`` says exactly what was handed over. Data: only
what ships with scikit-learn or is generated; nothing is downloaded. The recipes (five per framework:
overfitting, label noise, a healthy run and two more; every one of metric mismatch, optimisation,
pipeline bug, distribution shift, small validation set and subgroup failure appears at least once) live
in ``benchmarks/outside_loops_recipes/``.

Symptom (checked on the curves read from the framework itself, not from gapdoctor): training loss fell
>= 30% first->last epoch and the validation metric gained < 0.01 between the quarter before the
midpoint and the last quarter. Faulty runs without it are "no symptom" and not scored; healthy runs
are always scored. Each recipe records a sanity fact proving its problem is real (``sanity``).
Scoring: the headline is the first finding with score >= 0.5 ("none" if none; "no diagnosis" if the
integration returned none). Top-1: headline == injected cause (healthy: nothing reported). Top-3: the
injected cause among the first three reported findings.

Run (about 5 minutes for 20 recipes x 3 seeds on one core; 4 minutes with ``--no-diagnose``)::

    cd benchmarks
    nice -n 10 env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 ../.venv/bin/python outside_loops.py \
        --out diagnosed.jsonl
    ../.venv/bin/python outside_loops.py --list
    ../.venv/bin/python outside_loops.py --no-diagnose --out nodiag.jsonl   # no gapdoctor at all
    ../.venv/bin/python outside_loops.py --frameworks keras --recipes keras_shift --seeds 0
    ../.venv/bin/python outside_loops.py --compare nodiag.jsonl --out diagnosed.jsonl  # same weights? overhead?

``--no-diagnose`` trains without any gapdoctor object (the symptom and sanity facts only), so comparing
its lines with a diagnosed run's also checks the README's claims that the integrations do not change
training (same curves) and cost little (``fit_seconds``).

Changes after the first diagnosed run (d8971b6): none to the recipes or the runner. The same code was run
again, unchanged, on 4d48da4 (a Keras-callback fix committed meanwhile by someone else).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

SCRATCH = Path(tempfile.gettempdir()) / "gapdoctor_outside_loops"  # run store, trainer output
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("GAPDOCTOR_STORE", str(SCRATCH / "runs.sqlite"))  # the run store, out of the repository

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from outside.registry import totals  # noqa: E402 (the first outside yardstick's totals line)
from outside_loops_recipes import FRAMEWORKS, HEALTHY, RECIPES, REPORT, LogCatcher, load, symptom  # noqa: E402


def r(x: Any, n: int = 4) -> Any:
    return None if x is None else round(float(x), n)


def judge(line: dict[str, Any], diagnosis: Any) -> None:
    """Headline, reported causes, top-1 / top-3 of one diagnosed run."""
    cause = line["cause"]
    if diagnosis is None:
        line.update(headline="no diagnosis", headline_score=None, reported=[], findings=[], top1=False, top3=False)
        return
    findings = list(diagnosis.findings)
    reported = [f for f in findings if f.score >= REPORT]
    line["headline"] = reported[0].cause if reported else "none"
    line["headline_score"] = r(reported[0].score) if reported else None
    line["headline_summary"] = reported[0].summary if reported else None
    line["reported"] = [f.cause for f in reported]
    line["findings"] = [{"cause": f.cause, "score": r(f.score), "summary": f.summary} for f in findings]
    line["verdict"] = diagnosis.verdict()
    line["checks_ran"] = sorted({c.name for c in diagnosis.checks if c.status == "ran"})
    line["checks_errored"] = [f"{c.name}: {c.reason}" for c in diagnosis.checks if c.status == "errored"]
    line["diagnosis_inputs"] = sorted(diagnosis.inputs) if hasattr(diagnosis.inputs, "keys") else None
    line["notes"] = list(diagnosis.notes)
    if cause == HEALTHY:
        line["top1"] = line["top3"] = not reported
    else:
        line["top1"] = line["headline"] == cause
        line["top3"] = cause in line["reported"][:3]


def run_one(name: str, seed: int, diagnose: bool) -> dict[str, Any]:
    framework, cause, fn = RECIPES[name]
    catcher = LogCatcher()
    logger = logging.getLogger("gapdoctor")
    logger.addHandler(catcher)
    line: dict[str, Any] = {"framework": framework, "recipe": name, "seed": seed, "cause": cause}
    t0 = time.perf_counter()
    try:
        run = fn(seed, diagnose)
    except Exception as error:  # a crash in a recipe or in gapdoctor: recorded, the yardstick goes on
        line.update(
            crashed=f"{type(error).__name__}: {error}",
            traceback=traceback.format_exc()[-3000:],
            symptom_ok=False,
            symptom={},
            seconds=r(time.perf_counter() - t0, 2),
        )
        line["gapdoctor_log"] = catcher.messages
        if diagnose:
            judge(line, None)
        return line
    finally:
        logger.removeHandler(catcher)
    hist = run.history
    sym = symptom(hist, run.metric)
    line.update(
        metric=run.metric,
        symptom_ok=sym["ok"],
        symptom=sym,
        sanity=run.sanity,
        epochs=len(hist["train_loss"]),
        final={"train_loss": r(hist["train_loss"][-1], 6), f"val_{run.metric}": r(hist[f"val_{run.metric}"][-1], 6)},
        passed=run.passed,
        fit_seconds=r(run.fit_seconds, 2),
        gapdoctor_log=catcher.messages,
        **{k: v for k, v in run.extra.items() if k != "side"},
    )
    if diagnose:
        line["diagnose_seconds"] = r(run.diagnose_seconds, 2)
        judge(line, run.diagnosis)
    line["seconds"] = r(time.perf_counter() - t0, 2)
    return line


def _row(label: str, mine: list[dict[str, Any]], healthy: bool) -> str:
    scored = [ln for ln in mine if ln["symptom_ok"] or healthy]
    t1, t3 = sum(ln["top1"] for ln in scored), sum(ln["top3"] for ln in scored)
    alarms = sum(not ln["top1"] for ln in scored) if healthy else "-"
    no_sym = "-" if healthy else len(mine) - len(scored)
    return f"{label:<36} {len(mine):>4}  {no_sym:>10}  {len(scored):>6}  {t1:>5}  {t3:>5}  {alarms:>12}"


def table(lines: list[dict[str, Any]]) -> str:
    head = f"{'framework / cause':<36} {'runs':>4}  {'no-symptom':>10}  {'scored':>6}  {'top-1':>5}  {'top-3':>5}"
    head += "  healthy-alarm"
    out = [head]
    for fw in [*FRAMEWORKS, "ALL"]:
        mine_fw = [ln for ln in lines if fw in ("ALL", ln["framework"])]
        if not mine_fw:
            continue
        out.append(f"-- {fw}")
        for c in sorted({ln["cause"] for ln in mine_fw}, key=lambda c: (c == HEALTHY, c)):
            out.append(_row(f"   {c}", [ln for ln in mine_fw if ln["cause"] == c], c == HEALTHY))
        faulty = [ln for ln in mine_fw if ln["cause"] != HEALTHY]
        out.append(_row("   all faulty", faulty, False))
    faulty = [ln for ln in lines if ln["cause"] != HEALTHY and ln["symptom_ok"]]
    healthy = [ln for ln in lines if ln["cause"] == HEALTHY]
    text = "\n".join(out) + "\n"
    text += totals(faulty, healthy)
    misses = [ln for ln in faulty + healthy if not ln["top1"]]
    if misses:
        text += "misses (recipe seed: headline score | injected cause's score | first three findings):\n"
        for ln in misses:
            own = next((f["score"] for f in ln["findings"] if f["cause"] == ln["cause"]), None)
            first = ", ".join(f"{f['cause']} {f['score']}" for f in ln["findings"][:3])
            text += f"  {ln['recipe']} {ln['seed']}: {ln['headline']} {ln['headline_score']} | {ln['cause']} {own}"
            text += f" | {first}\n    {ln.get('headline_summary')}\n"
    return text


def compare(lines: list[dict[str, Any]], path: Path) -> str:
    """Curves and time against a ``--no-diagnose`` file: does attaching gapdoctor change training?"""
    other = {(o["recipe"], o["seed"]): o for o in map(json.loads, path.read_text().splitlines()) if "final" in o}
    out = ["recipe seed: final values equal? | fit seconds without -> with gapdoctor"]
    for ln in lines:
        o = other.get((ln["recipe"], ln["seed"]))
        if o is None or "final" not in ln:
            continue
        same = o["final"] == ln["final"] and o["epochs"] == ln["epochs"]
        out.append(
            f"  {ln['recipe']} {ln['seed']}: {'same' if same else 'DIFFERENT ' + str((o['final'], ln['final']))}"
            f" | {o['fit_seconds']} -> {ln['fit_seconds']}"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--frameworks", nargs="*", default=list(FRAMEWORKS), choices=list(FRAMEWORKS))
    ap.add_argument("--recipes", nargs="*", help="run only these recipes (names or prefixes)")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--out", default="outside_loops.jsonl", help="JSON lines (default: %(default)s)")
    ap.add_argument("--list", action="store_true", help="list the recipes and exit")
    ap.add_argument("--no-diagnose", action="store_true", help="train without gapdoctor; symptoms and sanity only")
    ap.add_argument("--compare", help="a --no-diagnose JSONL: compare final values and fit time with it")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.pytorch.utilities.rank_zero", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("gapdoctor").setLevel(logging.DEBUG)
    load(tuple(args.frameworks))
    names = [n for n, (fw, _, _) in RECIPES.items() if fw in args.frameworks]
    if args.recipes:
        names = [n for n in names if any(n == p or n.startswith(p) for p in args.recipes)]
    if args.list:
        for name in names:
            fw, cause, fn = RECIPES[name]
            print(f"{fw:<13} {name:<42} {cause:<22} {(fn.__doc__ or '').strip()}")
        return 0
    if not names:
        print(f"no recipe matches {args.recipes}; see --list", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lines: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    out = Path(args.out)
    with threadpool_limits(1), out.open("w") as fh:
        for name in names:
            for seed in args.seeds:
                line = run_one(name, seed, diagnose=not args.no_diagnose)
                lines.append(line)
                fh.write(json.dumps(line, default=str) + "\n")
                fh.flush()
                verdict = "" if args.no_diagnose else f"  headline={line['headline']} ({line['headline_score']})"
                crash = f" CRASHED {line['crashed']}" if "crashed" in line else ""
                print(
                    f"{name} seed={seed} symptom={line['symptom']} {line['seconds']:.1f}s{verdict}{crash}", flush=True
                )
                print(f"    sanity={line.get('sanity')}", flush=True)
    if not args.no_diagnose:
        print()
        print(table(lines))
    if args.compare:
        print(compare(lines, Path(args.compare)))
    print(
        f"total {time.perf_counter() - t0:.0f}s for {len(lines)} runs; lines in {out}; mean run "
        f"{np.mean([ln['seconds'] for ln in lines]):.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
