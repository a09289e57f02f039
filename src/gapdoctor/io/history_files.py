"""Read a training history from a file: CSV (one row per epoch) or JSON.

JSON may be ``{"name": [values...]}`` or a list of per-epoch objects
``[{"epoch": 0, "train_loss": ...}, ...]``. Names are normalised by
:class:`gapdoctor.history.RunHistory`; names it does not understand are ignored
and listed in ``history.ignored``.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.history import RunHistory

__all__ = ["read_history"]


def _float_or_nan(text: str) -> float:
    text = text.strip()
    if text == "" or text.lower() in {"nan", "none", "null"}:
        return math.nan
    return float(text)


def _read_csv(path: Path) -> dict[str, list[float]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise GapdoctorInputError(str(path), "is empty", "point --history at a CSV with a header row") from None
        columns: dict[str, list[float]] = {name: [] for name in header}
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise GapdoctorInputError(
                    str(path),
                    f"line {line_no} has {len(row)} fields but the header has {len(header)} "
                    f"(the first {line_no - 2} epochs were readable)",
                    "repair or truncate the file at the last complete line",
                )
            for name, cell in zip(header, row, strict=True):
                try:
                    columns[name].append(_float_or_nan(cell))
                except ValueError:
                    columns[name].append(math.nan)
    return columns


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise GapdoctorInputError(
            str(path), f"is not valid JSON ({error.msg} at line {error.lineno})", "check the file was fully written"
        ) from None


def _records_to_columns(records: list[Any], path: Path) -> dict[str, list[float]]:
    names: list[str] = []
    for record in records:
        if not isinstance(record, dict):
            raise GapdoctorInputError(str(path), "a list entry is not an object", "write one object per epoch")
        names.extend(k for k in record if k not in names)
    return {n: [r.get(n) if isinstance(r.get(n), (int, float)) else math.nan for r in records] for n in names}


def read_history(path: str | Path) -> RunHistory:
    """Read a history file.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (header row of series names, one row per epoch) or ``.json`` file.

    Returns
    -------
    RunHistory
        Unknown series names are ignored (listed in ``ignored``), not errors.

    Raises
    ------
    GapdoctorInputError
        Missing, empty, truncated or unparseable files, naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise GapdoctorInputError(str(path), "does not exist", "check the path passed as history")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        columns: Any = _read_csv(path)
    elif suffix == ".json":
        columns = _read_json(path)
        if isinstance(columns, list):
            columns = _records_to_columns(columns, path)
        if not isinstance(columns, dict):
            raise GapdoctorInputError(str(path), "holds neither an object nor a list", "write {name: [values]}")
    else:
        raise GapdoctorInputError(str(path), f"has an unsupported extension {suffix!r}", "use a .csv or .json history")
    history = RunHistory.from_any(columns, argument=str(path), strict=False)
    return replace(history, source=str(path))
