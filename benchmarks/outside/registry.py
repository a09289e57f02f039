"""The outside yardstick's recipes by name: one training run with one known problem each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from outside.training import Run

# Recipes: (injected cause, function seed -> Run)
# --------------------------------------------------------------------------------------------

RECIPES: dict[str, tuple[str, Callable[[int], Run]]] = {}


def recipe(name: str, cause: str) -> Callable[[Callable[[int], Run]], Callable[[int], Run]]:
    def deco(fn: Callable[[int], Run]) -> Callable[[int], Run]:
        RECIPES[name] = (cause, fn)
        return fn

    return deco


def totals(faulty: list[dict[str, Any]], healthy: list[dict[str, Any]]) -> str:
    """The scored faulty runs' top-1 and top-3 and the healthy runs' false alarms (both yardsticks' tables)."""
    text = ""
    if faulty:
        n1, n3 = sum(ln["top1"] for ln in faulty), sum(ln["top3"] for ln in faulty)
        text += f"faulty runs scored: {len(faulty)}  top-1 {n1}/{len(faulty)} = {n1 / len(faulty):.2f}"
        text += f"  top-3 {n3}/{len(faulty)} = {n3 / len(faulty):.2f}\n"
    if healthy:
        fa = sum(not ln["top1"] for ln in healthy)
        text += f"healthy runs: {len(healthy)}  false alarms {fa}/{len(healthy)} = {fa / len(healthy):.2f}\n"
    return text
