"""The outside yardstick's recipes by name: one training run with one known problem each."""

from __future__ import annotations

from collections.abc import Callable

from outside.training import Run

# Recipes: (injected cause, function seed -> Run)
# --------------------------------------------------------------------------------------------

RECIPES: dict[str, tuple[str, Callable[[int], Run]]] = {}


def recipe(name: str, cause: str) -> Callable[[Callable[[int], Run]], Callable[[int], Run]]:
    def deco(fn: Callable[[int], Run]) -> Callable[[int], Run]:
        RECIPES[name] = (cause, fn)
        return fn

    return deco
