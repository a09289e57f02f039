"""The ``optimization`` cause: its spec, checks, experiment and figures (see ``gapdoctor.causes``)."""

from __future__ import annotations

CHECKS = ("check", "heads")
"""The modules of this folder whose checks the registry imports."""
