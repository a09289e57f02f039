"""Optional frameworks: imported only when an integration needs them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["callback_on_first_use", "require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise ImportError saying which extra installs it.

    Parameters
    ----------
    module : str
        Module to import (``"lightning.pytorch"``).
    extra : str
        The gapdoctor extra that installs it (``"lightning"``).

    Returns
    -------
    module

    Examples
    --------
    >>> require("json", "none").__name__
    'json'
    >>> require("no_such_framework_here", "lightning")
    Traceback (most recent call last):
    ...
    ImportError: this gapdoctor integration needs no_such_framework_here: pip install 'gapdoctor[lightning]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"this gapdoctor integration needs {module}: pip install 'gapdoctor[{extra}]'") from error


def callback_on_first_use(module_name: str, build: Callable[[], type]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that builds ``GapdoctorCallback`` on first access.

    The adapter modules subclass a framework's callback class, which exists only once the
    framework is imported: building the class on first use keeps ``import`` free of it.

    Parameters
    ----------
    module_name : str
        The adapter module's ``__name__``.
    build : callable
        Returns the callback class (imports the framework through :func:`require`).
    """
    module = sys.modules[module_name]

    def __getattr__(name: str) -> Any:
        if name == "GapdoctorCallback":
            cls = build()
            setattr(module, name, cls)
            return cls
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__
