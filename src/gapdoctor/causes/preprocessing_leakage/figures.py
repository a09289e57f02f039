"""The ``preprocessing_leakage`` findings' figures in the HTML report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.preprocessing_leakage.result import DuplicatedRows, TrainOnlySignal
from gapdoctor.report.figure_registry import Figure, features_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(TrainOnlySignal)
def _train_only_signal(result: TrainOnlySignal, diagnosis: Diagnosis) -> list[Figure]:
    return [features_figure(result.features)]


@figures_for(DuplicatedRows)
def _duplicates(result: DuplicatedRows, diagnosis: Diagnosis) -> list[Figure]:
    return []  # the duplicated rows are listed under "Rows flagged"
