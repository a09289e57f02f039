"""The ``distribution_shift`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.distribution_shift import check  # noqa: F401  (registers its checks)
