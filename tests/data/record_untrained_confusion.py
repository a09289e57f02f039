"""Record barely trained or memorising models' labels and probabilities: they look like pipeline bugs.

- Corpus seed 1102 (``untrained_confusion.npz``; a healthy run of the batch 800-1199, calibration
  side): a logistic regression on digits stopped early, at 12% validation accuracy. The assignment
  that maximises validation accuracy moves all 10 classes and "raises" it to 33%, and the same
  relabelling raises the training rows' out-of-fold accuracy as much: the model's own confusions,
  not labels encoded differently per split (``pipeline_bug.label_encoding`` headlined it at 0.57).
- Corpus seed 1468 (``below_chance_run.npz``; a healthy run of the batch 1200-1599, calibration
  side): a logistic regression 12 epochs into a binary task, still below chance (31% validation
  accuracy, its loss above the prior's): swapping the two classes "raises" it to 69% on both splits,
  which read as probability columns in another order (headlined at 0.96). Its logged validation
  loss is kept: the loop scored the labels as given.
- Corpus seed 669 (``memorised_noise_run.npz``; label noise + overfitting, calibration side): a torch
  MLP trained 104 epochs on 81 rows of a 4-class task, 35% of them flipped: confident on validation
  rows (mean max probability 0.84) and at chance there (32%, 25% by chance), which read as validation
  rows out of order with their features (``pipeline_bug.misaligned_rows`` 0.82). Its out-of-fold
  training probabilities are at chance too.
- Corpus seed 9180 (``below_chance_learning_run.npz``; a healthy "early" run of the batch 8400-9199,
  held-out side): a logistic regression 11 epochs into breast cancer at a rate of 5e-4, 16% accurate,
  its logged validation loss (on the labels as given) falling every epoch, 1.95 to 1.64. Swapping the
  classes "raises" it to 84%, and 56% on the training rows: read as columns in another order at 0.65.

Kept: the labels, both splits' probabilities (4 decimals) and the logged validation loss. Recorded
rather than trained live because an early stop's confusions differ from one CPU to another.

Run from the repository root (it overwrites the fixtures beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_untrained_confusion [--cache DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.data.recording import record_corpus_arrays

if TYPE_CHECKING:
    from gapdoctor.bench.scenario import ScenarioData

FIXTURES = {
    669: Path(__file__).with_name("memorised_noise_run.npz"),
    1102: Path(__file__).with_name("untrained_confusion.npz"),
    1468: Path(__file__).with_name("below_chance_run.npz"),
    9180: Path(__file__).with_name("below_chance_learning_run.npz"),
}


def _arrays(data: ScenarioData) -> dict[str, Any]:
    arrays = data.arrays
    return {
        "y_train": arrays["y_train"].astype(np.int64),
        "y_val": arrays["y_val"].astype(np.int64),
        "train_probs": np.round(arrays["train_probs"], 4),
        "val_probs": np.round(arrays["val_probs"], 4),
        "val_loss": np.round(np.asarray(data.history["val_loss"], dtype=np.float64), 6),
    }


if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _arrays)
