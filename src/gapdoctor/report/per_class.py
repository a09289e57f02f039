"""The HTML report's per-class table: support, precision, recall and F1 of every validation class.

Present whenever validation labels and probabilities were given (``Diagnosis.per_class``,
computed once by :func:`gapdoctor.stats.metrics.per_class_scores`), healthy runs included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gapdoctor.report.markup import escape_html as _e
from gapdoctor.report.markup import html_table as _table
from gapdoctor.report.markup import number_html as _fmt

__all__ = ["per_class_section"]

_CLASSES_SHOWN = 50  # more classes: the worst by F1 are shown (a 1,000-class table is not read)


def per_class_section(table: Mapping[str, Any]) -> str:
    """Support, precision, recall and F1 per validation class (when labels and probabilities were given)."""
    classes = list(table.get("classes") or [])
    if not classes:
        return ""
    columns = [list(table.get(name) or [None] * len(classes)) for name in ("support", "precision", "recall", "f1")]
    order = list(range(len(classes)))
    note = ""
    if len(classes) > _CLASSES_SHOWN:
        f1 = [v if isinstance(v, (int, float)) and math.isfinite(v) else -1.0 for v in columns[3]]
        order = sorted(order, key=lambda i: f1[i])[:_CLASSES_SHOWN]
        note = f"<p class='story'>{len(classes)} classes: the {_CLASSES_SHOWN} with the lowest F1 are shown.</p>"

    def cell(value: Any) -> str:
        return "—" if not isinstance(value, (int, float)) or not math.isfinite(value) else _fmt(float(value))

    rows = [
        [_e(classes[i]), _e(f"{int(columns[0][i]):,}") if columns[0][i] is not None else "—"]
        + [cell(column[i]) for column in columns[1:]]
        for i in order
    ]
    header = ["class", "validation rows", "precision", "recall", "F1"]
    return (
        '<section class="card" id="per-class"><h2>Per-class results on validation</h2>'
        "<p class='story'>Each row is one true class; the model decides by its most probable class. "
        "A dash: undefined (no row predicted, or none in the class).</p>"
        + _table(header, rows, numeric={1, 2, 3, 4})
        + note
        + "</section>"
    )
