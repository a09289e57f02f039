"""The run store's tables, and the checks that keep a foreign or old file from crashing it."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError

__all__ = ["SCHEMA", "SCHEMA_VERSION", "check_schema", "number_or_none", "readable_json"]

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS epoch_values (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, epoch, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS diagnoses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    top_cause TEXT,
    top_score REAL,
    diagnosis TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS diagnoses_by_run ON diagnoses (run_id, id);
"""
_COLUMNS = {
    "runs": ("id", "name", "started_at", "finished_at", "meta"),
    "epoch_values": ("run_id", "epoch", "name", "value"),
    "diagnoses": ("id", "run_id", "created_at", "top_cause", "top_score", "diagnosis"),
}


def check_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite file that is not a run store before anything is written into it.

    A file with none of the store's tables and no other table is new (the tables are
    created); one whose store tables lack columns, or that holds only other tables, is
    another program's database.

    Raises
    ------
    GapdoctorInputError
    """
    tables = {str(row[0]) for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables.discard("sqlite_sequence")
    ours = tables & set(_COLUMNS)
    fix = "pass the path of a gapdoctor run store (--store or GAPDOCTOR_STORE), or a new path to start one"
    if tables and not ours:
        listed = ", ".join(sorted(tables)[:10])
        raise GapdoctorInputError(str(path), f"is an SQLite database of another program (tables: {listed})", fix)
    for table in sorted(ours):
        present = {str(row[1]) for row in connection.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in _COLUMNS[table] if c not in present]
        if missing:
            raise GapdoctorInputError(
                str(path),
                f"is not a gapdoctor run store: its table {table!r} lacks the column(s) {', '.join(missing)}",
                fix,
            )


def number_or_none(value: Any) -> float | None:
    """A stored number as a finite float, or None when it is not one (a row from an older version).

    Examples
    --------
    >>> number_or_none(0.75), number_or_none("high"), number_or_none(None), number_or_none(b"x")
    (0.75, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def readable_json(text: Any) -> Any:
    """Stored JSON text parsed, or None when it does not parse."""
    if not isinstance(text, (str, bytes)):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
