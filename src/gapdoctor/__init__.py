"""gapdoctor: why does my training loss fall while my validation metric is stuck?

Public API only; see :func:`diagnose` (one run) and :func:`diagnose_search` (a search).

``import gapdoctor`` stays fast (no scikit-learn, scipy, pandas, matplotlib or torch):
the names that need them — :func:`diagnose`, :func:`diagnose_search` and
:class:`ExperimentSettings` — are imported on first use (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gapdoctor.causes.vocabulary import CAUSES
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import CheckRun, Diagnosis, Finding

if TYPE_CHECKING:
    from gapdoctor.engine import diagnose, diagnose_search
    from gapdoctor.experiments.lab import ExperimentSettings

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

# public name -> module that defines it; imported on first access (it pulls in scikit-learn and scipy)
_LAZY = {
    "diagnose": "gapdoctor.engine",
    "diagnose_search": "gapdoctor.engine",
    "ExperimentSettings": "gapdoctor.experiments.lab",
}
# Subpackages reachable after a plain ``import gapdoctor`` (``gapdoctor.integrations.lightning``,
# ``gapdoctor.torch.Monitor``), imported on first use: ``import gapdoctor`` imports no framework.
_LAZY_SUBMODULES = frozenset({"integrations", "torch"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gapdoctor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
