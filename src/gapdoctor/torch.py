"""``gapdoctor.torch``: the plain PyTorch training-loop monitor.

See :class:`gapdoctor.integrations.torch_loop.Monitor`.
"""

from __future__ import annotations

from gapdoctor.integrations.torch_loop import Monitor, RowIndexed

__all__ = ["Monitor", "RowIndexed"]
