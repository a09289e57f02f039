"""Record a barely trained model's labels and probabilities: its confusions look like a relabelling.

Corpus seed 1102 (a healthy run of the batch 800-1199, calibration side): a logistic regression on
digits stopped early, at 12% validation accuracy. The assignment that maximises validation accuracy
moves all 10 classes and "raises" it to 33%, and the same relabelling raises the training rows'
out-of-fold accuracy as much: the model's own confusions, not labels encoded differently per split
(``pipeline_bug.label_encoding`` headlined it at 0.57). Kept: the labels and both splits'
probabilities (4 decimals). Recorded rather than trained live because an early stop's confusions
differ from one CPU to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_untrained_confusion [--cache DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).with_name("untrained_confusion.npz")
SEED = 1102


def main() -> None:
    from threadpoolctl import threadpool_limits

    from gapdoctor.bench.corpus.generate import draw_scenario

    parser = argparse.ArgumentParser(description=f"record {FIXTURE.name}")
    parser.add_argument("--cache", type=Path, default=None, help="the corpus cache (default: beside the bench's)")
    cache = parser.parse_args().cache
    with threadpool_limits(limits=1):
        arrays = draw_scenario(SEED, cache=cache).data.arrays
    np.savez_compressed(
        FIXTURE,
        y_train=arrays["y_train"].astype(np.int64),
        y_val=arrays["y_val"].astype(np.int64),
        train_probs=np.round(arrays["train_probs"], 4),
        val_probs=np.round(arrays["val_probs"], 4),
    )
    print(f"corpus seed {SEED} -> {FIXTURE}")


if __name__ == "__main__":
    main()
