"""The ``pipeline_bug`` findings' figures in the HTML report."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from gapdoctor.causes.payload import Payload
from gapdoctor.causes.pipeline_bug.result import (
    LabelEncoding,
    LabelMapping,
    MisalignedRows,
    SplitPreprocessing,
    Unshuffled,
)
from gapdoctor.report.figure_registry import Figure, features_figure, figures_for
from gapdoctor.report.markup import escape_html, html_table

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = ["mapping_table"]


def mapping_table(mapping: LabelMapping) -> str:
    """Each validation label beside the training label it means, the moved ones marked.

    Examples
    --------
    >>> "<strong>differs</strong>" in mapping_table({"classes": ["a", "b"], "val_label_to_true": ["b", "a"]})
    True
    """
    pairs = zip(mapping.get("classes", []), mapping.get("val_label_to_true", []), strict=False)
    rows = [[escape_html(a), escape_html(b), "" if str(a) == str(b) else "<strong>differs</strong>"] for a, b in pairs]
    return html_table(["validation label", "means in training", ""], rows)


@figures_for(LabelEncoding)
def _label_encoding(result: LabelEncoding, diagnosis: Diagnosis) -> list[Figure]:
    return [("Validation label → training label", partial(mapping_table, result.mapping))]


@figures_for(SplitPreprocessing)
def _split_preprocessing(result: SplitPreprocessing, diagnosis: Diagnosis) -> list[Figure]:
    return [features_figure(result.features)]


@figures_for(MisalignedRows, Unshuffled)
def _no_figure(result: Payload, diagnosis: Diagnosis) -> list[Figure]:
    return []  # their figures are in the evidence table
