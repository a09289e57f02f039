"""Read a run from MLflow's SQLite tracking store (``mlflow.db``), natively.

Since MLflow 3.7 a run logged with no tracking URI set goes to ``sqlite:///mlflow.db`` in the working
directory, not to ``./mlruns``. The store is read with the standard library's ``sqlite3``, opened
read-only (a run still training keeps writing it). What is read:

- ``runs``: ``run_uuid``, ``name``, ``start_time``, ``lifecycle_stage`` (``deleted`` runs are skipped,
  as are runs of a deleted experiment);
- ``metrics``: ``key``, ``value``, ``step``, ``is_nan`` of the chosen run, in the order logged.

One store holds every run logged into it, so a run is chosen by appending ``#<run>`` to the path
(``mlflow.db#<run id>``, a unique prefix of it, or the run's name); without one, the store must hold
exactly one run with metric values.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from pathlib import Path

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.files import read_head

__all__ = ["RUN_SELECTOR", "is_sqlite_file", "read_mlflow_database", "split_run_selector"]

RUN_SELECTOR = "#"
"""``mlflow.db#<run>``: the run of an MLflow SQLite store to read."""
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MIN_PREFIX = 6  # a run id prefix this long or longer picks a run, as git's short hashes do
_LISTED = 10


def is_sqlite_file(path: Path) -> bool:
    """True when ``path`` is an SQLite database file (its 16-byte header)."""
    return path.is_file() and read_head(path, len(_SQLITE_MAGIC)) == _SQLITE_MAGIC


def split_run_selector(path: str | Path) -> tuple[str | Path, str | None]:
    """``"mlflow.db#abc123"`` -> ``("mlflow.db", "abc123")`` when the whole path names no file and its head does.

    Examples
    --------
    >>> split_run_selector("no/such/file.csv")
    ('no/such/file.csv', None)
    """
    text = str(path)
    head, mark, run = text.rpartition(RUN_SELECTOR)
    if not mark or not head or Path(text).exists() or not Path(head).exists():
        return path, None
    return head, run.strip() or None  # "mlflow.db#": no run picked


def _connect(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        raise GapdoctorInputError(
            str(path), f"is an SQLite file that cannot be read ({error})", "pass an MLflow store (mlflow.db)"
        ) from None
    if {"runs", "epoch_values"} <= tables:
        connection.close()
        raise GapdoctorInputError(
            str(path), "is gapdoctor's own run store, not a training log", "show its runs with `gapdoctor runs`"
        )
    if not {"runs", "metrics", "experiments"} <= tables:
        connection.close()
        raise GapdoctorInputError(
            str(path),
            "is an SQLite database without MLflow's runs / metrics tables",
            "pass the mlflow.db your MLflow tracking URI points at",
        )
    return connection


def _live_runs(connection: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    """``(run id, name, start time ms, metric values)`` of the live runs, latest first."""
    query = """
        SELECT r.run_uuid, COALESCE(r.name, ''), COALESCE(r.start_time, 0), COALESCE(c.n, 0)
        FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id
        LEFT JOIN (SELECT run_uuid, COUNT(*) AS n FROM metrics GROUP BY run_uuid) c ON c.run_uuid = r.run_uuid
        WHERE COALESCE(r.lifecycle_stage, 'active') != 'deleted' AND COALESCE(e.lifecycle_stage, 'active') != 'deleted'
        ORDER BY r.start_time DESC, r.run_uuid
    """
    return [(str(a), str(b), int(c), int(d)) for a, b, c, d in connection.execute(query)]


def _listed(runs: list[tuple[str, str, int, int]]) -> str:
    def one(run: tuple[str, str, int, int]) -> str:
        started = dt.datetime.fromtimestamp(run[2] / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return f"{run[0]} ({run[1] or 'unnamed'}, started {started}, {run[3]} values)"

    more = f" and {len(runs) - _LISTED} more" if len(runs) > _LISTED else ""
    return "; ".join(one(r) for r in runs[:_LISTED]) + more


def _chosen(path: Path, runs: list[tuple[str, str, int, int]], run: str | None) -> tuple[str, str, int, int]:
    with_values = [r for r in runs if r[3]]
    if run is None:
        if len(with_values) == 1:
            return with_values[0]
        if not with_values:
            raise GapdoctorInputError(
                str(path), f"holds no MLflow run with metric values ({len(runs)} live runs)", "log metrics with a step"
            )
        raise GapdoctorInputError(
            str(path),
            f"holds {len(with_values)} MLflow runs with metric values, latest first: {_listed(with_values)}",
            f"pick one by appending {RUN_SELECTOR}<run id or name> to the path, e.g. "
            f"{path.name}{RUN_SELECTOR}{with_values[0][0]}",
        )
    matches = [r for r in runs if r[0] == run or (r[1] and r[1] == run)]
    if not matches and len(run) >= _MIN_PREFIX:
        matches = [r for r in runs if r[0].startswith(run)]
    if len(matches) == 1:
        return matches[0]
    problem = f"names no live run ({run!r})" if not matches else f"has {len(matches)} runs matching {run!r}"
    raise GapdoctorInputError(
        str(path),
        f"{problem}; runs with metric values, latest first: {_listed(with_values or runs)}",
        f"append {RUN_SELECTOR}<run id> (the full id, or {_MIN_PREFIX}+ characters of it)",
    )


def _metric_rows(connection: sqlite3.Connection, run_id: str) -> list[tuple[str, int, float, int]]:
    """The run's values in the order logged (rowid); by timestamp where the table keeps no rowid."""
    base = "SELECT key, step, value, is_nan FROM metrics WHERE run_uuid = ? ORDER BY "
    try:
        return list(connection.execute(base + "rowid", (run_id,)))
    except sqlite3.OperationalError:
        return list(connection.execute(base + "timestamp, step", (run_id,)))


def read_mlflow_database(path: Path, run: str | None, notes: list[str]) -> list[tuple[str, int, float]]:
    """``(metric, step, value)`` points of one run of an MLflow SQLite store, in the order logged.

    Parameters
    ----------
    path : Path
        The store (``mlflow.db``).
    run : str or None
        A run id, a unique prefix of one (6+ characters) or a run name; None when the store holds one
        run with metric values.
    notes : list of str
        What was read is appended here.

    Raises
    ------
    GapdoctorInputError
        Not an MLflow store (gapdoctor's own run store is named as such), no run with values, several
        runs and none chosen, or a choice that names none or several (each listing the runs to choose from).
    """
    connection = _connect(path)
    try:
        runs = _live_runs(connection)
        run_id, name, _, count = _chosen(path, runs, run)
        rows = _metric_rows(connection, run_id)
    except sqlite3.Error as error:
        raise GapdoctorInputError(
            str(path), f"is an MLflow store that cannot be read ({error})", "copy it when no run is writing it"
        ) from None
    finally:
        connection.close()
    if not rows:
        raise GapdoctorInputError(
            f"{path}{RUN_SELECTOR}{run_id}", "is an MLflow run with no metric values", "log metrics with a step"
        )
    named = f" ({name})" if name else ""
    notes.append(f"read MLflow run {run_id}{named} from the SQLite store: {count} values, {len(runs)} live run(s)")
    return [(str(key), int(step or 0), math.nan if is_nan else float(value)) for key, step, value, is_nan in rows]
