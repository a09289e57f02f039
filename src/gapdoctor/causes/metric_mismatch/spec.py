"""What ``metric_mismatch`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "metric_mismatch",
    "Loss does not match the metric",
    "The loss is minimised but the metric needs something else: an untuned "
    "decision threshold, class imbalance, or F1 versus cross-entropy.",
    (
        "Tune the decision threshold on held-out data (cross-validate it).",
        "Weight classes or resample to match the metric's priorities.",
        "Train with a loss closer to the metric (focal loss, a soft-F1 surrogate).",
    ),
    short="mis",
    explains=("overfitting", "small_validation_set", "subgroup_failure"),
)
