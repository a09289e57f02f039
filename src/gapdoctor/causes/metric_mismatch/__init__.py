"""The ``metric_mismatch`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.metric_mismatch import check  # noqa: F401  (registers its checks)
