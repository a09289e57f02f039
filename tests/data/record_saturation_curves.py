"""Record the curves of two saturated corpus runs once, into a fixture for tests/causes/metric_saturation.

Corpus seeds 250 (logistic regression) and 186 (a torch MLP), both make_classification with
``class_sep`` near 3 and ROC AUC as the metric: the validation AUC creeps from 0.9999 to 1.0
over the second half while the validation loss keeps falling. Recorded rather than trained
live because a torch run's curve differs in its last digits from one CPU to another, and
these runs sit on exactly such digits.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_saturation_curves
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import draw_scenario

FIXTURE = Path(__file__).with_name("saturation_curves.json")
SEEDS = (250, 186)


def main() -> None:
    runs = {}
    with threadpool_limits(limits=1):
        for seed in SEEDS:
            scenario = draw_scenario(seed)
            data = scenario.data
            keep = ("train_loss", "val_loss", f"val_{data.metric}")
            runs[f"corpus-seed{seed}"] = {
                "description": f"corpus seed {seed}: {scenario.params['model']} on {scenario.params['dataset']}",
                "metric": data.metric,
                "history": {k: [round(float(v), 8) for v in data.history[k]] for k in keep},
            }
    recorded = {
        "recorded_by": "tests/data/record_saturation_curves.py",
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "runs": runs,
    }
    FIXTURE.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"wrote {FIXTURE} ({', '.join(runs)})")


if __name__ == "__main__":
    main()
