"""The ``pipeline_bug`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.pipeline_bug import check  # noqa: F401  (registers its checks)
