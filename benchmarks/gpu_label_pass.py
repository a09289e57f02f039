"""The confident-learning label pass: numpy vs torch on CPU vs torch on a CUDA GPU (issue 16).

Same data as ``benchmarks/budget.py --scale`` (10 classes, float64 rows normalised, 20% of
labels redrawn) at 1M and 10M rows (``--sizes``). Each pass is timed best of ``--repeat``
runs; the torch-CPU pass runs the very code the GPU runs (``device="cpu"``); the CUDA pass
reads a tensor already on the GPU (the host-to-device copy is timed apart) and is timed with
``torch.cuda.synchronize()``. Every torch result is checked equal to the numpy one (flagged
rows, confident joint). Without a GPU the CUDA column says so and the rest runs.

Run (threads pinned): ``OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/gpu_label_pass.py
[--sizes 1,10] [--repeat 3] [--threads 1]``; prints a markdown table.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gapdoctor.causes.label_noise.confident_learning import LabelIssues, find_label_issues
from gapdoctor.causes.label_noise.confident_learning_torch import find_label_issues_torch


def probs(n: int, k: int = 10, seed: int = 0) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = rng.random((n, k))
    p[np.arange(n), y] += 3.0 * rng.random(n)
    p /= p.sum(axis=1, keepdims=True)
    flip = rng.random(n) < 0.2
    y[flip] = rng.integers(0, k, int(flip.sum()))
    return y, p


def best_of(repeat: int, run: Callable[[], LabelIssues], sync: Callable[[], None]) -> tuple[float, LabelIssues]:
    best, result = float("inf"), None
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        result = run()
        sync()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def same(a: LabelIssues, b: LabelIssues) -> bool:
    return bool(np.array_equal(a.rows, b.rows) and np.array_equal(a.confident_joint, b.confident_joint))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="millions of rows, comma separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--chunk-rows", type=int, default=65_536, help="rows per chunk (numpy and torch CPU)")
    parser.add_argument("--cuda-chunk-rows", type=int, default=1 << 20, help="rows per chunk on the GPU")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, threads {args.threads}, GPU: {torch.cuda.get_device_name() if cuda else 'none'}")
    if not cuda:
        print("no CUDA GPU here: the torch-CUDA column is skipped (run this script on a GPU machine)")
    print("| rows x classes | numpy pass (s) | torch CPU pass (s) | torch CUDA pass (s) | to GPU (s) | same rows |")
    print("|---|---|---|---|---|---|")
    for millions in (float(s) for s in args.sizes.split(",")):
        print(table_row(millions, args, cuda), flush=True)


def table_row(millions: float, args: argparse.Namespace, cuda: bool) -> str:
    """One size: the three passes timed, and whether the torch results equal the numpy one."""
    y, p = probs(int(millions * 1_000_000))
    t_numpy, expected = best_of(args.repeat, lambda: find_label_issues(y, p, chunk_rows=args.chunk_rows), lambda: None)
    p_cpu, y_cpu = torch.from_numpy(p), torch.from_numpy(y)
    t_cpu, on_cpu = best_of(
        args.repeat,
        lambda: find_label_issues_torch(y_cpu, p_cpu, chunk_rows=args.chunk_rows, device="cpu"),
        lambda: None,
    )
    agree = same(on_cpu, expected)
    cuda_cell = copy_cell = "no GPU"
    if cuda:
        start = time.perf_counter()
        p_gpu, y_gpu = p_cpu.cuda(), y_cpu.cuda()
        torch.cuda.synchronize()
        copy_cell = f"{time.perf_counter() - start:.3f}"
        t_gpu, on_gpu = best_of(
            args.repeat,
            lambda: find_label_issues_torch(y_gpu, p_gpu, chunk_rows=args.cuda_chunk_rows),
            torch.cuda.synchronize,
        )
        cuda_cell = f"{t_gpu:.3f}"
        agree = agree and same(on_gpu, expected)
    return f"| {millions:g}M x 10 | {t_numpy:.3f} | {t_cpu:.3f} | {cuda_cell} | {copy_cell} | {agree} |"


if __name__ == "__main__":
    main()
