"""The ``metric_saturation`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.metric_saturation import check  # noqa: F401  (registers its checks)
