"""Figures of an overfitting finding: the training curves with its epochs marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.report.figure_registry import Figure, curves_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(OverfittingCurves)
def _curves(result: OverfittingCurves, diagnosis: Diagnosis) -> list[Figure]:
    return [curves_figure(diagnosis, result.markers)]
