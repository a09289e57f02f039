"""Finding the cause folders: every package of :mod:`gapdoctor.causes` is one cause.

The folders are found, not listed, so adding a cause is adding a folder. This module only
imports the folders' modules; what a module does when imported (a check registers itself
with :func:`gapdoctor.causes.registry.register`, a payload type with
:class:`~gapdoctor.causes.payload.Payload`, a figure maker with
:func:`gapdoctor.report.figure_registry.figures_for`) is up to the layer that owns it.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import gapdoctor.causes as package

__all__ = ["cause_folders", "import_each", "load_causes"]

_LOADED: list[bool] = []


def cause_folders() -> list[str]:
    """The module name of every cause folder (``gapdoctor.causes.<cause>``), in ``__path__`` order."""
    return [
        f"{package.__name__}.{folder.name}"
        for folder in pkgutil.iter_modules(package.__path__)
        if folder.ispkg and not folder.name.startswith("_")
    ]


def import_each(module: str) -> None:
    """Import ``<folder>.<module>`` of every cause folder that has one (``"experiment"``, ``"figures"``)."""
    for folder in cause_folders():
        if importlib.util.find_spec(f"{folder}.{module}") is not None:
            importlib.import_module(f"{folder}.{module}")


def load_causes() -> None:
    """Import every cause folder's spec and check modules once (they register themselves).

    A folder's ``spec`` module declares the cause (a plug-in cause registers itself there);
    its ``__init__`` names its check modules in ``CHECKS``.
    """
    if _LOADED:
        return
    for folder in cause_folders():
        cause = importlib.import_module(folder)
        importlib.import_module(f"{folder}.spec")
        for module in getattr(cause, "CHECKS", ()):
            importlib.import_module(f"{folder}.{module}")
    _LOADED.append(True)
