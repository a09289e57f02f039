"""Record a corpus run whose F1 gain only a threshold read from the training prior shows (the arrays ``diagnose`` got).

- Corpus seed 46674 (``corpus/overconfident_rare_positive_seed46674.npz``; metric mismatch, held-out side,
  batch 58 (seeds 46400-47199), twenty-third session): synthetic_wide (binary, 75 features, 4
  informative), 11% positives scored by F1, a scikit-learn MLP (32 units, Adam) trained 90 epochs with the
  validation loss up 50% from its low. The model is overconfident (mean top probability 0.98): it decides
  26 of 470 validation rows positive where 51 are. The threshold its own probabilities expect best (0.42)
  gains +0.008; cross-validated on the validation rows the gain is +0.130 with an interval touching 0; a
  small validation set headlined at 0.74. The threshold deciding the training share positive (11.1%)
  gains +0.141 (95% interval +0.035 to +0.290).

Kept: ``y_train``, ``y_val``, ``train_probs`` (out of fold) and ``val_probs``, byte for byte.

Run from the repository root (it overwrites the fixture)::

    OMP_NUM_THREADS=1 python -m tests.data.record_overconfident_f1 [--cache DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.data.recording import record_corpus_arrays

if TYPE_CHECKING:
    from gapdoctor.bench.scenario import ScenarioData

FIXTURES = {46674: Path(__file__).parent / "corpus" / "overconfident_rare_positive_seed46674.npz"}


def _labels_and_probabilities(data: ScenarioData) -> dict[str, Any]:
    return {k: np.asarray(data.arrays[k]) for k in ("y_train", "y_val", "train_probs", "val_probs")}


if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _labels_and_probabilities)
