"""What ``label_noise`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "label_noise",
    "Label noise",
    "Wrong training labels are being memorised: the loss falls by fitting them, "
    "which cannot help on correctly labelled validation data.",
    (
        "Inspect and relabel the flagged rows, most suspicious first.",
        "Drop or down-weight the flagged rows and re-train.",
        "Use a noise-robust loss (label smoothing, generalised cross-entropy).",
    ),
    short="lbl",
    explains=("overfitting", "small_validation_set", "subgroup_failure"),
)
