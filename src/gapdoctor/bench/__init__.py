"""Fault scenarios: real training runs with one known cause, and the bench that scores gapdoctor on them.

``gapdoctor bench`` runs every scenario of :data:`SCENARIOS` through
:func:`gapdoctor.diagnose` (:func:`run_bench`). Names are loaded lazily: the
scenario modules train models (scikit-learn), which ``import gapdoctor.bench`` need not load.
The calibration corpus, hundreds of scenarios drawn at random with the same fault
injections, is :mod:`gapdoctor.bench.corpus` (a batch job, not part of the bench).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCENARIOS", "BenchResult", "Scenario", "ScenarioData", "run_bench", "select_scenarios"]

_WHERE = {
    "SCENARIOS": "gapdoctor.bench.catalogue",
    "select_scenarios": "gapdoctor.bench.catalogue",
    "BenchResult": "gapdoctor.bench.runner",
    "run_bench": "gapdoctor.bench.runner",
    "Scenario": "gapdoctor.bench.scenario",
    "ScenarioData": "gapdoctor.bench.scenario",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'gapdoctor.bench' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_WHERE[name]), name)
