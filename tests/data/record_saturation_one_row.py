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

from pathlib import Path

from tests.data.recording import record_corpus_curves, val_size

FIXTURE = Path(__file__).with_name("saturation_one_row.json")
SEEDS = (570, 586)


def main() -> None:
    record_corpus_curves(FIXTURE, "tests/data/record_saturation_one_row.py", SEEDS, val_size)


if __name__ == "__main__":
    main()
