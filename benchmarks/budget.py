"""Bounded cost: the duplicate search, the confident-learning pass and whole diagnoses at scale.

Every case runs in a fresh process under an address-space cap (``--cap-gb``, default 6)
and a time limit (``--limit-s``, default 300); the time and the peak resident memory
(VmHWM) of that process are reported, or how it ended (killed at the cap / the limit).

- duplicate search (``preprocessing_leakage.duplicates``'s exact + near search): this
  tree against a git ref (``--before``, default ``main``: its KD-tree search), on
  1M x 128 identical rows per split, 100k x 3 binary features against 10k rows, and
  Gaussian 1M and 10M x 20 training rows (200k and 2M validation rows, 1% copied);
- recall on the copy scenarios of ``benchmarks/shift.py`` (10% of validation rows copied,
  exactly and with 1e-3 sd noise, 2000 rows x 10 features, 8 seeds): rows found, before
  and after;
- the confident-learning label pass (``find_label_issues``) at 1M and 10M rows x 10
  classes, before / after / cleanlab (``filter_by='prune_by_noise_rate'``, n_jobs=1);
- whole ``gapdoctor.diagnose()`` on the first two data sets.

``--whole [--sizes 1,10]`` runs only a whole ``diagnose()`` with X (float32 and float64, 20
features), labels and probabilities of both splits (see ``budget_whole.py``), written under
``## Scale: a whole diagnose() (issue 16)``.

``--scale [--sizes 1,10,20]`` runs only the issue-16 table instead: the label pass before /
after / cleanlab and ``diagnose(y_train=..., train_probs=...)``'s extra peak memory (float64
and float32 probabilities) at 1M / 10M / 20M rows x 10 classes, written under ``## Scale: the
label pass and memory (issue 16)``. The 20M row takes about 10 minutes on the shared machine.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/budget.py [--quick] [--out FILE]``;
the markdown table is printed and written to ``benchmarks/RESULTS.md`` under
``## Bounded cost`` (other sections kept). ``--quick`` skips the 10M cases.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from results_md import replace_section

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Bounded cost"
ROOT = Path(__file__).resolve().parents[1]

_DATA = """
import numpy as np
rng = np.random.default_rng(0)

def data(case):
    if case == "identical":
        return np.ones((1_000_000, 128)), np.ones((1_000_000, 128))
    if case == "low_cardinality":
        return (rng.integers(0, 2, (100_000, 3)).astype(float), rng.integers(0, 2, (10_000, 3)).astype(float))
    n = {"gauss_1m": 1_000_000, "gauss_10m": 10_000_000}[case]
    X_train, X_val = rng.normal(size=(n, 20)), rng.normal(size=(n // 5, 20))
    X_val[: n // 500] = X_train[: n // 500] + rng.normal(0, 1e-3, size=(n // 500, 20))
    return X_train, X_val

def probs(n, k=10):
    y = rng.integers(0, k, n)
    p = rng.random((n, k)); p[np.arange(n), y] += 3.0 * rng.random(n)
    p /= p.sum(axis=1, keepdims=True)
    flip = rng.random(n) < 0.2
    y[flip] = rng.integers(0, k, int(flip.sum()))
    return y, p

def peak_gb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1e6
"""

_DUPLICATES = """
import json, sys, time
from gapdoctor.causes.registry import preprocessing_leakage as module  # from the tree on PYTHONPATH
X_train, X_val = data(sys.argv[1])
start = time.perf_counter()
exact_t, exact_v = module.exact_duplicate_pairs(X_train, X_val)
near_t, near_v, natural = module.near_duplicate_pairs(X_train, X_val)
print(json.dumps({"seconds": time.perf_counter() - start, "peak_gb": peak_gb(), "exact": len(exact_v),
                  "near": len(set(near_v.tolist()) - set(exact_v.tolist())), "natural": natural}))
"""

_RECALL = """
import json, sys
sys.path.insert(0, "benchmarks")
from shift import copies
from gapdoctor.causes.registry import preprocessing_leakage as module  # from the tree on PYTHONPATH
found = {}
for noise in (0.0, 1e-3):
    rows = 0
    for seed in range(8):
        X_train, X_val, _, _ = copies(noise)(np.random.default_rng(seed), 2000)
        _, near_v, _ = module.near_duplicate_pairs(X_train, X_val)
        rows += len(set(near_v.tolist()) & set(range(200)))
    found[str(noise)] = rows
print(json.dumps({"found": found, "copied": 8 * 200, "peak_gb": peak_gb()}))
"""

_LABEL_PASS = """
import json, sys, time
n, tool = int(sys.argv[1]), sys.argv[2]
y, p = probs(n)
if tool == "cleanlab":
    from cleanlab.filter import find_label_issues
    run = lambda: find_label_issues(y, p, n_jobs=1)
else:
    from gapdoctor.causes.label_noise.confident_learning import find_label_issues  # from the tree on PYTHONPATH
    run = lambda: find_label_issues(y, p)
start = time.perf_counter(); run()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_gb": peak_gb(), "inputs_gb": (p.nbytes + y.nbytes) / 1e9}))
"""

_DIAGNOSE = """
import json, sys, time
import gapdoctor
X_train, X_val = data(sys.argv[1])
y_train, y_val = rng.integers(0, 2, len(X_train)), rng.integers(0, 2, len(X_val))
start = time.perf_counter()
d = gapdoctor.diagnose(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val)
print(json.dumps({"seconds": time.perf_counter() - start, "peak_gb": peak_gb(),
                  "inputs_gb": (X_train.nbytes + X_val.nbytes) / 1e9, "verdict": d.verdict()}))
"""


_MEMORY = """
def rss_gb(field="VmRSS:"):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1e6

def reset_peak():  # VmHWM := VmRSS (Linux >= 4.0), so the peak read next is the call's
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return rss_gb()
"""

_SCALE = """
import json, sys, time
n, tool, dtype = int(sys.argv[1]), sys.argv[2], sys.argv[3]
y, p = probs(n)
p = p.astype(dtype, copy=False)
inputs_gb = (y.nbytes + p.nbytes) / 1e9
if tool == "cleanlab":
    from cleanlab.filter import find_label_issues
    run = lambda: find_label_issues(y, p, n_jobs=1)  # its default filter_by='prune_by_noise_rate', as ours
elif tool == "label_pass":
    from gapdoctor.causes.label_noise.confident_learning import find_label_issues  # the tree on PYTHONPATH
    run = lambda: find_label_issues(y, p)
else:
    import gapdoctor
    wy, wp = probs(2000)
    gapdoctor.diagnose(y_train=wy, train_probs=wp.astype(dtype))  # imports and first-call costs, not counted
    run = lambda: gapdoctor.diagnose(y_train=y, train_probs=p)
base = reset_peak()
start = time.perf_counter()
out = run()
seconds = time.perf_counter() - start
flagged = len(out.rows) if hasattr(out, "rows") else int(out.sum()) if hasattr(out, "sum") else None
print(json.dumps({"seconds": seconds, "peak_gb": rss_gb("VmHWM:"), "extra_gb": rss_gb("VmHWM:") - base,
                  "inputs_gb": inputs_gb, "flagged": flagged}))
"""

_SCALE_HEADING = "## Scale: the label pass and memory (issue 16)"


def _scale_cell(result: dict[str, Any]) -> str:
    if "ended" in result:
        return result["ended"]
    ratio = result["extra_gb"] / result["inputs_gb"]
    return f"{result['seconds']:.2f} s, +{result['extra_gb']:.2f} GB ({ratio:.2f}x)"


def scale(args: argparse.Namespace) -> None:
    """The label pass against cleanlab and diagnose()'s extra memory, 1M to 20M rows x 10 classes."""
    sizes = [int(float(size) * 1e6) for size in args.sizes.split(",")]
    now = ROOT / "src"
    lines = [
        "| rows x 10 | label pass before | label pass after | cleanlab | cleanlab / after | "
        "diagnose() float64 before | after | diagnose() float32 before | after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        before = _checkout(args.before, Path(tmp))
        for n in sizes:
            run = {
                (tool, dtype, name): _run(_MEMORY + _SCALE, [str(n), tool, dtype], args.cap_gb, args.limit_s, src)
                for tool, dtype in (
                    ("label_pass", "float64"),
                    ("cleanlab", "float64"),
                    ("diagnose", "float64"),
                    ("diagnose", "float32"),
                )
                for name, src in (("before", before), ("after", now))
                if tool != "cleanlab" or name == "after"
            }
            after, theirs = run["label_pass", "float64", "after"], run["cleanlab", "float64", "after"]
            ratio = theirs["seconds"] / after["seconds"] if "seconds" in after and "seconds" in theirs else float("nan")
            agree = [f", {r['flagged']:,} flagged" if r.get("flagged") is not None else "" for r in (after, theirs)]
            cells = [
                _scale_cell(run["label_pass", "float64", "before"]),
                _scale_cell(after) + agree[0],
                _scale_cell(theirs) + agree[1],
                f"{ratio:.1f}x",
                *(
                    _scale_cell(run["diagnose", d, name])
                    for d in ("float64", "float32")
                    for name in ("before", "after")
                ),
            ]
            lines.append(f"| {n:,} | {' | '.join(cells)} |")
            print(lines[-1], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    header = (
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC at commit `{commit.strip()}` against "
        f"`{args.before}`, `benchmarks/budget.py --scale --sizes {args.sizes}`; one run per cell (no repetition), each "
        f"in a fresh process capped at {args.cap_gb:g} GB of address space and {args.limit_s:.0f} s, "
        "OMP/OPENBLAS/MKL_NUM_THREADS=1, cleanlab with `n_jobs=1`, on the shared 2-core machine (other engineers' "
        "jobs running: times vary by up to ~1.5x between runs). Data: `probs(n)` above (10 classes, float64 rows "
        "normalised, 20% of labels redrawn). Label pass: `find_label_issues(y, p)`; cleanlab: "
        "`cleanlab.filter.find_label_issues(y, p, n_jobs=1)` (its default `filter_by='prune_by_noise_rate'`, the "
        "selection ours makes). diagnose(): `gapdoctor.diagnose(y_train=y, train_probs=p)`, the probabilities as "
        "float64 or cast to float32, after a warm-up call. Each cell: seconds, then the extra peak resident memory "
        "of the call (VmHWM reset before it, minus the resident memory before it: inputs excluded) and its ratio "
        "to the input bytes (labels + probabilities)."
    )
    section = "\n".join([_SCALE_HEADING, "", header, "", *lines, "", _SCALE_WHY, ""])
    replace_section(_SCALE_HEADING, section, args.out)


_SCALE_WHY = """What changed: `diagnose()` reads `train_probs` as given (float32 stays float32): validated chunk by
chunk and, when rows need it (float32 rows never sum to 1 in float64), renormalised one chunk at a time as
the label pass reads them, bit for bit as renormalising the whole array first; labels that are already the
ids 0..k-1 are used without a copy or a Python list; the flagged rows are gathered in chunks. The label
pass keeps each class pair's top candidates in a fixed-size buffer (partial selection when it holds twice
the cell's quota).

"before" is `main` at this run, which already kept the top candidates in that bounded buffer (since
commit 5bfc4a9; the issue's 0.19 s -> 8.8 s from 1M to 20M was presumably measured on the growing list
it replaced) and already used float64 probabilities summing to 1 without a copy: float32 probabilities
cost a float64 copy plus
the clipped and divided copies (about 5x the inputs). Not in this table: `val_probs` that are not float64
summing to 1 still cost one float64 copy (built chunk by chunk), since the metrics read them whole."""


_WHOLE_WHY = """What changed: the door keeps float32 (and float64) features as given; before, a float32
`X_train` / `X_val` became a float64 copy (2x the features) that every check then read. The checks
that compute on features take their budgeted samples (per-feature tests and label association:
20,000 rows per split; domain classifier: 4,000; identifier-like columns: 200,000) and the
duplicate search's row blocks (8,192 training rows, 8,192 queries) in float64, so their statistics
are those of before on the same rows; a user's model is still fitted on a float64 copy (only when
probabilities must be completed). The rescaling verdict's [0, 1] test reads the continuous columns
in row blocks (before: a copy of those columns of both splits, reached when features shifted). The
duplicate search looks queries up 8,192 at a time (was 32,768: a 38 MB working set of probes and
candidate pairs, now about 10 MB; the same witnesses, since each query's is found independently).
The bench's golden diagnoses are unchanged (its features are float64).

Left as is: the fixed working set of the budgeted samples (about 25-40 MB traced whatever the rows:
above 0.5x the inputs below about 300k rows x 20 float32 features), the duplicate search's index
(about 60 B per training row at its peak: hashes, bucket keys, the sorted packed keys and their
presence filter) and `val_probs` in float32, still read through one float64 copy."""


_WHY = """Why the KD-tree search blew up: a radius query returns *every* training row within the radius,
and with ties (identical rows, or a handful of distinct rows as with 3 binary features) that is
O(n) rows per query: 1M validation queries x 1M neighbours for identical rows (the OOM), 10k
queries x 12.5k neighbours verified one query at a time in Python for 100k x 3 binary rows
(over 300 s); row hashing and the standardisation also copied the whole split twice. Now: rows
hashed block by block (exact copies: sorted hashes, binary search), training rows de-duplicated
by hash before the near search, near copies looked up in one quantised grid whose queries also
probe the neighbouring cell on every feature where they lie within the tolerance of a cell
boundary (an exact search; `causes/preprocessing_leakage/near_grid.py`), row hashes and bucket
keys computed in one pass and indexed by one sort each (`stats/row_hashes.py`), crowded buckets
read 16 candidates at a time up to 8 times, the natural rate on 2,000 rows.
The label pass keeps each class pair's top candidates in a fixed-size buffer with a rising entry
bar instead of re-merging a growing list at each chunk."""


def _run(code: str, args: list[str], cap_gb: float, limit_s: float, src: Path) -> dict[str, Any]:
    """Run a case in a fresh capped process; its JSON line, or how it ended."""
    cap = int(cap_gb * 2**30)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _DATA + textwrap.dedent(code), *args],
            capture_output=True,
            text=True,
            timeout=limit_s,
            preexec_fn=limit,  # the cap must be set in the child before it allocates
            env=env,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ended": f"stopped at the {limit_s:.0f} s limit"}
    if done.returncode != 0:
        memory = "MemoryError" in done.stderr or "Unable to allocate" in done.stderr or done.returncode == -9
        return {"ended": f"killed at the {cap_gb:g} GB cap" if memory else done.stderr.strip().splitlines()[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _checkout(ref: str, tmp: Path) -> Path:
    """The ``src`` tree of git ``ref``, exported to ``tmp``."""
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "src"


def _cell(result: dict[str, Any], *keys: str) -> str:
    if "ended" in result:
        return result["ended"]
    parts = [f"{result['seconds']:.2f} s", f"{result['peak_gb']:.2f} GB"]
    parts += [f"{k} {result[k]}" for k in keys if k in result]
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--cap-gb", type=float, default=6.0)
    parser.add_argument("--limit-s", type=float, default=300.0)
    parser.add_argument("--quick", action="store_true", help="skip the 10M-row cases")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--scale", action="store_true", help="only the label pass / memory table (issue 16)")
    parser.add_argument("--sizes", default="1,10,20", help="with --scale / --whole: millions of rows, comma-separated")
    parser.add_argument("--whole", action="store_true", help="only a whole diagnose() with every array (issue 16)")
    args = parser.parse_args()
    if args.scale:
        scale(args)
        return
    if args.whole:
        from budget_whole import whole

        args.why = _WHOLE_WHY
        whole(args, _run, _checkout, _DATA + _MEMORY, ROOT)
        return
    now = ROOT / "src"
    with tempfile.TemporaryDirectory() as tmp:
        before = _checkout(args.before, Path(tmp))
        lines = [
            "| duplicate search | before (`" + args.before + "`, KD-tree) | after (hashing + grid buckets) |",
            "|---|---|---|",
        ]
        cases = ["identical", "low_cardinality", "gauss_1m"] + ([] if args.quick else ["gauss_10m"])
        for case in cases:
            cells = [
                _cell(_run(_DUPLICATES, [case], args.cap_gb, args.limit_s, src), "exact", "near")
                for src in (before, now)
            ]
            lines.append(f"| {case} | {cells[0]} | {cells[1]} |")
            print(lines[-1], flush=True)
        recall = [_run(_RECALL, [], args.cap_gb, args.limit_s, src) for src in (before, now)]
        lines += [
            "",
            "| copied validation rows found (shift.py copy scenarios, 8 seeds x 200) | before | after |",
            "|---|---|---|",
        ]
        for noise in ("0.0", "0.001"):
            found = [f"{r['found'][noise]} / {r['copied']}" if "found" in r else r["ended"] for r in recall]
            lines.append(f"| noise {noise} sd | {found[0]} | {found[1]} |")
        print("\n".join(lines[-3:]), flush=True)
        lines += ["", "| label pass, rows x 10 classes | before | after | cleanlab (n_jobs=1) |", "|---|---|---|---|"]
        for n in [1_000_000] + ([] if args.quick else [10_000_000]):
            cells = [
                _cell(_run(_LABEL_PASS, [str(n), tool], args.cap_gb, args.limit_s, src), "inputs_gb")
                for tool, src in (("gapdoctor", before), ("gapdoctor", now), ("cleanlab", now))
            ]
            lines.append(f"| {n:,} | {' | '.join(cells)} |")
            print(lines[-1], flush=True)
        lines += ["", "| whole `diagnose()` (X and labels only) | before | after |", "|---|---|---|"]
        for case in ("identical", "low_cardinality"):
            runs = [_run(_DIAGNOSE, [case], args.cap_gb, args.limit_s, src) for src in (before, now)]
            cells = [_cell(run, "inputs_gb") for run in runs]
            lines.append(f"| {case} | {cells[0]} | {cells[1]} |")
            print(lines[-1], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    header = (
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC at commit `{commit.strip()}`, "
        f"`benchmarks/budget.py{' --quick' if args.quick else ''}`; each case in a fresh process capped at "
        f"{args.cap_gb:g} GB of address space and {args.limit_s:.0f} s, one thread; time and peak resident memory "
        "(VmHWM, inputs included)."
    )
    section = "\n".join([HEADING, "", header, "", *lines, "", _WHY, ""])
    replace_section(HEADING, section, args.out)


if __name__ == "__main__":
    main()
