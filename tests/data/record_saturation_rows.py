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

from pathlib import Path
from typing import Any

from gapdoctor.bench.scenario import ScenarioData
from tests.data.recording import record_corpus_curves

FIXTURE = Path(__file__).with_name("saturation_rows.json")
SEEDS = (362, 394, 250)


def _extra(data: ScenarioData) -> dict[str, Any]:
    y_val = data.arrays["y_val"]
    return {"val_size": len(y_val), "y_val": [int(v) for v in y_val] if data.metric == "roc_auc" else None}


def main() -> None:
    record_corpus_curves(FIXTURE, "tests/data/record_saturation_rows.py", SEEDS, _extra)


if __name__ == "__main__":
    main()
