"""What ``subgroup_failure`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "subgroup_failure",
    "Sub-populations left behind",
    "Some classes or groups are never learned while others are memorised.",
    (
        "Rebalance: class weights, oversampling of the lagging classes or groups.",
        "Collect or augment data for the lagging classes or groups.",
        "Report per-class / per-group metrics next to the overall one.",
    ),
    short="sub",
    explains=("overfitting", "small_validation_set"),
)
