"""Recipes of the framework yardstick (``benchmarks/outside_loops.py``): one module per framework.

Importing a framework module registers its recipes in :data:`common.RECIPES`.
"""

from __future__ import annotations

import importlib

from .common import FRAMEWORKS, HEALTHY, RECIPES, REPORT, LogCatcher, Run, symptom

__all__ = ["FRAMEWORKS", "HEALTHY", "RECIPES", "REPORT", "LogCatcher", "Run", "load", "symptom"]


def load(frameworks: tuple[str, ...] = FRAMEWORKS) -> None:
    """Import the recipe modules of these frameworks (each imports its framework lazily here)."""
    for name in frameworks:
        importlib.import_module(f"{__name__}.{name}")
