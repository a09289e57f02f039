"""Optional frameworks: imported only when an integration needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


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
