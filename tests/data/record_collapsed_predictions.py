"""Record corpus runs for the collapsed-predictions check: a skipped scaler, and two shifts that pin many rows.

Held-out corpus runs (breast cancer, batches 84-85, seeds 66800-68399, diagnosed at d8971b6 and 9cafb9e), read
by ``pipeline_bug.collapsed_predictions`` after it was written (2026-12-05):

- Seed 67848 (``corpus/skipped_scaler_collapse_seed67848.npz``; a pipeline bug, the validation split left in raw
  units): every one of the 123 validation rows of the other class predicted class 0 at probability 0.999 or
  more, and none of the training rows (out of fold).
- Seed 67939 (``corpus/shift_pins_rows_seed67939.npz``; a distribution shift): 94% of the 142 validation rows of
  the other class pinned to class 1, and 20% of the training rows of the other class too: the model pins
  rows there on its own.
- Seed 67635 (``corpus/shift_pins_rows_seed67635.npz``; a distribution shift): every one of 114 validation rows
  pinned to class 1, and a third of the other class's training rows as well.

Kept: every array :func:`gapdoctor.diagnose` received except the features (``X_train``, ``X_val``) and the
groups, byte for byte; the history as ``history__<curve>`` arrays: the check reads the model's outputs only.

Run from the repository root (it overwrites the fixtures it names)::

    OMP_NUM_THREADS=1 python -m tests.data.record_collapsed_predictions [--cache DIR]
"""

from __future__ import annotations

from tests.data.record_small_validation_luck import _without_features
from tests.data.recording import CORPUS_CASES, record_corpus_arrays

FIXTURES = {
    67848: CORPUS_CASES / "skipped_scaler_collapse_seed67848.npz",
    67939: CORPUS_CASES / "shift_pins_rows_seed67939.npz",
    67635: CORPUS_CASES / "shift_pins_rows_seed67635.npz",
}

if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _without_features)
