"""The ``preprocessing_leakage`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.preprocessing_leakage import check  # noqa: F401  (registers its checks)
