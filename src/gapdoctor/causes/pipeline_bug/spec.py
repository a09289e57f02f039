"""What ``pipeline_bug`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "pipeline_bug",
    "Pipeline bug",
    "Label encoding differs between splits, features and labels are misaligned, "
    "a split is preprocessed differently, or data are not shuffled.",
    (
        "Encode labels with one encoder fitted once and reused for every split.",
        "Check that features and labels are joined on the same key and order.",
        "Apply the exact same fitted preprocessing object to every split.",
        "Shuffle the training data every epoch.",
    ),
    short="bug",
    explains=(
        "overfitting",
        "small_validation_set",
        "label_noise",
        "optimization",
        "subgroup_failure",
        "distribution_shift",
    ),
)
