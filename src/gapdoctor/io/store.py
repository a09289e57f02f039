"""The run store: runs, their per-epoch values and their diagnoses, in one SQLite file.

Where: the ``path`` argument, else the ``GAPDOCTOR_STORE`` environment variable, else
``./.gapdoctor/runs.sqlite``.

Crash safety: the database runs in WAL mode and every :meth:`RunStore.log_epoch` is one
transaction, committed before the call returns. A training process killed at any
moment (``SIGKILL``, out of memory) loses at most the epoch it was writing, never part
of one, and the file stays consistent: SQLite's atomic commit rolls back an unfinished
transaction the next time the store is opened. (``synchronous=NORMAL``: a power cut,
unlike a killed process, may also lose the last few committed epochs, still without
corrupting the file.)

Diagnoses are stored as JSON (``Diagnosis.to_dict()``), never pickled; what is stored is
validated first (it must read back as a :class:`~gapdoctor.Diagnosis`), and what is read is
tolerated (a row written by an older version that does not read back is skipped with a
note, never a crash).

Lost writes: when the database file is deleted or replaced while a run records (its folder
removed, say), SQLite would go on writing into the deleted file. Every write first checks
that the file is still the one opened; when it is not, or when SQLite fails to write (disk
full, I/O error), one warning goes to the ``gapdoctor`` logger and the writes are skipped:
nothing is raised into the training loop.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis
from gapdoctor.inputs.history import RunHistory
from gapdoctor.io.store_schema import SCHEMA, SCHEMA_VERSION, check_schema, number_or_none, readable_json
from gapdoctor.json_values import json_safe as _json_safe

__all__ = ["DEFAULT_STORE_PATH", "STORE_ENV_VAR", "RunInfo", "RunStore", "default_store_path"]

STORE_ENV_VAR = "GAPDOCTOR_STORE"
DEFAULT_STORE_PATH = Path(".gapdoctor") / "runs.sqlite"
logger = logging.getLogger("gapdoctor")


def default_store_path() -> Path:
    """``$GAPDOCTOR_STORE`` when set, else ``./.gapdoctor/runs.sqlite``."""
    from_env = os.environ.get(STORE_ENV_VAR, "").strip()
    return Path(from_env) if from_env else DEFAULT_STORE_PATH


def _storable(text: str) -> str:
    """Text SQLite can store: a lone surrogate (a non-UTF-8 file name) kept as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunInfo:
    """One stored run, as :meth:`RunStore.list_runs` describes it.

    Parameters
    ----------
    id : int
    name : str
    started_at, finished_at : str
        ISO 8601 UTC times; ``finished_at`` is None for a run still going (or killed).
    n_epochs : int
        Epochs recorded.
    top_cause : str or None
        The cause ranked first by the latest saved diagnosis (None: none saved, or healthy).
    top_score : float or None
    meta : mapping
    diagnosed : bool
        True when a diagnosis was saved for the run.
    """

    id: int
    name: str
    started_at: str
    finished_at: str | None
    n_epochs: int
    top_cause: str | None = None
    top_score: float | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    diagnosed: bool = False


class RunStore:
    """Runs and diagnoses in an embedded SQLite database.

    Parameters
    ----------
    path : str or Path, optional
        The database file; created with its folder when missing. Defaults to
        :func:`default_store_path`.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(tempfile.mkdtemp() + "/runs.sqlite")
    >>> run = store.start_run("mlp", {"lr": 0.1})
    >>> store.log_epoch(run, 0, {"train_loss": 1.0, "val_loss": 1.1})
    >>> store.log_epoch(run, 1, {"train_loss": 0.8, "val_loss": 1.0})
    >>> store.history(run).get("val_loss").tolist()
    [1.1, 1.0]
    >>> [(r.name, r.n_epochs) for r in store.list_runs()]
    [('mlp', 2)]
    >>> store.close()
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = True) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        if self.path.is_dir():
            raise GapdoctorInputError(str(self.path), "is a directory", "pass the path of the database file")
        if (self.path.exists() or not create) and not self.path.is_file():
            raise GapdoctorInputError(
                str(self.path), "is not a regular file (a device, FIFO or socket)", "pass the path of a run store"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._lost: str | None = None
        self._connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            version = int(self._connection.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise GapdoctorInputError(
                    str(self.path), f"was written by a newer gapdoctor (schema {version})", "upgrade gapdoctor"
                )
            check_schema(self._connection, self.path)  # before anything is written into the file
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute("PRAGMA foreign_keys=ON")
            self._connection.executescript(SCHEMA)  # IF NOT EXISTS: safe for several processes
            self._connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._identity = self._file_identity()
        except GapdoctorInputError:
            self._connection.close()
            raise
        except sqlite3.DatabaseError as error:
            self._connection.close()
            raise GapdoctorInputError(
                str(self.path), f"is not a gapdoctor run store ({error})", "pass another --store path"
            ) from None

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def _write(self, run_id: int, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One transaction for a known run; after a lost file or a failed write: one warning, then nothing."""
        if self._lost is None and self._file_identity() != self._identity:
            self._lose(f"{self.path} was deleted or replaced while recording")
        if self._lost is not None:
            return
        try:
            self._require_run(run_id)  # an unknown run is the caller's mistake: raised
            with self._transaction() as db:
                db.executemany(sql, rows)
        except sqlite3.Error as error:
            self._lose(f"{self.path} could not be written ({error})")

    def _lose(self, why: str) -> None:
        if self._lost is None:
            self._lost = why
            logger.warning("gapdoctor: run store %s: this write and the next ones are lost", why)

    @property
    def lost_writes(self) -> str | None:
        """Why writes are being lost (the store was deleted, a write failed), or None."""
        return self._lost

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._connection.execute(sql, parameters).fetchall())

    def close(self) -> None:
        """Close the database (committed data is already on disk)."""
        self._connection.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------

    def start_run(self, name: str = "run", meta: Mapping[str, Any] | None = None) -> int:
        """Record a new run and return its id.

        Parameters
        ----------
        name : str, default="run"
        meta : mapping, optional
            Anything JSON-safe to keep with the run (hyper-parameters, framework...).
        """
        if not isinstance(name, str) or not name.strip():
            raise GapdoctorInputError("name", f"must be a non-empty string, got {name!r}", "name the run")
        if meta is not None and not isinstance(meta, Mapping):
            raise GapdoctorInputError("meta", f"must be a mapping, got {type(meta).__name__}", "pass a dict")
        meta_json = json.dumps(_json_safe(dict(meta or {})))
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (name, started_at, meta) VALUES (?, ?, ?)",
                (_storable(name.strip()), _now(), meta_json),
            )
            return int(cursor.lastrowid or 0)

    def log_epoch(self, run_id: int, epoch: int, values: Mapping[str, float]) -> None:
        """Record one epoch's values in one transaction (logging an epoch again overwrites it).

        Parameters
        ----------
        run_id : int
        epoch : int
            Counted from 0.
        values : mapping of str to float
            Series name -> value (NaN or None: not measured).
        """
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise GapdoctorInputError("epoch", f"must be an int >= 0, got {epoch!r}", "count epochs from 0")
        if not isinstance(values, Mapping):
            raise GapdoctorInputError("values", f"must be a mapping, got {type(values).__name__}", "pass a dict")
        rows = []
        for name, value in values.items():
            try:
                number = None if value is None else float(value)
            except (TypeError, ValueError):
                raise GapdoctorInputError(
                    f"values[{name!r}]", f"{value!r} is not a number", "log plain floats"
                ) from None
            value_or_null = None if number is None or math.isnan(number) else number
            rows.append((run_id, epoch, _storable(str(name)), value_or_null))
        self._write(run_id, "INSERT OR REPLACE INTO epoch_values VALUES (?, ?, ?, ?)", rows)

    def finish_run(self, run_id: int) -> None:
        """Mark the run finished."""
        self._write(run_id, "UPDATE runs SET finished_at = ? WHERE id = ?", [(_now(), run_id)])

    def save_diagnosis(self, run_id: int, diagnosis: Diagnosis | Mapping[str, Any]) -> None:
        """Store a diagnosis of the run (as JSON); the latest one is what :meth:`diagnosis` returns.

        Parameters
        ----------
        run_id : int
        diagnosis : Diagnosis or mapping
            A diagnosis, or its ``to_dict()`` output; a mapping is checked to read back.

        Raises
        ------
        GapdoctorInputError
            Anything that is not a diagnosis (``{"score": "high"}``...).
        """
        if isinstance(diagnosis, Diagnosis):
            parsed = diagnosis
        elif isinstance(diagnosis, Mapping) and "findings" in diagnosis:
            try:
                parsed = Diagnosis.from_dict(diagnosis)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise GapdoctorInputError(
                    "diagnosis",
                    f"does not read back as a diagnosis ({type(error).__name__}: {error})",
                    "pass gapdoctor.diagnose(...) or its to_dict() output unchanged",
                ) from None
        else:
            raise GapdoctorInputError(
                "diagnosis", f"expected a Diagnosis, got {type(diagnosis).__name__}", "pass gapdoctor.diagnose(...)"
            )
        top = parsed.reported[0] if parsed.reported else None
        self._write(
            run_id,
            "INSERT INTO diagnoses (run_id, created_at, top_cause, top_score, diagnosis) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    _now(),
                    None if top is None else top.cause,
                    None if top is None else float(top.score),
                    json.dumps(_json_safe(parsed.to_dict())),
                )
            ],
        )

    # --- reading ---------------------------------------------------------------------

    def _require_run(self, run_id: int) -> None:
        if not self._query("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
            raise GapdoctorInputError("run_id", f"no run {run_id!r} in {self.path}", "list runs with `gapdoctor runs`")

    def list_runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        rows = self._query(
            """
            SELECT r.id, r.name, r.started_at, r.finished_at, r.meta,
                   (SELECT COUNT(DISTINCT epoch) FROM epoch_values e WHERE e.run_id = r.id),
                   d.top_cause, d.top_score, d.id IS NOT NULL
            FROM runs r
            LEFT JOIN diagnoses d ON d.id = (SELECT MAX(id) FROM diagnoses WHERE run_id = r.id)
            ORDER BY r.id
            """
        )
        return [
            RunInfo(
                id=int(row[0]),
                name=str(row[1]),
                started_at=str(row[2]),
                finished_at=None if row[3] is None else str(row[3]),
                meta=meta if isinstance(meta := readable_json(row[4]), dict) else {},
                n_epochs=int(row[5]),
                top_cause=None if row[6] is None else str(row[6]),
                top_score=number_or_none(row[7]),
                diagnosed=bool(row[8]),
            )
            for row in rows
        ]

    def find_run(self, run: int | str) -> RunInfo:
        """A run by id, or by name (the latest run of that name).

        Raises
        ------
        GapdoctorInputError
            No such run (the message lists a few that exist).
        """
        runs = self.list_runs()
        text = str(run).strip()
        matches = [r for r in runs if str(r.id) == text] or [r for r in runs if r.name == text]
        if not matches:
            known = ", ".join(f"{r.id} ({r.name})" for r in runs[-10:]) or "none"
            raise GapdoctorInputError("RUN", f"no run {text!r} in {self.path} (runs: {known})", "pass a run id or name")
        return matches[-1]

    def history(self, run_id: int) -> RunHistory:
        """The run's per-epoch curves (epochs never logged are NaN)."""
        self._require_run(run_id)
        rows = self._query("SELECT epoch, name, value FROM epoch_values WHERE run_id = ? ORDER BY epoch", (run_id,))
        if not rows:
            raise GapdoctorInputError("run_id", f"run {run_id} has no recorded epoch", "log at least one epoch")
        n_epochs = max(row[0] for row in rows) + 1
        columns: dict[str, list[float]] = {}
        for epoch, name, value in rows:
            column = columns.setdefault(str(name), [math.nan] * n_epochs)
            stored = isinstance(value, (int, float)) and not isinstance(value, bool)
            column[epoch] = float(value) if stored else math.nan  # inf (a divergence) is kept
        history = RunHistory.from_any(columns, argument=f"run {run_id}", strict=False)
        return RunHistory(
            series=history.series,
            ignored=history.ignored,
            source=f"{self.path}#run={run_id}",
            diverged_at=history.diverged_at,
        )

    def diagnosis(self, run_id: int) -> dict[str, Any] | None:
        """The latest saved diagnosis of the run as a dict (``Diagnosis.to_dict()``), or None."""
        self._require_run(run_id)
        rows = self._query("SELECT diagnosis FROM diagnoses WHERE run_id = ? ORDER BY id DESC LIMIT 1", (run_id,))
        if not rows:
            return None
        content = readable_json(rows[0][0])
        if not isinstance(content, dict):
            logger.warning("gapdoctor: the diagnosis stored for run %s is not readable JSON: ignored", run_id)
            return None
        return content

    def integrity_check(self) -> str:
        """SQLite's own consistency check: ``"ok"`` for a sound file."""
        return str(self._query("PRAGMA integrity_check")[0][0])
