"""What ``optimization`` means to the user: its story, default fixes and what it explains."""

from __future__ import annotations

from gapdoctor.causes.spec import CauseInfo

SPEC = CauseInfo(
    "optimization",
    "Learning-rate / schedule problem",
    "Learning rate, schedule or batch size make optimisation oscillate, diverge or stall.",
    (
        "Lower the learning rate (try 3x and 10x smaller).",
        "Use warm-up and a decaying schedule (cosine, step decay on plateau).",
        "Clip gradients; increase the batch size if updates are very noisy.",
    ),
    short="opt",
    explains=("overfitting", "small_validation_set"),
)
