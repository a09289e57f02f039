"""Record a saturated corpus run, its validation loss within its sampling band, for tests/causes/metric_saturation.

Corpus seed 138 (calibration side): a logistic regression trained by Adam on make_classification
(``class_sep`` 2.6), ROC AUC on 494 validation rows, flat at 0.997 from epoch 9 of 65 while the
training loss falls 27% over the second half and the validation loss moves from 0.082 to 0.085
(its standard error over the rows is about 0.02). Kept: the curves, the validation labels and
the final validation probabilities (the sampling band is read on them). Recorded rather than
trained live because the run sits on the last digits of its curves, which differ from one CPU
to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_saturation_flat_loss [--cache DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gapdoctor.bench.scenario import ScenarioData
from tests.data.recording import record_corpus_curves

FIXTURE = Path(__file__).with_name("saturation_flat_loss.json")
SEEDS = (138,)


def _extra(data: ScenarioData) -> dict[str, Any]:
    return {
        "y_val": [int(v) for v in data.arrays["y_val"]],
        "val_probs": [[round(float(p), 8) for p in row] for row in data.arrays["val_probs"]],
    }


def main() -> None:
    record_corpus_curves(FIXTURE, "tests/data/record_saturation_flat_loss.py", SEEDS, _extra)


if __name__ == "__main__":
    main()
