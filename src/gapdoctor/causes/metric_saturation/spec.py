"""What ``metric_saturation`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "metric_saturation",
    "Metric saturated",
    "The metric is at its ceiling: further loss gains cannot show in it.",
    (
        "Track log loss or calibration error to see the remaining progress.",
        "Look at the few remaining errors by hand; they may be label errors.",
        "Stop training: the metric has nothing left to gain.",
    ),
    short="sat",
    explains=("overfitting", "small_validation_set"),
)
