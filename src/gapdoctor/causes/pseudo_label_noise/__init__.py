"""The ``pseudo_label_noise`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.pseudo_label_noise import check  # noqa: F401  (registers its checks)
