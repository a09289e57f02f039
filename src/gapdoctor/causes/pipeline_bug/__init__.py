"""The ``pipeline_bug`` cause: its spec, checks, experiment and figures (see ``gapdoctor.causes``)."""

from __future__ import annotations

CHECKS = (
    "check",
    "collapse",
    "empty_targets",
    "logged_twice",
    "nan_validation",
    "never_scored",
    "unbounded_loss",
    "unshuffled",
    "zero_loss",
)
"""The modules of this folder whose checks the registry imports."""
