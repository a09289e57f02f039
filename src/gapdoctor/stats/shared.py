"""Caches of results several checks of one diagnosis share (keyed by the arrays' identity).

Evidence may hold the caller's own arrays (float64 input is not copied), which the
caller can change between two diagnoses: :func:`forget_shared_results` empties every
cache when a diagnosis starts. A module that keeps such a cache makes it a
:class:`RecentResults` when it is imported, which enrols it in :data:`SHARED_RESULTS`.
"""

from __future__ import annotations

import weakref
from typing import Any, Generic, TypeVar

__all__ = ["SHARED_RESULTS", "RecentResults", "forget_shared_results"]

T = TypeVar("T")

SHARED_RESULTS: list[RecentResults[Any]] = []
"""Every shared-result cache (each a :class:`RecentResults`)."""


class RecentResults(Generic[T]):
    """The last ``keep`` results of a computation, each keyed by the identity of the arrays it read.

    The arrays are held by weak reference: the cache never keeps a user's array alive, and a
    key whose array was freed no longer matches (a new array at the same address is not the
    old one). ``None`` may stand in a key for an array that was not given.

    Parameters
    ----------
    keep : int, default=1
        How many results to keep (the most recent win): 2 keeps one per split of a diagnosis.

    Examples
    --------
    >>> import numpy as np
    >>> cache: RecentResults[float] = RecentResults()
    >>> a = np.arange(3.0)
    >>> cache.get(a, None) is None
    True
    >>> cache.put((a, None), 3.0)
    3.0
    >>> cache.get(a, None), cache.get(a.copy(), None)
    (3.0, None)
    """

    def __init__(self, keep: int = 1) -> None:
        self._keep = keep
        self._entries: list[tuple[tuple[weakref.ref[Any] | None, ...], T]] = []
        SHARED_RESULTS.append(self)

    def get(self, *arrays: object) -> T | None:
        """The result kept for these very array objects (``None`` where absent), else None."""
        for key, result in self._entries[::-1]:  # the most recent first
            if len(key) == len(arrays) and all(map(_same, key, arrays)):
                return result
        return None

    def put(self, arrays: tuple[object, ...], result: T) -> T:
        """Keep ``result`` for ``arrays`` (dropping the oldest beyond ``keep``) and return it."""
        key = tuple(None if a is None else weakref.ref(a) for a in arrays)
        self._entries = [*self._entries, (key, result)][-self._keep :]
        return result

    def clear(self) -> None:
        """Forget every result."""
        self._entries = []


def _same(ref: weakref.ref[Any] | None, array: object) -> bool:
    """Whether a key's weak reference (or None) stands for ``array`` (or for no array)."""
    return array is None if ref is None else array is not None and ref() is array


def forget_shared_results() -> None:
    """Empty every cache of :data:`SHARED_RESULTS` (called when a diagnosis starts)."""
    for cache in SHARED_RESULTS:
        cache.clear()
