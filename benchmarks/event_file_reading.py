"""Read a TensorBoard event file full of images: gapdoctor's reader beside TensorBoard's own, time and memory.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/event_file_reading.py [--images 40] [--side 1000]``.

Writes one run with torch's ``SummaryWriter`` (a training and a validation loss per step and a random RGB
image of ``side`` x ``side`` pixels per step, as a run logging sample predictions does), then reads its
scalars with ``gapdoctor.io.read_history`` and with TensorBoard's ``EventAccumulator`` (scalars only, images
not kept: ``size_guidance={IMAGES: 0}``, its lightest setting), each in a fresh process, and prints wall
time and peak traced memory (``tracemalloc``) of the reading (imports excluded) with the ratios. Needs torch
and tensorboard.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_READERS = {  # (imports, the reading timed)
    "gapdoctor": (
        "from gapdoctor.io import read_history\n",
        "n = read_history(RUN).n_points\n",
    ),
    "tensorboard EventAccumulator": (
        "from tensorboard.backend.event_processing import event_accumulator as ea\n",
        "acc = ea.EventAccumulator(RUN, size_guidance={ea.IMAGES: 0, ea.SCALARS: 0})\n"
        "acc.Reload()\n"
        "n = len(acc.Scalars('val_loss'))\n",
    ),
}
_TIMED = (
    "import json, sys, time, tracemalloc\n"
    "RUN = sys.argv[1]\n"
    "{imports}"
    "tracemalloc.start(); start = time.perf_counter()\n"
    "{work}"
    "print(json.dumps({{'seconds': time.perf_counter() - start, "
    "'peak_mib': tracemalloc.get_traced_memory()[1] / 2**20, 'points': n}}))\n"
)


def _write_run(folder: Path, images: int, side: int) -> int:
    import numpy as np
    from torch.utils.tensorboard import SummaryWriter

    rng = np.random.default_rng(0)
    writer = SummaryWriter(str(folder))
    for step in range(images):
        writer.add_scalar("train_loss", 1.0 / (step + 1), step)
        writer.add_scalar("val_loss", 1.0 / (step + 1) + 0.01 * step, step)
        writer.add_image("sample", rng.integers(0, 255, size=(3, side, side), dtype=np.uint8), step)
    writer.close()
    return sum(f.stat().st_size for f in folder.iterdir())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--side", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        size = _write_run(run, args.images, args.side)
        print(f"event file: {size / 2**20:.1f} MiB, {args.images} steps, one {args.side}x{args.side} image a step")
        results = {}
        for name, (imports, work) in _READERS.items():
            out = subprocess.run(
                [sys.executable, "-c", _TIMED.format(imports=imports, work=work), str(run)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[name]
            print(f"{name:<30} {r['seconds']:7.2f} s  peak {r['peak_mib']:7.1f} MiB  ({r['points']} points)")
    ours, peer = results["gapdoctor"], results["tensorboard EventAccumulator"]
    print(
        f"ratio (TensorBoard / gapdoctor): time {peer['seconds'] / ours['seconds']:.1f}x, "
        f"peak memory {peer['peak_mib'] / ours['peak_mib']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
