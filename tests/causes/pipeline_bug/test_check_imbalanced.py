"""pipeline_bug.misaligned_rows on a split of one majority class: a transfer model is read on the room above chance.

Recorded inputs of a never-read corpus run (seed 9682: synthetic_wide, 5.7% positives scored by F1), read
byte-for-byte from ``tests/data/corpus/imbalanced_aligned_seed9682.npz`` (``tests/data/record_misread_splits.py``).
A model of the training split's informative features is right on 94.0% of the validation rows against
91.8% by chance: within 0.05 of accuracy of chance, which read as "y_val misaligned" (0.51, headlined),
though the split allows at most 8.2 points above chance and the model has a quarter of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gapdoctor.causes.pipeline_bug.check import misaligned_rows
from gapdoctor.causes.pipeline_bug.score import CHANCE_MARGIN, chance_margin
from gapdoctor.inputs.evidence import build_evidence

RECORDED = Path(__file__).parents[2] / "data" / "corpus" / "imbalanced_aligned_seed9682.npz"


def _splits() -> dict[str, np.ndarray]:
    with np.load(RECORDED, allow_pickle=False) as arrays:
        return {k: arrays[k] for k in arrays.files}


def test_the_margin_is_a_share_of_the_room_above_chance_where_a_majority_class_leaves_little() -> None:
    assert chance_margin(0.5) == chance_margin(1 / 3) == CHANCE_MARGIN  # balanced splits: as before
    assert chance_margin(0.918) < 0.01


def test_an_aligned_split_of_one_majority_class_is_not_read_as_misaligned() -> None:
    splits = _splits()
    assert splits["y_val"].mean() < 0.06  # 5.6% positives
    assert not misaligned_rows(build_evidence(**splits))


def test_the_same_split_shifted_by_three_rows_still_is() -> None:
    splits = _splits()
    (finding,) = misaligned_rows(build_evidence(**{**splits, "y_val": np.roll(splits["y_val"], 3)}))
    assert finding.score >= 0.5 and "y_val" in finding.summary
