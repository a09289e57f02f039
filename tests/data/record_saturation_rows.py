"""Record three saturated corpus runs once, into a fixture for tests/causes/metric_saturation.

Corpus seeds 362 (an sklearn MLP, accuracy: 535 validation rows, all right at the end) and 394
(a torch MLP, accuracy: 1 error of 630), and 250 (a logistic regression, ROC AUC, 705 rows),
all make_classification with ``class_sep`` near 3: over the second half the metric gains one or
two validation rows (0.9981 -> 1.0 in accuracy; 0.9999 -> 1.0 in AUC) while the validation loss
keeps falling. Kept: the curves, the validation size and (for AUC) the validation labels.
Recorded rather than trained live because these runs sit on the last digits of their curves,
which differ from one CPU to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_saturation_rows [--cache DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import draw_scenario
from tests.data.recording import write_recorded_runs

FIXTURE = Path(__file__).with_name("saturation_rows.json")
SEEDS = (362, 394, 250)


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
            y_val = data.arrays["y_val"]
            runs[f"corpus-seed{seed}"] = {
                "description": f"corpus seed {seed}: {scenario.params['model']} on {scenario.params['dataset']}",
                "metric": data.metric,
                "history": {k: [round(float(v), 8) for v in data.history[k]] for k in keep},
                "val_size": len(y_val),
                "y_val": [int(v) for v in y_val] if data.metric == "roc_auc" else None,
            }
    write_recorded_runs(FIXTURE, "tests/data/record_saturation_rows.py", runs)


if __name__ == "__main__":
    main()
