"""What ``small_validation_set`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "small_validation_set",
    "Validation set too small",
    "The validation metric is too noisy to show the improvement that exists.",
    (
        "Enlarge the validation set to the size the check recommends.",
        "Use (repeated) cross-validation instead of one split.",
        "Track a smoother metric as well (log loss) to see the trend.",
    ),
    short="val",
    explains=(),
    # its re-splits measure the noise of a split this size, not a fix that helps: a confirmation
    # says the noise exists, which does not make it the cause to fix before the others
    experiment_measures_fix=False,
)
