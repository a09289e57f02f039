"""Record a run whose validation accuracy "turned" while its validation loss kept falling to the end.

Corpus seed 1030 (calibration side of the batch 800-1199, an injected optimisation problem): a
logistic regression on digits with SGD at a learning rate of 0.2. Validation accuracy peaked at
epoch 13 (0.95) and ended at 0.945, 2.5 rows of 491 lower, while the validation loss reached its
lowest value at the last epoch: no overfitting turn, yet ``overfitting.curves`` headlined it (0.78).
Kept: the curves and the validation size. Recorded rather than trained live because a turn of
2.5 rows sits on the last digits of the curves, which differ from one CPU to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_metric_turn_loss_falling [--cache DIR]
"""

from __future__ import annotations

from pathlib import Path

from tests.data.recording import record_corpus_curves, val_size

FIXTURE = Path(__file__).with_name("metric_turn_loss_falling.json")
SEEDS = (1030,)


def main() -> None:
    record_corpus_curves(FIXTURE, "tests/data/record_metric_turn_loss_falling.py", SEEDS, val_size)


if __name__ == "__main__":
    main()
