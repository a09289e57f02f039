"""The ``small_validation_set`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.small_validation_set import check  # noqa: F401  (registers its checks)
