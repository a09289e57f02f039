"""Record two saturated corpus runs whose metric gained one validation row over the second half.

Corpus seeds 570 (an sklearn MLP on digits 2-vs-3: 107 -> 108 of 108 validation rows right) and
586 (a logistic regression on make_classification: 544 -> 545 of 548), both calibration-side seeds
of the batch drawn after the session's other check changes (400-799). Kept: the curves and the
validation size. Recorded rather than trained live because a one-row gain sits on the last digits
of the curves, which differ from one CPU to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_saturation_one_row [--cache DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import draw_scenario
from tests.data.recording import write_recorded_runs

FIXTURE = Path(__file__).with_name("saturation_one_row.json")
SEEDS = (570, 586)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="the corpus cache (default: beside the bench's)")
    cache = parser.parse_args().cache
    runs = {}
    with threadpool_limits(limits=1):
        for seed in SEEDS:
            scenario = draw_scenario(seed, cache=cache)
            data = scenario.data
            keep = ("train_loss", "val_loss", f"val_{data.metric}")
            runs[f"corpus-seed{seed}"] = {
                "description": f"corpus seed {seed}: {scenario.params['model']} on {scenario.params['dataset']}",
                "metric": data.metric,
                "history": {k: [round(float(v), 8) for v in data.history[k]] for k in keep},
                "val_size": len(data.arrays["y_val"]),
            }
    write_recorded_runs(FIXTURE, "tests/data/record_saturation_one_row.py", runs)


if __name__ == "__main__":
    main()
