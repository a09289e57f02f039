"""Per-step overhead of gapdoctor's plain-PyTorch Monitor on a small MLP and a small CNN.

Run: ``OMP_NUM_THREADS=1 python benchmarks/overhead.py [--write]``. ``--write`` puts the
table into ``benchmarks/RESULTS.md`` under ``## Training-loop overhead``.

Two measures per model, each the median of several repeats:
- *inside gapdoctor*: median time of a ``monitor.log_batch`` call (plus ``end_epoch``
  spread over the epoch's steps) divided by the median step time (robust to the
  preemptions of a shared machine);
- *end to end*: the step time with the monitor minus the step time without it (noisy on
  a shared machine; shown for honesty).
Tracking on = labels, row indices, per-row losses and predictions of every batch passed
in, 256 tracked rows. Every row = labels, row indices and the batch's logits passed in: the
training dynamics (AUM, forgetting, confidence) of every training row, 26 bytes per row.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.nn import functional as F

from gapdoctor.torch import Monitor
from results_md import replace_section

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


def run(make: Callable[[], nn.Module], mode: str, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
    """(median step, median ``log_batch``, median ``end_epoch``) in seconds, for mode off / curves / tracking.

    Medians per call, not sums: on a shared machine a call that happens to be
    descheduled would otherwise charge another process's time slice to gapdoctor.
    """
    torch.manual_seed(0)
    model = make()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    monitor = None
    if mode == "curves":
        monitor = Monitor(optimizer=optimizer)
    elif mode == "tracking":
        monitor = Monitor(optimizer=optimizer, n_train=len(y), track_rows=256)
    elif mode == "dynamics":
        monitor = Monitor(optimizer=optimizer, n_train=len(y))
    rows_all = torch.arange(len(y))
    step_seconds: list[float] = []
    batch_calls: list[float] = []
    epoch_calls: list[float] = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(y))
        for step in range(EPOCH_STEPS):
            started = time.perf_counter()
            rows = rows_all[order[step * BATCH : (step + 1) * BATCH]]
            xb, yb = X[rows], y[rows]
            optimizer.zero_grad()
            logits = model(xb)
            per_row = F.cross_entropy(logits, yb, reduction="none")
            loss = per_row.mean()
            loss.backward()
            optimizer.step()
            if monitor is not None:
                t0 = time.perf_counter()
                if mode == "tracking":
                    monitor.log_batch(
                        loss, labels=yb, rows=rows, sample_losses=per_row.detach(), predictions=logits.detach()
                    )
                elif mode == "dynamics":
                    monitor.log_batch(loss, labels=yb, rows=rows, logits=logits)
                else:
                    monitor.log_batch(loss)
                batch_calls.append(time.perf_counter() - t0)
            step_seconds.append(time.perf_counter() - started)
        if monitor is not None:
            t0 = time.perf_counter()
            monitor.end_epoch(val_loss=0.5, val_accuracy=0.9)
            epoch_calls.append(time.perf_counter() - t0)
    if monitor is None:
        return float(np.median(step_seconds)), 0.0, 0.0
    assert monitor.errors == [] and monitor.epochs == EPOCHS
    assert mode != "dynamics" or monitor.training_dynamics is not None
    # labels are kept during the first epoch only: average that epoch in at its share
    first, rest = batch_calls[:EPOCH_STEPS], batch_calls[EPOCH_STEPS:]
    per_batch = (float(np.median(first)) + (EPOCHS - 1) * float(np.median(rest))) / EPOCHS
    return float(np.median(step_seconds)), per_batch, float(np.median(epoch_calls))


def measure() -> list[dict[str, float | str]]:
    X_np, y_np = load_digits(return_X_y=True)
    X = torch.from_numpy((X_np / 16).astype(np.float32)).reshape(-1, 1, 8, 8)
    y = torch.from_numpy(y_np.astype(np.int64))
    table: list[dict[str, float | str]] = []
    for name, make in (("MLP 64-256-256-10", mlp), ("CNN 2 conv + linear", cnn)):
        run(make, "off", X, y)  # warm-up
        samples: dict[str, list[tuple[float, float, float]]] = {"off": [], "curves": [], "tracking": [], "dynamics": []}
        for _ in range(REPEATS):
            for mode in samples:  # interleaved, so drift hits every mode alike
                samples[mode].append(run(make, mode, X, y))
        base = float(np.median([s for s, _, _ in samples["off"]]))
        for mode, label in (("curves", "off"), ("tracking", "on"), ("dynamics", "every row (logits)")):
            step = float(np.median([s for s, _, _ in samples[mode]]))
            per_batch = float(np.median([b for _, b, _ in samples[mode]]))
            per_epoch = float(np.median([e for _, _, e in samples[mode]]))
            inside = per_batch + per_epoch / EPOCH_STEPS
            table.append(
                {
                    "model": name,
                    "per-row tracking": label,
                    "step_us": base * 1e6,
                    "log_batch_us": per_batch * 1e6,
                    "end_epoch_us": per_epoch * 1e6,
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
        f"torch {torch.__version__}, Python {platform.python_version()}; median of {REPEATS} runs of "
        f"{EPOCHS * EPOCH_STEPS} steps. *Inside gapdoctor* = median time in `log_batch` (+ `end_epoch` per "
        "step) over the median step time (targets: < 1% with per-row tracking off, < 5% with it on or with "
        "every row's training dynamics); "
        "*end to end* = step-time difference with/without the monitor (noisy on a shared machine).",
        "",
        "| model | per-row tracking | step (µs) | `log_batch` (µs) | `end_epoch` (µs, once per epoch) "
        "| inside gapdoctor | end to end |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        lines.append(
            f"| {row['model']} | {row['per-row tracking']} | {row['step_us']:.0f} | {row['log_batch_us']:.1f} "
            f"| {row['end_epoch_us']:.0f} | {row['inside_pct']:.2f}% | {row['end_to_end_pct']:+.1f}% |"
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
