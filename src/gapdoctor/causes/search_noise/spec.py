"""What ``search_noise`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "search_noise",
    "Noisy hyper-parameter search",
    "The search ranks trials by differences smaller than the validation noise.",
    (
        "Score trials by cross-validation, not one small split.",
        "Enlarge the validation set so trial differences exceed its noise.",
        "Rank trials by the validation metric, never by training loss.",
    ),
    short="srh",
    explains=("overfitting", "small_validation_set"),
)
