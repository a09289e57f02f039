"""What ``preprocessing_leakage`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "preprocessing_leakage",
    "Preprocessing leakage",
    "A feature or transform carries training labels (target encoding, statistics "
    "fitted on the wrong rows, future information, duplicated rows).",
    (
        "Fit every transform inside the cross-validation / on training rows only.",
        "Drop identifier-like and target-derived features.",
        "De-duplicate across splits before splitting.",
    ),
    short="lek",
    explains=("overfitting", "small_validation_set", "label_noise", "metric_saturation"),
)
