"""What ``distribution_shift`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "distribution_shift",
    "Train/validation distribution shift",
    "Validation data come from a different distribution (covariate or label "
    "shift): what is learned on train does not transfer.",
    (
        "Re-split the pooled data at random (stratified) if the shift is accidental.",
        "Weight training rows by importance (domain-classifier odds).",
        "Collect training data that covers the validation distribution.",
    ),
    short="sft",
    explains=("overfitting", "small_validation_set", "subgroup_failure"),
)
