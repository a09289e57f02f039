"""Pseudo-label noise: re-train without the noisy label source.

The noisy source is the one the finding names (:attr:`NoiseBySource.noisiest_source
<gapdoctor.causes.pseudo_label_noise.result.NoiseBySource>`: the noisiest source with enough
rows to judge); its rows are found in ``sources_train``. A finding without that payload (or
without ``sources_train``) has its flagged rows dropped instead.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.label_noise.experiment import flagged_rows, retrain_without_rows
from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource
from gapdoctor.experiments.lab import Lab, Plan, SkipExperiment, intervention
from gapdoctor.findings import Finding


def noisy_source(finding: Finding) -> str | None:
    """The source the finding blames, or None."""
    result = payload_of(finding)
    return result.noisiest_source if isinstance(result, NoiseBySource) else None


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
