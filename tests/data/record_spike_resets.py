"""Record two corpus runs whose training loss spiked back above its starting value, for tests/causes/optimization.

Both are real training runs of the calibration corpus (:mod:`gapdoctor.bench.corpus`), held-out
families, injected cause ``optimization`` (a learning rate too high):

- seed 36374: scikit-learn MLP (128 hidden) on wine, Adam lr 0.109, batch 16, 53 epochs: one spike at
  epoch 6 climbs about a thousandfold above the loss's running minimum, to 2.2 times the progress made
  before it, and the run recovers (it was diagnosed healthy: the lone spike scored 0.22);
- seed 38710: scikit-learn MLP (32 hidden) on breast_cancer, SGD lr 0.2, batch 8, 57 epochs: the loss
  rises above its first epoch's at epoch 3, before any progress (headlined metric saturation).

A too-high learning rate makes the curves chaotic (other CPUs give other curves), so the tests read
the curves recorded here. With ``--cache DIR`` the scenarios are read from a corpus cache (the
recorded runs), else they are trained here.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_spike_resets [--cache /work/corpus/cache]
"""

from __future__ import annotations

from pathlib import Path

from tests.data.recording import record_corpus_curves, val_size

FIXTURE = Path(__file__).with_name("optimization_spike_resets.json")
SEEDS = (36374, 38710)


def main() -> None:
    record_corpus_curves(FIXTURE, "tests/data/record_spike_resets.py", SEEDS, val_size)


if __name__ == "__main__":
    main()
