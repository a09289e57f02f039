"""The check registry.

A check is a pure function ``Evidence -> list[Finding]`` for one cause, registered
with :func:`register`. Adding a cause means adding one module to this package: every
module here is imported when the package is, and its ``@register`` calls fill
:data:`REGISTRY`.

A check that cannot conclude from the inputs raises :class:`SkipCheck` with the
reason; the diagnosis lists it as skipped. Inputs named in ``requires`` are checked
before the check runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from gapdoctor.causes import CAUSES
from gapdoctor.evidence import Evidence
from gapdoctor.findings import Finding

__all__ = ["REGISTRY", "Check", "SkipCheck", "all_checks", "forget_shared_results", "get_check", "register"]

CheckFunction = Callable[[Evidence], list[Finding]]


class SkipCheck(Exception):
    """Raised by a check that cannot conclude from the inputs it was given.

    Parameters
    ----------
    reason : str
        What is missing or too short, in words a user acts on.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Check:
    """One registered check.

    Parameters
    ----------
    name : str
        Unique name, ``"<cause>.<method>"`` by convention.
    cause : str
        The cause it produces findings for.
    requires : tuple of str
        :class:`~gapdoctor.evidence.Evidence` fields that must be present.
    function : callable
        ``function(evidence) -> list[Finding]``.
    description : str
        One line: what the check looks at.
    """

    name: str
    cause: str
    requires: tuple[str, ...]
    function: CheckFunction
    description: str

    def missing(self, evidence: Evidence) -> list[str]:
        """The required inputs that ``evidence`` lacks."""
        return [n for n in self.requires if not evidence.has(n)]


REGISTRY: dict[str, Check] = {}
"""name -> Check, in registration order."""

SHARED_RESULTS: list[list[object]] = []
"""Caches of results several checks of one diagnosis share (keyed by the arrays' identity).

Evidence may hold the caller's own arrays (float64 input is not copied), which the
caller can change between two diagnoses: :func:`forget_shared_results` empties them
when a diagnosis starts."""


def forget_shared_results() -> None:
    """Empty every cache of :data:`SHARED_RESULTS` (called when a diagnosis starts)."""
    for cache in SHARED_RESULTS:
        cache.clear()


def register(
    *, name: str, cause: str, requires: tuple[str, ...] = (), description: str = ""
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function.

    Parameters
    ----------
    name : str
    cause : str
        One of :data:`gapdoctor.CAUSES`.
    requires : tuple of str, default=()
    description : str, default=""

    Returns
    -------
    callable
        The decorator; the function itself is returned unchanged.
    """
    if cause not in CAUSES:
        raise ValueError(f"check {name!r}: unknown cause {cause!r}; known causes: {', '.join(CAUSES)}")
    if name in REGISTRY:
        raise ValueError(f"check {name!r} is registered twice")

    def decorator(function: CheckFunction) -> CheckFunction:
        doc = description or next(iter((function.__doc__ or "").strip().splitlines()), "")
        REGISTRY[name] = Check(name, cause, tuple(requires), function, doc)
        return function

    return decorator


def get_check(name: str) -> Check:
    """Return the registered check called ``name``.

    Raises
    ------
    KeyError
        With the list of known names when ``name`` is not registered.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; registered checks: {', '.join(REGISTRY)}") from None


def all_checks() -> list[Check]:
    """Every registered check, in cause-vocabulary order."""
    return sorted(REGISTRY.values(), key=lambda c: (CAUSES.index(c.cause), c.name))


for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
