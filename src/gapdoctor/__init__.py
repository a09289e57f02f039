"""gapdoctor: why does my training loss fall while my validation metric is stuck?

Public API only; see :func:`diagnose` (one run) and :func:`diagnose_search` (a search).
"""

from __future__ import annotations

import importlib
from typing import Any

from gapdoctor.causes import CAUSES
from gapdoctor.engine import diagnose
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.experiments.lab import ExperimentSettings
from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.search import diagnose_search

__version__ = "0.1.0"

__all__ = [
    "CAUSES",
    "CheckRun",
    "Diagnosis",
    "ExperimentSettings",
    "Finding",
    "GapdoctorInputError",
    "__version__",
    "diagnose",
    "diagnose_search",
]

# Subpackages reachable after a plain ``import gapdoctor`` (``gapdoctor.integrations.lightning``,
# ``gapdoctor.torch.Monitor``), imported on first use: ``import gapdoctor`` imports no framework.
_LAZY_SUBMODULES = frozenset({"integrations", "torch"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
