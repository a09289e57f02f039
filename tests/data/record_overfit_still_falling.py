"""Record healthy torch MLP runs on digits whose validation loss still falls when the metric plateaus.

From ``benchmarks/healthy_sweep.py`` (a two-layer torch MLP, AdamW lr 1e-3, batch 32, the mean
of the epoch's batch losses logged as ``train_loss``; digits, a stratified 25% validation split of
450 rows, features standardised on the training rows):

* ``e40-seed2``: 40 epochs. Validation accuracy flat at 0.98 from epoch ~20 (its last value
  0.976, one to three rows below its best) while the validation loss keeps reaching new lows
  (0.0733 at epoch 21, 0.0715 at epoch 40) and the training loss falls to 0.0014. Headlined
  "overfitting 0.78: the epochs after the plateau only lowered the training loss" before the
  validation loss's own fall was read.
* ``es-seed2``: the same run with early stopping (patience 10 on the validation loss, last
  weights kept), stopped at epoch 50: the validation loss still fell between epoch 21 and 40.
* ``e40-seed0``: control, 40 epochs on another split: the validation loss bottoms out at epoch 14
  and rises 22% while the training loss falls: overfitting, reported.

Recorded rather than trained live: torch's CPU kernels differ in the last digits from one CPU to
another, and the flat stretch is a matter of those digits. Run from the repository root (it
overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_overfit_still_falling
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from tests.data.recording import write_recorded_runs

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from healthy_sweep import torch_model

FIXTURE = Path(__file__).with_name("overfit_still_falling.json")
RUNS = {"e40-seed2": (2, None, 40), "es-seed2": (2, 10, 300), "e40-seed0": (0, None, 40)}
"""name -> (seed of the split and the model, early-stopping patience or None, most epochs)"""


def main() -> None:
    X, y = load_digits(return_X_y=True)
    runs = {}
    with threadpool_limits(limits=1):
        for name, (seed, patience, epochs) in RUNS.items():
            Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
            scaler = StandardScaler().fit(Xt)
            run = torch_model(0.0, epochs, patience)(scaler.transform(Xt), yt, scaler.transform(Xv), yv, seed)
            runs[name] = {
                "description": f"torch MLP on digits, seed {seed}, {len(run.history['train_loss'])} epochs",
                "metric": "accuracy",
                "history": {k: [round(float(v), 8) for v in values] for k, values in run.history.items()},
                "y_val": [int(v) for v in yv],
                "val_probs": [[round(float(p), 8) for p in row] for row in run.val_probs],
            }
    write_recorded_runs(FIXTURE, "tests/data/record_overfit_still_falling.py", runs, torch=torch.__version__)


if __name__ == "__main__":
    main()
