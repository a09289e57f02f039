"""The ``overfitting`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.overfitting import check  # noqa: F401  (registers its checks)
