"""Record the chaotic optimisation runs of tests/causes/optimization/test_check.py once, into a fixture.

A too-high learning rate makes training chaotic: the curves of the same seed differ from
one CPU to another (seen: the loss rose in 41% of epochs here, 21% on another machine), so
the tests that need such a run read the curves recorded here instead of training live.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_optimization_curves
"""

from __future__ import annotations

from pathlib import Path

import torch

from tests.causes.optimization.test_check import CHAOTIC_RUNS, train_torch
from tests.data.recording import write_recorded_runs

FIXTURE = Path(__file__).with_name("optimization_curves.json")
SEED = 0


def main() -> None:
    torch.set_num_threads(1)
    runs = {}
    for name, (description, settings) in CHAOTIC_RUNS.items():
        runs[name] = {"description": description, "seed": SEED, "history": train_torch(seed=SEED, **settings)}
    write_recorded_runs(FIXTURE, "tests/data/record_optimization_curves.py", runs, torch=torch.__version__)


if __name__ == "__main__":
    main()
