"""One process of the 2-process DDP test (gloo on CPU); started by test_torch_ddp.py."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from gapdoctor.torch import Monitor, RowIndexed


def _broken(values: object) -> None:
    raise RuntimeError("injected on rank 1")


def worker(rank: int, world_size: int, port: int, out: str, X: np.ndarray, y: np.ndarray, fault: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = RowIndexed(TensorDataset(torch.from_numpy(X[:400]), torch.from_numpy(y[:400])))
    sampler = DistributedSampler(data, num_replicas=world_size, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(data, batch_size=25, sampler=sampler)
    X_val, y_val = torch.from_numpy(X[400 + rank :: 2]), torch.from_numpy(y[400 + rank :: 2])  # each rank: half

    sink_calls: list[int] = []
    monitor = Monitor(
        optimizer=optimizer,
        n_train=400,
        track_rows=60,
        diagnose_every=1,
        on_epoch_end=lambda r: sink_calls.append(r.epochs),
    )
    local: dict[str, list[float]] = {"loss_sum": [], "batches": [], "val_accuracy": []}
    for epoch in range(3):
        sampler.set_epoch(epoch)
        losses = []
        for rows, xb, yb in loader:
            optimizer.zero_grad()
            per_row = F.cross_entropy(model(xb), yb, reduction="none")
            loss = per_row.mean()
            loss.backward()
            optimizer.step()
            if fault == "rank1_rows_out_of_range" and rank == 1 and epoch == 1:
                rows = rows + 10_000  # only rank 1 switches per-row tracking off, in the middle of the run
            monitor.log_batch(loss, labels=yb, rows=rows, sample_losses=per_row.detach())
            losses.append(loss.item())
        with torch.no_grad():
            val_accuracy = (model(X_val).argmax(1) == y_val).double().mean().item()
        if fault == "rank1_recorder_fails" and rank == 1 and epoch == 1:
            monitor._close_epoch = _broken  # type: ignore[method-assign]  # rank 1 alone stops recording
        monitor.end_epoch(val_accuracy=val_accuracy)
        local["loss_sum"].append(sum(losses))
        local["batches"].append(len(losses))
        local["val_accuracy"].append(val_accuracy)
    result = {
        "curves": monitor.curves,
        "local": local,
        "sink_calls": sink_calls,
        "diagnosed": monitor.last_diagnosis is not None,
        "errors": monitor.errors,
        "tracked_finite": bool(np.isfinite(np.asarray(monitor.sample_losses)).all()),
    }
    Path(out, f"rank{rank}.json").write_text(json.dumps(result))
    dist.barrier()  # both ranks done before the group goes away
    del model, optimizer, monitor  # DDP's reducer holds the group: release it first
    dist.destroy_process_group()
    # leave without the interpreter's teardown, where gloo's threads and C++ static destructors
    # race ("terminate called without an active exception", about 1 run in 10)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    from sklearn.datasets import load_digits

    X_all, y_all = load_digits(return_X_y=True)
    torch.multiprocessing.spawn(
        worker,
        args=(
            2,
            int(sys.argv[1]),
            sys.argv[2],
            (X_all[:600] / 16).astype(np.float32),
            y_all[:600].astype(np.int64),
            sys.argv[3] if len(sys.argv) > 3 else "",
        ),
        nprocs=2,
    )
