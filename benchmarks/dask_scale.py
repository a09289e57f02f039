"""Scale: ``diagnose()`` through Dask on a Parquet dataset larger than memory (issue 16).

The generator writes a training split of ``--rows`` rows x 20 float32 features, a label
column and 5 out-of-fold-like probability columns (float32), one Parquet file of
``--partition-rows`` rows at a time (never the whole split in memory), and a clean
validation split of ``--val-rows`` rows. The fault: 20% of the labels of classes 0 and
1 are flipped to another class (8% of all training labels wrong), which the
probabilities do not follow (they are those of a model that learned the true classes).

Then ``gapdoctor.diagnose()`` reads the dataset as Dask DataFrames on a 2-worker
``LocalCluster`` (one thread each, ``--worker-memory`` limit each) started here, so the
peak resident memory of each worker process (``ru_maxrss``) and of this (client)
process can be read after the run. The same generator at ``--sample-rows`` rows (its
first partition(s)) is diagnosed in memory, and the verdicts (headline cause) compared.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/dask_scale.py --rows 10_000_000
--dir /work/scratch/pq10m``; results are kept in ``benchmarks/dask_scale.json`` (one
entry per size) and the table in ``benchmarks/RESULTS.md`` under ``## Scale: Dask (issue 16)``.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from results_md import replace_section

HEADING = "## Scale: Dask (issue 16)"
STORE = Path(__file__).with_name("dask_scale.json")
N_FEATURES = 20
N_CLASSES = 5
NOISY_CLASSES = (0, 1)
NOISE_SHARE = 0.2
SEED = 16


def partition(split: str, index: int, rows: int) -> dict[str, np.ndarray[Any, Any]]:
    """Rows of one partition: the same for a split and index whatever the dataset's size."""
    rng = np.random.default_rng([SEED, 0 if split == "train" else 1, index])
    centres = np.random.default_rng(SEED).normal(0.0, 0.6, size=(N_CLASSES, N_FEATURES))
    true = rng.integers(0, N_CLASSES, size=rows)
    X = (centres[true] + rng.standard_normal((rows, N_FEATURES), dtype=np.float32)).astype(np.float32)
    logits = rng.standard_normal((rows, N_CLASSES), dtype=np.float32)
    logits[np.arange(rows), true] += 3.0
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    label = true.copy()
    if split == "train":
        flip = np.isin(true, NOISY_CLASSES) & (rng.random(rows) < NOISE_SHARE)
        label[flip] = (true[flip] + rng.integers(1, N_CLASSES, size=int(flip.sum()))) % N_CLASSES
    columns = {f"x{j}": X[:, j] for j in range(N_FEATURES)}
    columns["label"] = label.astype(np.int64)
    columns.update({f"p{j}": probs[:, j].astype(np.float32) for j in range(N_CLASSES)})
    return columns


def _write_partition(folder: Path, split: str, index: int, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(partition(split, index, rows)), folder / f"part-{index:05d}.parquet")


def write_split(folder: Path, split: str, rows: int, partition_rows: int) -> None:
    """One Parquet file per partition, two processes at a time (one partition in memory each)."""
    from concurrent.futures import ProcessPoolExecutor

    folder.mkdir(parents=True, exist_ok=True)
    starts = range(0, rows, partition_rows)
    with ProcessPoolExecutor(max_workers=2) as pool:
        done = [
            pool.submit(_write_partition, folder, split, i, min(partition_rows, rows - start))
            for i, start in enumerate(starts)
        ]
        for future in done:
            future.result()


def in_memory(split: str, rows: int, partition_rows: int) -> dict[str, np.ndarray[Any, Any]]:
    parts = [
        partition(split, index, min(partition_rows, rows - start))
        for index, start in enumerate(range(0, rows, partition_rows))
    ]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _arguments(columns: dict[str, Any], split: str) -> dict[str, Any]:
    features = [f"x{j}" for j in range(N_FEATURES)]
    probs = [f"p{j}" for j in range(N_CLASSES)]
    suffix = "train" if split == "train" else "val"
    if isinstance(columns, dict):
        X = np.column_stack([columns[f] for f in features])
        P = np.column_stack([columns[p] for p in probs])
        return {f"X_{suffix}": X, f"y_{suffix}": columns["label"], f"{suffix}_probs": P}
    return {f"X_{suffix}": columns[features], f"y_{suffix}": columns["label"], f"{suffix}_probs": columns[probs]}


class _Collect(logging.Handler):
    """Keeps the partition passes' timings (gapdoctor.scale logs each at DEBUG)."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def run_dask(folder: Path, worker_memory: str) -> dict[str, Any]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import gapdoctor

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=worker_memory, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        arguments = {
            **_arguments(dd.read_parquet(folder / "train"), "train"),
            **_arguments(dd.read_parquet(folder / "val"), "val"),
        }
        phases: list[str] = []
        handler = _Collect(phases)
        logger = logging.getLogger("gapdoctor.scale")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        start = time.perf_counter()
        diagnosis = gapdoctor.diagnose(**arguments)
        seconds = time.perf_counter() - start
        logger.removeHandler(handler)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    top = diagnosis.top
    return {
        "seconds": round(seconds, 1),
        "phases": phases,
        "worker_peak_gb": sorted(round(kb / 2**20, 2) for kb in peaks.values()),
        "client_peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "top": None if top is None else top.cause,
        "findings": [(f.cause, round(f.score, 3)) for f in diagnosis.findings],
        "dask": diagnosis.inputs["dask"],
        "label_noise_evidence": {} if top is None else {k: v for k, v in top.evidence.items() if "noise" in k},
    }


def run_memory(rows: int, val_rows: int, partition_rows: int) -> dict[str, Any]:
    import gapdoctor

    arguments = {
        **_arguments(in_memory("train", rows, partition_rows), "train"),
        **_arguments(in_memory("val", val_rows, partition_rows), "val"),
    }
    start = time.perf_counter()
    diagnosis = gapdoctor.diagnose(**arguments)
    top = diagnosis.top
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "top": None if top is None else top.cause,
        "findings": [(f.cause, round(f.score, 3)) for f in diagnosis.findings],
        "label_noise_evidence": {} if top is None else {k: v for k, v in top.evidence.items() if "noise" in k},
    }


def _rate(percent: float | None) -> str:
    return "-" if percent is None else f"{percent / 100:.4f}"


def _pass_seconds(phases: list[str], name: str) -> float:
    return round(sum(float(p.split(": ")[1].rstrip(" s")) for p in phases if p.startswith(name)), 1)


def table(store: dict[str, Any]) -> str:
    lines = [
        HEADING,
        "",
        "`benchmarks/dask_scale.py`: a training split of N rows x 20 float32 features + label + 5 float32",
        "out-of-fold-like probability columns in Parquet (1M-row files, snappy), 20% of the labels of classes 0 and 1",
        "flipped (8% of all labels wrong); a clean 1M-row validation split from the same generator. `diagnose()` of",
        "Dask DataFrames (`dd.read_parquet`) on a 2-worker LocalCluster (1 thread, 4 GB limit each) on this 2-core",
        "machine shared with ~8 other jobs (load average 8-11 during these runs: times are several times a quiet",
        "machine's). Peak = `ru_maxrss` of each worker process and of the client (which holds the 1M-row sample",
        "the checks run on). Passes: A reads every column once (sample, moments, row hashes, label sums), B labels",
        "and probabilities (confident joint, confusion), C labels and probabilities (flagged-row candidates);",
        "`len` counts rows per partition on the label column. The in-memory run diagnoses the same generator's first",
        "1M training rows and the same validation split with numpy arrays.",
        "",
        "| training rows | parquet GB | write s | Dask diagnose s | of which passes A / B / C s | peak per worker GB "
        "| client peak GB | verdict (Dask) | verdict (1M in memory) | noise rate, all rows (exact) "
        "| flagged rows, all rows (exact) | noise rate, 1M in memory |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rows, entry in sorted(store.items(), key=lambda kv: int(kv[0])):
        d, m = entry["dask"], entry["memory"]
        label = d["dask"]["exact"].get("label_noise", {})
        phases = d.get("phases", [])
        passes = " / ".join(str(_pass_seconds(phases, n)) for n in ("pass_a", "pass_b", "pass_c"))
        lines.append(
            f"| {int(rows):,} | {entry['parquet_gb']} | {entry['write_seconds']} | {d['seconds']} | {passes} "
            f"| {' / '.join(str(g) for g in d['worker_peak_gb'])} | {d['client_peak_gb']} | {d['top']} | {m['top']} "
            f"| {label.get('noise_rate_all_rows')} | {label.get('flagged_rows_all_rows', '-'):,} "
            f"| {_rate(m['label_noise_evidence'].get('noise_rate_pct'))} |"
        )
    lines += [
        "",
        "Exact over every row (merged across partitions; `tests/scale/` holds them equal to the in-memory",
        "computation): the confident-learning noise rate and interval, the flagged rows (same rows, same order as",
        "`find_label_issues` on all rows) and per-source flag rates, validation rows copied from training rows, per-",
        "feature means / SDs, validation confusion counts. On the uniform 1M-row sample (stated in every check run and",
        "finding that read it): the checks' own statistics and scores, hence the verdict.",
    ]
    return "\n".join(lines) + "\n"


def _save(store: dict[str, Any], rows: int, entry: dict[str, Any]) -> None:
    store[str(rows)] = entry
    STORE.write_text(json.dumps(store, indent=1) + "\n")
    replace_section(HEADING, table(store))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--val-rows", type=int, default=1_000_000)
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--worker-memory", default="4GB")
    parser.add_argument("--keep", action="store_true", help="keep the Parquet dataset afterwards")
    args = parser.parse_args()

    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    start = time.perf_counter()
    write_seconds = store.get(str(args.rows), {}).get("write_seconds", "-")  # a dataset kept from an earlier run
    if not (args.dir / "train").exists():
        write_split(args.dir / "train", "train", args.rows, args.partition_rows)
        write_split(args.dir / "val", "val", args.val_rows, args.partition_rows)
        write_seconds = round(time.perf_counter() - start, 1)
    size = sum(p.stat().st_size for p in args.dir.rglob("*.parquet")) / 1e9
    print(f"parquet: {size:.2f} GB, written in {write_seconds} s", flush=True)
    entry: dict[str, Any] = {"parquet_gb": round(size, 2), "write_seconds": write_seconds}
    entry["dask"] = run_dask(args.dir, args.worker_memory)
    print(json.dumps(entry["dask"], indent=1), flush=True)
    entry["memory"] = {"top": "(not run yet)", "label_noise_evidence": {}}
    _save(store, args.rows, entry)  # the long part is kept even if the rest is interrupted
    entry["memory"] = run_memory(args.sample_rows, args.val_rows, args.partition_rows)
    print(json.dumps(entry["memory"], indent=1), flush=True)
    _save(store, args.rows, entry)
    dask_result, memory = entry["dask"], entry["memory"]
    print("verdicts match" if dask_result["top"] == memory["top"] else "VERDICTS DIFFER", flush=True)
    if not args.keep:
        shutil.rmtree(args.dir)


if __name__ == "__main__":
    main()
