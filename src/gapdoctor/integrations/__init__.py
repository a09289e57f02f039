"""Training-loop integrations: one :class:`Recorder`, one thin adapter per framework.

- plain PyTorch: :class:`gapdoctor.torch.Monitor`
- PyTorch Lightning: :class:`gapdoctor.integrations.lightning.GapdoctorCallback`
- HF Transformers: :class:`gapdoctor.integrations.transformers.GapdoctorCallback`
- Keras 3: :class:`gapdoctor.integrations.keras.GapdoctorCallback`

Each framework is imported only when its adapter is used; a missing one raises
ImportError naming the extra to install (``pip install 'gapdoctor[lightning]'``).
"""

from __future__ import annotations

from gapdoctor.integrations.recorder import Recorder

__all__ = ["Recorder"]
