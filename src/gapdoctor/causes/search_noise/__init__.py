"""The ``search_noise`` cause: its spec, checks, experiment and figures (see ``gapdoctor.causes``)."""

from __future__ import annotations

CHECKS = ("check",)
"""The modules of this folder whose checks the registry imports."""

CHECK_ORDER = ("search_noise.ties", "search_noise.training_loss_ranking", "search_noise.overfitted_best")
"""The order its checks run and are listed in: the noise of the values first, then what they measure."""
