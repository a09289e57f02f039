"""Training-loop integrations: one :class:`Recorder`, one thin adapter per framework.

- plain PyTorch: :class:`gapdoctor.torch.Monitor`
- PyTorch Lightning: :class:`gapdoctor.integrations.lightning.GapdoctorCallback`
- HF Transformers: :class:`gapdoctor.integrations.transformers.GapdoctorCallback`
- Keras 3: :class:`gapdoctor.integrations.keras.GapdoctorCallback`

Each framework is imported only when its adapter is used; a missing one raises
ImportError naming the extra to install (``pip install 'gapdoctor[lightning]'``).
The adapter modules are attributes of this package from the start
(``gapdoctor.integrations.lightning.GapdoctorCallback`` after ``import gapdoctor``),
each imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from gapdoctor.integrations.recorder import Recorder

__all__ = ["Recorder"]

_ADAPTERS = frozenset({"keras", "lightning", "torch_loop", "transformers"})


def __getattr__(name: str) -> Any:
    if name in _ADAPTERS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
