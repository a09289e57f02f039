"""Figures of an optimisation finding: the training curves (a stall's epochs marked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.optimization.result import Instability, LossClimb, NanDivergence, Stall
from gapdoctor.causes.payload import Payload
from gapdoctor.report.figure_registry import Figure, curves_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(Stall)
def _stall(result: Stall, diagnosis: Diagnosis) -> list[Figure]:
    return [curves_figure(diagnosis, result.markers)]


@figures_for(NanDivergence, LossClimb, Instability)
def _curves(result: Payload, diagnosis: Diagnosis) -> list[Figure]:
    return [curves_figure(diagnosis)]
