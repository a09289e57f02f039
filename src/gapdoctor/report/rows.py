"""Every row a diagnosis flags, as one table: the rows to relabel, drop or de-duplicate.

A finding lists the rows it is about in ``finding.rows`` (label noise and pseudo-label
noise: the training rows likely mislabelled; leakage: the training rows copied into
validation), most suspicious first. A labelling finding is one whose typed payload is a
:class:`~gapdoctor.causes.label_noise.result.SuggestsLabels`: it may detail its first rows
(given label, suggested label, confidence). The table has one record per (finding, row);
the rows beyond the detailed ones get their given label from ``y_train`` and, for a
labelling finding, their suggested label and its confidence from ``train_probs`` when these
are passed: the suggested label is the most probable class other than the given one, as
confident learning chooses it. A finding without a payload gets given labels only.

``gapdoctor diagnose ... --rows OUT.csv`` writes it; from Python,
``diagnosis.rows_table(y_train=..., train_probs=...)`` returns it (``pandas.DataFrame(table)``
makes it a frame).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gapdoctor.causes.label_noise.result import Suggestion, SuggestsLabels
from gapdoctor.causes.payload import payload_of
from gapdoctor.errors import GapdoctorInputError

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = ["ROW_COLUMNS", "rows_table", "write_rows_csv"]

ROW_COLUMNS = ("finding", "cause", "check", "score", "rank", "row", "given_label", "suggested_label", "confidence")
"""The table's columns: the finding's position in the diagnosis (1 = first), its cause, check
and score; the row's rank within the finding (1 = most suspicious) and index in the split
(position, from 0); its given label; the label suggested instead and the model's probability
for it (labelling findings only; empty otherwise)."""

_FORMULA_START = ("=", "+", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet (CSV injection): a class
name from the user's data is written with a leading apostrophe instead."""


def _array(name: str, value: Any) -> np.ndarray[Any, Any]:
    try:
        arr = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    except (TypeError, ValueError) as error:
        raise GapdoctorInputError(name, f"could not be read as an array ({error})", "pass a numpy array") from None
    return arr


def _context(
    diagnosis: Diagnosis, y_train: Any, train_probs: Any, needed_rows: int
) -> tuple[np.ndarray[Any, Any] | None, np.ndarray[Any, Any] | None, list[str]]:
    classes = [str(c) for c in diagnosis.inputs.get("classes") or []]
    labels = None if y_train is None else _array("y_train", y_train).reshape(-1)
    probs = None if train_probs is None else _array("train_probs", train_probs)
    if labels is not None and len(labels) < needed_rows:
        raise GapdoctorInputError(
            "y_train",
            f"has {len(labels)} rows but the findings flag row {needed_rows - 1}",
            "pass the y_train given to diagnose()",
        )
    if probs is not None:
        if probs.ndim != 2 or len(probs) < needed_rows or (classes and probs.shape[1] != len(classes)):
            raise GapdoctorInputError(
                "train_probs",
                f"has shape {probs.shape}; the findings need {needed_rows}+ rows × {len(classes)} classes",
                "pass the train_probs given to diagnose()",
            )
        if labels is None:
            raise GapdoctorInputError("train_probs", "needs y_train to know each row's given label", "pass y_train")
    return labels, probs, classes


def _suggestions(
    given: list[str], probs: np.ndarray[Any, Any], classes: Sequence[str]
) -> tuple[list[str], list[float]]:
    """Per row: the most probable class other than the given one, and its probability."""
    p = np.array(probs, dtype=np.float64)  # a copy: the given class is masked below
    index = {name: j for j, name in enumerate(classes)}
    given_column = np.array([index.get(g, -1) for g in given], dtype=np.int64)
    known = np.flatnonzero(given_column >= 0)
    p[known, given_column[known]] = -np.inf
    best = np.argmax(p, axis=1) if len(p) else np.zeros(0, dtype=np.int64)
    names = [classes[j] if j < len(classes) else str(j) for j in best.tolist()]
    return names, np.round(p[np.arange(len(p)), best], 4).tolist()


def rows_table(diagnosis: Diagnosis, *, y_train: Any = None, train_probs: Any = None) -> list[dict[str, Any]]:
    """One record per (finding, flagged row), findings in diagnosis order, rows most suspicious first.

    Parameters
    ----------
    diagnosis : Diagnosis
    y_train : array-like of shape (n_train,), optional
        The training labels given to ``diagnose()``: the given label of rows the finding
        does not detail.
    train_probs : array-like of shape (n_train, n_classes), optional
        The out-of-sample probabilities given to ``diagnose()``: the suggested label and
        its confidence for those rows (needs ``y_train``).

    Returns
    -------
    list of dict
        Keys :data:`ROW_COLUMNS`; a value not known is None.

    Examples
    --------
    >>> from gapdoctor.causes.label_noise.result import LateFittedRows
    >>> from gapdoctor.findings import Diagnosis, Finding
    >>> late = LateFittedRows(late_fitted_pct=25.0, late_fitted_low_pct=3.2, late_fitted_high_pct=65.1,
    ...                       late_fitted_rows=2, never_fitted_rows=1, tracked_rows=8, bulk_fitted_epoch=2.0,
    ...                       late_after_epoch=4.0, markers={"bulk_fitted_epoch": 2})
    >>> f = Finding("label_noise", 0.9, "x", rows=(7, 3), check=late.CHECK, result=late)
    >>> y_train = ["dog"] * 5 + ["cat"] * 3
    >>> train_probs = [[0.5, 0.5]] * 3 + [[0.9, 0.1]] + [[0.5, 0.5]] * 3 + [[0.03, 0.97]]
    >>> diagnosis = Diagnosis([f], [], inputs={"classes": ["cat", "dog"]})
    >>> table = rows_table(diagnosis, y_train=y_train, train_probs=train_probs)
    >>> [(r["row"], r["given_label"], r["suggested_label"], r["confidence"]) for r in table]
    [(7, 'cat', 'dog', 0.97), (3, 'dog', 'cat', 0.9)]
    """
    flagged = [f for f in diagnosis.findings if f.rows]
    needed = max((max(f.rows or (0,)) + 1 for f in flagged), default=0)
    labels, probs, classes = _context(diagnosis, y_train, train_probs, needed)
    table: list[dict[str, Any]] = []
    for index, finding in enumerate(diagnosis.findings, 1):
        if not finding.rows:
            continue
        result = payload_of(finding)
        labelling = isinstance(result, SuggestsLabels)
        detailed: dict[int, Suggestion] = result.suggestions() if isinstance(result, SuggestsLabels) else {}
        rows = list(finding.rows)
        given: list[str | None] = [None] * len(rows)
        suggested: list[str | None] = [None] * len(rows)
        confidence: list[float | None] = [None] * len(rows)
        filled = [i for i, row in enumerate(rows) if row not in detailed]
        if labels is not None and filled:
            filled_given = [str(v) for v in labels[[rows[i] for i in filled]].tolist()]
            for i, label in zip(filled, filled_given, strict=True):
                given[i] = label
            if labelling and probs is not None:
                names, probabilities = _suggestions(filled_given, probs[[rows[i] for i in filled]], classes)
                for i, name, probability in zip(filled, names, probabilities, strict=True):
                    suggested[i], confidence[i] = name, probability
        for i, row in enumerate(rows):
            if row in detailed:
                given[i], suggested[i], confidence[i] = detailed[row]
            table.append(
                {
                    "finding": index,
                    "cause": finding.cause,
                    "check": finding.check,
                    "score": round(float(finding.score), 4),
                    "rank": i + 1,
                    "row": int(row),
                    "given_label": given[i],
                    "suggested_label": suggested[i] if labelling else None,
                    "confidence": confidence[i] if labelling else None,
                }
            )
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_rows_csv(table: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write a :func:`rows_table` as CSV (UTF-8, header line :data:`ROW_COLUMNS`) and return the path.

    A lone surrogate (a class name that was not UTF-8) is written as its escape.
    """
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROW_COLUMNS)
        for record in table:
            writer.writerow([_cell(record.get(column)) for column in ROW_COLUMNS])
    return path
