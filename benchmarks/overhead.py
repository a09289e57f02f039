"""Per-step overhead of gapdoctor's plain-PyTorch Monitor on a small MLP and a small CNN.

Run: ``OMP_NUM_THREADS=1 python benchmarks/overhead.py [--write]``. ``--write`` puts the
table into ``benchmarks/RESULTS.md`` under ``## Training-loop overhead``.

Two measures per model, each the median of several repeats, in CPU time of the training
thread (:data:`clock`):
- *inside gapdoctor*: median time of a ``monitor.log_batch`` call (plus ``end_epoch``
  spread over the epoch's steps) divided by the median step time (robust to the
  preemptions of a shared machine);
- *end to end*: the step time with the monitor minus the step time without it (noisy on
  a shared machine; shown for honesty).
Tracking on = labels, row indices, per-row losses and predictions of every batch passed
in, 256 tracked rows. Every row = labels, row indices and the batch's logits passed in: the
training dynamics (AUM, forgetting, confidence, averaged probabilities) of every training row,
66 bytes per row for 10 classes; the epochs the store keeps unprocessed are processed when
``monitor.training_dynamics`` is read after training, and that time is spread over the steps.
The per-row modes run with ``store=False``; the run store's own cost (one SQLite transaction
per epoch, on by default) is its own row.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.nn import functional as F

from gapdoctor.torch import Monitor
from results_md import replace_section

clock = time.thread_time
"""CPU time of this thread: on a shared machine a wall clock charges other processes' time slices
to whatever call they interrupt (measured: reading the dynamics, ~1.3 ms of work, took 2-22 ms of
wall time at a load of 9 on 2 cores). torch runs single-threaded here, in this thread."""
BATCH = 64
EPOCH_STEPS = 28  # one pass over the 1797 digits rows
EPOCHS = 5
REPEATS = 7


def mlp() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def run(
    make: Callable[[], nn.Module], mode: str, X: torch.Tensor, y: torch.Tensor, store: str
) -> tuple[float, float, float, float]:
    """(median step, median ``log_batch``, median ``end_epoch``, reading the dynamics) in seconds.

    Medians per call, not sums: on a shared machine a call that happens to be
    descheduled would otherwise charge another process's time slice to gapdoctor.
    """
    torch.manual_seed(0)
    model = make()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    monitor = None
    if mode == "curves":
        monitor = Monitor(optimizer=optimizer, store=False)
    elif mode == "store":
        monitor = Monitor(optimizer=optimizer, store=store)
    elif mode == "tracking":
        monitor = Monitor(optimizer=optimizer, n_train=len(y), track_rows=256, store=False)
    elif mode == "dynamics":
        monitor = Monitor(optimizer=optimizer, n_train=len(y), store=False)
    rows_all = torch.arange(len(y))
    step_seconds: list[float] = []
    batch_calls: list[float] = []
    epoch_calls: list[float] = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(y))
        for step in range(EPOCH_STEPS):
            started = clock()
            rows = rows_all[order[step * BATCH : (step + 1) * BATCH]]
            xb, yb = X[rows], y[rows]
            optimizer.zero_grad()
            logits = model(xb)
            per_row = F.cross_entropy(logits, yb, reduction="none")
            loss = per_row.mean()
            loss.backward()
            optimizer.step()
            if monitor is not None:
                t0 = clock()
                if mode == "tracking":
                    monitor.log_batch(
                        loss, labels=yb, rows=rows, sample_losses=per_row.detach(), predictions=logits.detach()
                    )
                elif mode == "dynamics":
                    monitor.log_batch(loss, labels=yb, rows=rows, logits=logits)
                else:
                    monitor.log_batch(loss)
                batch_calls.append(clock() - t0)
            step_seconds.append(clock() - started)
        if monitor is not None:
            t0 = clock()
            monitor.end_epoch(val_loss=0.5, val_accuracy=0.9)
            epoch_calls.append(clock() - t0)
    if monitor is None:
        return float(np.median(step_seconds)), 0.0, 0.0, 0.0
    t0 = clock()
    dynamics = monitor.training_dynamics  # processes the epochs the store kept
    read = clock() - t0
    assert monitor.errors == [] and monitor.epochs == EPOCHS
    assert mode != "dynamics" or dynamics is not None
    # labels are kept during the first epoch only: average that epoch in at its share
    first, rest = batch_calls[:EPOCH_STEPS], batch_calls[EPOCH_STEPS:]
    per_batch = (float(np.median(first)) + (EPOCHS - 1) * float(np.median(rest))) / EPOCHS
    return float(np.median(step_seconds)), per_batch, float(np.median(epoch_calls)), read


def measure() -> list[dict[str, float | str]]:
    X_np, y_np = load_digits(return_X_y=True)
    X = torch.from_numpy((X_np / 16).astype(np.float32)).reshape(-1, 1, 8, 8)
    y = torch.from_numpy(y_np.astype(np.int64))
    table: list[dict[str, float | str]] = []
    for name, make in (("MLP 64-256-256-10", mlp), ("CNN 2 conv + linear", cnn)):
        modes = ("off", "curves", "store", "tracking", "dynamics")
        samples: dict[str, list[tuple[float, float, float, float]]] = {mode: [] for mode in modes}
        with tempfile.TemporaryDirectory() as folder:
            store = str(Path(folder) / "runs.sqlite")
            run(make, "off", X, y, store)  # warm-up
            for _ in range(REPEATS):
                for mode in samples:  # interleaved, so drift hits every mode alike
                    samples[mode].append(run(make, mode, X, y, store))
        base = float(np.median([s[0] for s in samples["off"]]))
        labelled = (
            ("curves", "off"),
            ("store", "off, run store on (the default)"),
            ("tracking", "on"),
            ("dynamics", "every row (logits)"),
        )
        for mode, label in labelled:
            step = float(np.median([s[0] for s in samples[mode]]))
            per_batch = float(np.median([s[1] for s in samples[mode]]))
            per_epoch = float(np.median([s[2] for s in samples[mode]]))
            read = float(np.median([s[3] for s in samples[mode]]))
            inside = per_batch + per_epoch / EPOCH_STEPS + read / (EPOCHS * EPOCH_STEPS)
            table.append(
                {
                    "model": name,
                    "per-row tracking": label,
                    "step_us": base * 1e6,
                    "log_batch_us": per_batch * 1e6,
                    "end_epoch_us": per_epoch * 1e6,
                    "read_us": read * 1e6,
                    "inside_pct": 100 * inside / base,
                    "end_to_end_pct": 100 * (step - base) / base,
                }
            )
    return table


def markdown(table: list[dict[str, float | str]]) -> str:
    lines = [
        "## Training-loop overhead",
        "",
        f"`benchmarks/overhead.py`: plain PyTorch loop, batch {BATCH}, digits data, CPU, 1 thread, "
        f"torch {torch.__version__}, Python {platform.python_version()}; thread CPU time, median of {REPEATS} runs of "
        f"{EPOCHS * EPOCH_STEPS} steps. *Inside gapdoctor* = median time in `log_batch` (+ `end_epoch` per "
        "step, + reading `monitor.training_dynamics` once after training, per step) over the median step time "
        "(targets: < 1% with per-row tracking off, < 5% with it on or with "
        "every row's training dynamics); "
        "*end to end* = step-time difference with/without the monitor (noisy on a shared machine).",
        "",
        "| model | per-row tracking | step (µs) | `log_batch` (µs) | `end_epoch` (µs, once per epoch) "
        "| reading the dynamics (µs, once) | inside gapdoctor | end to end |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        lines.append(
            f"| {row['model']} | {row['per-row tracking']} | {row['step_us']:.0f} | {row['log_batch_us']:.1f} "
            f"| {row['end_epoch_us']:.0f} | {row['read_us']:.0f} | {row['inside_pct']:.2f}% "
            f"| {row['end_to_end_pct']:+.1f}% |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Per-step overhead of gapdoctor's PyTorch Monitor.")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    text = markdown(measure())
    print(text)
    if args.write:
        replace_section("## Training-loop overhead", text)
