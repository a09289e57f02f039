"""The ``subgroup_failure`` cause: its checks register themselves when this folder is imported."""

from __future__ import annotations

from gapdoctor.causes.subgroup_failure import check  # noqa: F401  (registers its checks)
