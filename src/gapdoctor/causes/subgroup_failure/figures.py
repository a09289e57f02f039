"""The subgroup finding's figures: the metric per class / group, and the validation confusion matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.subgroup_failure.result import LaggingSubgroups
from gapdoctor.report.figure_registry import Figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(LaggingSubgroups)
def _groups_and_confusion(result: LaggingSubgroups, diagnosis: Diagnosis) -> list[Figure]:
    from gapdoctor.report import plots

    def confusion() -> str:
        return plots.matrix_svg(
            result.confusion, title="Confusion matrix", rows_label="true class", cols_label="predicted class"
        )

    return [
        ("Metric per class / group with 95% intervals", lambda: plots.groups_svg(result.groups)),
        ("Confusion matrix on validation: true class (rows) against predicted (columns)", confusion),
    ]
