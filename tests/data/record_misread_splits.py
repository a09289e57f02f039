"""Record the splits of corpus runs a split-comparing check misread (the arrays ``diagnose`` received).

- Corpus seed 7661 (``corpus/shift_not_a_scaler_seed7661.npz``; label noise + distribution shift, held-out
  side, batch 7600-8399): wine, training rows below the median of its last feature, validation rows
  above its 80th percentile (every one of class 0), 38% of the training labels flipped. Standardising
  the validation split by its own statistics lowers a model's log-loss (z 4.25) but leaves it 17%
  accurate: ``pipeline_bug.split_preprocessing`` headlined "X_val was not passed through the fitted
  scaler" at 0.93.

- Corpus seed 9682 (``corpus/imbalanced_aligned_seed9682.npz``; metric mismatch, held-out side, batch
  9200-9999): synthetic_wide, 5.7% positives scored by F1. A model of the training split's informative
  features is right on 94.0% of the validation rows, 91.8% by chance: within 0.05 of chance, which read
  as "y_val misaligned" (``pipeline_bug.misaligned_rows`` 0.51, headlined), though its agreement beyond
  chance (Cohen's kappa 0.27) is most of what such a split allows.

- Corpus seed 12316 (``corpus/chance_feature_shift_seed12316.npz``; healthy, small but adequate
  validation set, held-out side, batch 11600-12399): synthetic_wide, a random split, 1,071 training and
  143 validation rows of 65 features. By chance one noise feature (x14) sits 0.34 sd lower in
  validation (KS p 2e-6, BH-adjusted 1e-4) while a domain classifier cannot tell the splits apart (AUC
  0.49): ``distribution_shift.covariate`` headlined a shift at 0.95 on that feature alone.

- Corpus seed 12105 (``corpus/teacher_labels_seed12105.npz``; pseudo-label noise, held-out side, batch
  11600-12399): synthetic_multiclass (5 classes), 735 of 787 training labels from a naive-Bayes teacher
  fitted on 52 human rows (70% of them wrong). The model is confident on the validation rows (mean max
  probability 0.97) and right on 29.6% (20.1% by chance): ``pipeline_bug.misaligned_rows`` read "y_val
  out of order with X_val" at 0.83, though five validation features follow the validation labels.
  Kept with the probabilities and the label sources (``train_probs``, ``val_probs``, ``sources_train``).

- Corpus seed 30701 (``corpus/scaler_missed_noisy_labels_seed30701.npz``; pipeline bug + label noise,
  held-out side, batch 30000-30799): synthetic_wide (3 classes, 62 features), the training split
  standardised and the validation split left raw (8 features differ, sd 1.3-1.9x), 34% of the training
  labels flipped. Standardising the validation split by its own statistics worsens a linear model
  fitted on the training split (paired z -5.1: fitted on noisy labels it leans on noise features, which
  the raw informative features outweigh) and improves boosted trees (z +4.5): the fix check read the
  linear model alone, and ``distribution_shift.covariate`` headlined at 0.98.

- Corpus seed 40216 (``corpus/misaligned_read_as_leakage_seed40216.npz``; pipeline bug, held-out side,
  batch 40000-40799): wine, y_val shifted by one row against X_val. Every informative feature loses its
  label association on the validation rows, which ``preprocessing_leakage.train_only_signal`` read as
  three leaking features at 0.91, headlined ahead of ``pipeline_bug.misaligned_rows`` (the shift found,
  97.9% right once re-paired) at 0.82.

- Corpus seed 44029 (``corpus/misaligned_weak_features_seed44029.npz``; pipeline bug + label noise, held-out
  side, batch 43600-44399): synthetic_wide (binary, 70 features), y_val shifted by 5 rows against X_val, 23%
  of the training labels flipped. No feature is associated with the training labels beyond three times its
  noise level (the strongest 0.038 against 0.044), so the association test had nothing to read; the model
  is confident on the validation rows (0.84) and right on 54.1% (50% by chance): the probabilities' path
  read "y_val out of order" at 0.43, and overfitting headlined at 0.99. Kept with the probabilities.

(Seeds 2573 and 3181, beside them, were recorded the same way by an earlier session.) Kept: the four
split arrays :func:`gapdoctor.diagnose` received (seeds 12105 and 44029: and the three more named), byte for byte.

Run from the repository root (it overwrites the fixtures it names)::

    OMP_NUM_THREADS=1 python -m tests.data.record_misread_splits [--cache DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.data.recording import record_corpus_arrays

if TYPE_CHECKING:
    from gapdoctor.bench.scenario import ScenarioData

FIXTURES = {
    7661: Path(__file__).parent / "corpus" / "shift_not_a_scaler_seed7661.npz",
    9682: Path(__file__).parent / "corpus" / "imbalanced_aligned_seed9682.npz",
    12316: Path(__file__).parent / "corpus" / "chance_feature_shift_seed12316.npz",
    30701: Path(__file__).parent / "corpus" / "scaler_missed_noisy_labels_seed30701.npz",
    40216: Path(__file__).parent / "corpus" / "misaligned_read_as_leakage_seed40216.npz",
}
WITH_PROBABILITIES = {
    12105: Path(__file__).parent / "corpus" / "teacher_labels_seed12105.npz",
    44029: Path(__file__).parent / "corpus" / "misaligned_weak_features_seed44029.npz",
}


def _splits(data: ScenarioData) -> dict[str, Any]:
    return {k: np.asarray(data.arrays[k]) for k in ("X_train", "y_train", "X_val", "y_val")}


def _splits_and_probabilities(data: ScenarioData) -> dict[str, Any]:
    keep = ("X_train", "y_train", "X_val", "y_val", "train_probs", "val_probs", "sources_train")
    return {k: np.asarray(data.arrays[k]) for k in keep if k in data.arrays}


if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _splits)
    record_corpus_arrays(WITH_PROBABILITIES, _splits_and_probabilities)
