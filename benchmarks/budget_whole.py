"""``budget.py --whole``: a whole ``diagnose()`` with every array, at 1M / 10M rows x 20 features.

Each cell runs in a fresh process (``budget._run``: address-space cap, time limit, one thread):
the data are built first (X float32 or float64, 20 Gaussian features; 80% training / 20%
validation rows; 10 classes; probabilities for both splits in X's dtype, 20% of labels
redrawn), then one warm-up ``diagnose()`` on 2,500 rows, then the measured call with
``X_train, y_train, train_probs, X_val, y_val, val_probs``. Reported: wall seconds, the extra
peak resident memory of the call (VmHWM reset before it, minus the resident memory before it:
the inputs excluded) and its ratio to the input bytes, and the checks that took longest
(``CheckRun.seconds``). Written under ``## Scale: a whole diagnose() (issue 16)``.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from results_md import replace_section

HEADING = "## Scale: a whole diagnose() (issue 16)"

WHOLE = """
import json, sys, time
n, dtype = int(sys.argv[1]), sys.argv[2]

def split(m, k=10):
    X = rng.normal(size=(m, 20)).astype(dtype)
    y = rng.integers(0, k, m)
    p = rng.random((m, k)); p[np.arange(m), y] += 3.0 * rng.random(m)
    p /= p.sum(axis=1, keepdims=True)
    p = p.astype(dtype, copy=False)
    flip = rng.random(m) < 0.2
    y[flip] = rng.integers(0, k, int(flip.sum()))
    return X, y, p

import gapdoctor
w = split(2000) + split(500)
gapdoctor.diagnose(X_train=w[0], y_train=w[1], train_probs=w[2], X_val=w[3], y_val=w[4], val_probs=w[5])
n_train = int(n * 0.8)
Xt, yt, pt = split(n_train)
Xv, yv, pv = split(n - n_train)
inputs_gb = sum(a.nbytes for a in (Xt, yt, pt, Xv, yv, pv)) / 1e9
base = reset_peak()
start = time.perf_counter()
d = gapdoctor.diagnose(X_train=Xt, y_train=yt, train_probs=pt, X_val=Xv, y_val=yv, val_probs=pv)
seconds = time.perf_counter() - start
top = sorted(((c.name, c.seconds) for c in d.checks), key=lambda c: -c[1])[:4]
print(json.dumps({"seconds": seconds, "extra_gb": rss_gb("VmHWM:") - base, "inputs_gb": inputs_gb, "top": top}))
"""


def _cell(result: dict[str, Any]) -> str:
    if "ended" in result:
        return str(result["ended"])
    ratio = result["extra_gb"] / result["inputs_gb"]
    return f"{result['seconds']:.1f} s, +{result['extra_gb']:.3f} GB ({ratio:.2f}x)"


def _top(result: dict[str, Any]) -> str:
    if "top" not in result:
        return "-"
    return "; ".join(f"{name.split('.', 1)[0]}.{name.split('.', 1)[1]} {s:.1f} s" for name, s in result["top"][:3])


def whole(args: argparse.Namespace, run: Any, checkout: Any, memory: str, root: Path) -> None:
    """The whole-diagnose table, before (``args.before``) and after (this tree), per size and dtype."""
    sizes = [int(float(size) * 1e6) for size in args.sizes.split(",")]
    lines = [
        "| rows x 20 (train + val) | X dtype | input bytes | before | after | after: slowest checks |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        before = checkout(args.before, Path(tmp))
        for n in sizes:
            for dtype in ("float32", "float64"):
                cells = {
                    name: run(memory + WHOLE, [str(n), dtype], args.cap_gb, args.limit_s, src)
                    for name, src in (("before", before), ("after", root / "src"))
                }
                gb = cells["after"].get("inputs_gb", cells["before"].get("inputs_gb", float("nan")))
                lines.append(
                    f"| {n:,} | {dtype} | {gb:.3f} GB | {_cell(cells['before'])} | {_cell(cells['after'])} | "
                    f"{_top(cells['after'])} |"
                )
                print(lines[-1], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    header = (
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC at commit `{commit.strip()}` against "
        f"`{args.before}`, `benchmarks/budget.py --whole --sizes {args.sizes}`; one run per cell, each in a fresh "
        f"process capped at {args.cap_gb:g} GB of address space and {args.limit_s:.0f} s, "
        "OMP/OPENBLAS/MKL_NUM_THREADS=1, on the shared 2-core machine (other engineers' jobs running: times vary "
        "by up to ~1.5x between runs). Data: 20 Gaussian features in the X dtype, 80% training / 20% validation "
        "rows, 10 classes, probabilities for both splits in the X dtype (rows normalised in float64 first), 20% of "
        "labels redrawn. Call: `diagnose(X_train, y_train, train_probs, X_val, y_val, val_probs)` after a warm-up "
        "call. Each cell: wall seconds, then the extra peak resident memory of the call (VmHWM reset before it, "
        "minus the resident memory before it: the inputs excluded) and its ratio to the input bytes."
    )
    section = "\n".join([HEADING, "", header, "", *lines, "", args.why, ""])
    replace_section(HEADING, section, args.out)
