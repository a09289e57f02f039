"""Record the curves of the ``overfit_run`` fixture (tests/conftest.py) once, into a fixture file.

Digits with only 150 training rows and a wide unregularised MLP for 150 epochs: it
overfits, but how clearly depends on the trajectory (the overfitting score across seeds
0-5 ranged 0.34-0.66 around the 0.5 reporting line), so the tests read the curves recorded
here, on one machine, instead of training live.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_overfit_run
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import sklearn
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

from gapdoctor.bench.training import train_by_epoch
from tests.conftest import scaled_split

FIXTURE = Path(__file__).with_name("overfit_run.json")
SEED = 0
DESCRIPTION = "digits, 150 training rows, MLP (256,), Adam lr=1e-3, no L2, 150 epochs"


def main() -> None:
    with threadpool_limits(limits=1):
        run = train_by_epoch(*scaled_split(load_digits, 150, SEED), epochs=150, hidden=(256,), seed=SEED)
    recorded = {
        "recorded_by": "tests/data/record_overfit_run.py",
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scikit-learn": sklearn.__version__,
        "machine": platform.machine(),
        "description": DESCRIPTION,
        "seed": SEED,
        "history": run.history,
    }
    FIXTURE.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
