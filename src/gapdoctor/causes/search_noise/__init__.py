"""The ``search_noise`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.search_noise import check  # noqa: F401  (registers its checks)
