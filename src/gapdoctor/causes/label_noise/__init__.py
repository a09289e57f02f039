"""The ``label_noise`` cause: its spec, checks, experiment and figures (see ``gapdoctor.causes``)."""

from __future__ import annotations

CHECKS = ("check", "dynamics", "memorisation", "peak_fall")
"""The modules of this folder whose checks the registry imports."""
