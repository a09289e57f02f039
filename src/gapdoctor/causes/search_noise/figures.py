"""The ``search_noise`` findings' figures in the HTML report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.payload import Payload
from gapdoctor.causes.search_noise.result import OverfittedBest, RankedByTrainingLoss, TiesWithinNoise
from gapdoctor.report.figure_registry import Figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(TiesWithinNoise, RankedByTrainingLoss, OverfittedBest)
def _no_figure(result: Payload, diagnosis: Diagnosis) -> list[Figure]:
    return []  # a search's findings are read from the evidence table
