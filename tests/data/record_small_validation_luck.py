"""Record corpus runs whose fit gap read an untrained model, or a lucky small validation split, as wrong labels.

Never-read held-out corpus runs (batch 21, seeds 16400-17199, diagnosed at aede772) without wrong training
labels, each headlined ``label_noise`` at 0.98:

- Seed 16728 (``corpus/relabelled_validation_seed16728.npz``; a pipeline bug, validation labels encoded in
  another order): wine, a logistic regression. At its best validation epoch (the second) the model was
  right on 62% of the relabelled validation rows and on 9.9% of its training labels, against 34% by chance:
  a "gap" of 52 points (z = 6.9) from a model that had learnt a mismatch, not the classes.
- Seed 16836 (``corpus/small_validation_luck_seed16836.npz``; a validation set too small, the injected
  cause): synthetic_wide, 19 validation rows. At its best validation epoch the model was right on all 19
  and on 84% of its training labels: a gap of 16 points at z = 2.6, which lowers the bar the out-of-fold
  estimate must clear over a validation control read on the same 19 rows (0 of them flagged).

Kept: every array :func:`gapdoctor.diagnose` received except the features (``X_train``, ``X_val``) and the
groups, byte for byte; the history as ``history__<curve>`` arrays.

Run from the repository root (it overwrites the fixtures it names)::

    OMP_NUM_THREADS=1 python -m tests.data.record_small_validation_luck [--cache DIR]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tests.data.recording import CORPUS_CASES, record_corpus_arrays

if TYPE_CHECKING:
    from gapdoctor.bench.scenario import ScenarioData

FIXTURES = {
    16836: CORPUS_CASES / "small_validation_luck_seed16836.npz",
    16728: CORPUS_CASES / "relabelled_validation_seed16728.npz",
}
LEFT_OUT = ("X_train", "X_val", "groups_train", "groups_val")


def _without_features(data: ScenarioData) -> dict[str, Any]:
    kwargs = data.diagnose_kwargs()
    arrays = {k: np.asarray(v) for k, v in kwargs.items() if k not in (*LEFT_OUT, "history", "metric")}
    arrays.update({f"history__{k}": np.asarray(v) for k, v in kwargs["history"].items()})
    return arrays


if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _without_features)
