"""The label-noise findings' figures: the noise matrix, or the curves with the bulk's fitting epoch marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.label_noise.result import ConfidentLearningNoise, LateFittedRows, TrainingDynamicsNoise
from gapdoctor.report.figure_registry import Figure, curves_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(ConfidentLearningNoise)
def _noise_matrix(result: ConfidentLearningNoise, diagnosis: Diagnosis) -> list[Figure]:
    from gapdoctor.report import plots

    def draw() -> str:
        return plots.matrix_svg(
            result.noise_matrix,
            title="Estimated label noise",
            rows_label="given label",
            cols_label="estimated true label",
        )

    return [("Given label (rows) against the estimated true label (columns)", draw)]


@figures_for(LateFittedRows)
def _curves(result: LateFittedRows, diagnosis: Diagnosis) -> list[Figure]:
    return [curves_figure(diagnosis, result.markers)]


@figures_for(TrainingDynamicsNoise)
def _no_figure(result: TrainingDynamicsNoise, diagnosis: Diagnosis) -> list[Figure]:
    return []  # its rows are the table of rows to inspect; no figure of its own
