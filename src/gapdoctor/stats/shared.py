"""Caches of results several checks of one diagnosis share (keyed by the arrays' identity).

Evidence may hold the caller's own arrays (float64 input is not copied), which the
caller can change between two diagnoses: :func:`forget_shared_results` empties every
cache when a diagnosis starts. A module that keeps such a cache appends it to
:data:`SHARED_RESULTS` when it is imported.
"""

from __future__ import annotations

__all__ = ["SHARED_RESULTS", "forget_shared_results"]

SHARED_RESULTS: list[list[object]] = []
"""Every shared-result cache; each is a list the owning module fills and reads."""


def forget_shared_results() -> None:
    """Empty every cache of :data:`SHARED_RESULTS` (called when a diagnosis starts)."""
    for cache in SHARED_RESULTS:
        cache.clear()
