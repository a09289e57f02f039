"""What ``pseudo_label_noise`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "pseudo_label_noise",
    "Noisy pseudo labels",
    "Noise is concentrated in weak or pseudo-labelled sources.",
    (
        "Drop or down-weight the noisy source; raise its confidence threshold.",
        "Re-train the pseudo-labeller on clean data, then relabel.",
        "Relabel the flagged pseudo-labelled rows first.",
    ),
    short="psl",
    explains=("overfitting", "small_validation_set", "label_noise", "subgroup_failure"),
)
