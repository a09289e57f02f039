"""What ``overfitting`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "overfitting",
    "Overfitting",
    "Capacity or epochs exceed what the data supports: validation loss turns up "
    "while training loss keeps falling, and the validation metric plateaus.",
    (
        "Stop early at the best validation epoch (keep that checkpoint).",
        "Add regularisation: weight decay / L2, dropout, data augmentation.",
        "Reduce capacity (fewer or narrower layers, shallower trees).",
        "Collect more training data.",
    ),
    short="ovf",
    explains=(),
)
