"""Pseudo-label noise: re-train without the noisy label source.

The noisy source is read from ``Finding.data["sources"]`` (the source with the highest
``noise_rate``) or from ``Finding.evidence`` under ``noisy_source`` / ``source``; its
rows are found in ``sources_train``. Without a named source, the finding's flagged rows
are dropped instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gapdoctor.causes.label_noise.experiment import flagged_rows, retrain_without_rows
from gapdoctor.experiments.lab import Lab, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


def noisy_source(finding: Finding) -> str | None:
    """The source the finding blames, or None."""
    sources: Any = finding.data.get("sources") if isinstance(finding.data, dict) else None
    if isinstance(sources, list):
        rated = [s for s in sources if isinstance(s, dict) and "source" in s and "noise_rate" in s]
        if rated:
            return str(max(rated, key=lambda s: float(s["noise_rate"]))["source"])
    for key in ("noisy_source", "source", "worst_source"):
        value = finding.evidence.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@intervention("pseudo_label_noise")
def drop_noisy_source(finding: Finding, lab: Lab) -> Plan:
    """Re-train without the noisy source (or the flagged rows)."""
    source = noisy_source(finding)
    sources = lab.evidence.sources_train
    if source is not None and sources is not None:
        rows = np.flatnonzero(sources == source)
        if len(rows) == 0:
            raise SkipExperiment(f"no training row has source {source!r}")
        if len(rows) == len(sources):
            raise SkipExperiment(f"every training row comes from {source!r}: nothing would be left")
        return retrain_without_rows(lab, rows, f"the rows labelled by {source!r}")
    return retrain_without_rows(lab, flagged_rows(finding, len(lab.y_train)), "the flagged pseudo-labelled rows")
