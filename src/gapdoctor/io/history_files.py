"""Read a training history from a log file or directory, whatever wrote it.

The format is detected from the contents:

- a CSV with one row per epoch, or with ``epoch`` / ``step`` columns (Lightning's and
  Keras' ``CSVLogger``: sparse rows, learning-rate rows without an epoch, a test row
  after the last epoch, several runs appended to one file);
- JSON: ``{"name": [values...]}`` (or pandas' ``to_json`` of it, one object per split...:
  :mod:`gapdoctor.inputs.history_shapes`), a list of per-epoch objects (with ``step`` /
  ``epoch`` keys when logged so), or HF Transformers' ``trainer_state.json``
  (``log_history``, evaluation every N steps or every epoch);
- TensorBoard event files (a file or a run directory), read natively;
- an MLflow run of the local file store (``mlruns/<experiment>/<run>``) or of the SQLite
  store (``mlflow.db``, ``mlflow.db#<run>``; :mod:`gapdoctor.io.mlflow_database`);
- a Weights & Biases run file (``run-<id>.wandb``; :mod:`gapdoctor.io.wandb_run`);
- JSON lines: facebookresearch's ``log.txt``, Detectron2's ``metrics.json``, MMCV's ``*.log.json``,
  MMEngine's ``scalars.json`` (:mod:`gapdoctor.io.json_lines`);
- console output saved to a file (Keras' ``fit``, HF's printed logs, Lightning's progress bar;
  :mod:`gapdoctor.io.console_logs`) or kept in a Jupyter notebook (:mod:`gapdoctor.io.notebooks`);
- a directory holding one of these (Lightning's ``version_N`` with ``metrics.csv``, a
  Transformers checkpoint with ``trainer_state.json``).

Every reader returns the points as logged; :meth:`gapdoctor.inputs.history.RunHistory.from_points`
puts them on evaluation points. Series names are normalised by
:func:`gapdoctor.inputs.history.normalise_series_name`; ``mapping`` overrides it. Names it does
not understand are ignored and listed in ``history.ignored``; when several names mean
the same series (Lightning's ``train_loss_step`` and ``train_loss_epoch``) one is kept.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.history import RunHistory, normalise_series_name
from gapdoctor.inputs.history_shapes import flatten_history_object
from gapdoctor.io.console_logs import console_runs, one_console_run
from gapdoctor.io.fastai_tables import fastai_names, is_fastai_header
from gapdoctor.io.files import check_input_path, load_json_text, parse_csv, read_head, read_text, reading
from gapdoctor.io.json_lines import is_json_lines, json_lines_points
from gapdoctor.io.log_formats import (
    NOTHING_LOGGED_YET,
    LoggedRaw,
    find_mlflow_run,
    points_with_epochs,
    read_mlflow_points,
    rows_to_points,
    trainer_state_points,
)
from gapdoctor.io.mlflow_database import RUN_SELECTOR, is_sqlite_file, read_mlflow_database, split_run_selector
from gapdoctor.io.mlflow_steps import placed_on_steps
from gapdoctor.io.notebooks import console_output_files, notebook_points
from gapdoctor.io.tensorboard_events import EVENT_FILE_MARKER, find_event_files, masked_crc32c, read_event_scalars
from gapdoctor.io.wandb_run import find_wandb_runs, is_wandb_file, one_wandb_run, read_wandb_points

__all__ = ["read_history"]

_STEP_COLUMNS = ("step", "global_step")
_MLFLOW_DATABASE = "mlflow.db"
_EPOCH_COLUMNS = ("epoch",)
# Log files looked for in a run directory, in this order (JSON lines: facebookresearch's log.txt when it is
# JSON lines, Detectron2's metrics.json, MMEngine's scalars.json, MMCV's <time>.log.json)
_LOG_NAMES: tuple[str, ...] = ("metrics.csv", "trainer_state.json", "history.csv", "history.json", "results.csv")
_LOG_NAMES += ("log.txt", "metrics.json", "scalars.json", "*.log.json")
# A log opening with Python's print of a dict or list (a configuration: "{'setup': 'end2end', ...}"): single-quoted,
# so no JSON, and read as the console output it is.
_PYTHON_LITERAL = re.compile(r"\s*[\[{]\s*'")
_JSON_LINES_HEAD = 1 << 20  # bytes of a log.txt read to tell JSON lines (a first line and the next one's start)


def _float_or_nan(text: str) -> float | None:
    """A cell's value: None when empty (not logged), NaN/inf when the writer wrote one."""
    text = text.strip()
    if text == "":
        return None
    if text.lower() in {"none", "null"}:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _index_column(header: list[str], names: tuple[str, ...]) -> str | None:
    for name in header:
        if name.strip().lower() in names:
            return name
    return None


def _epoch_column(header: list[str], rows: list[dict[str, float]]) -> str | None:
    """The table's epoch column: ``epoch``, else an ``epochs`` column that counts (a loop's own history,
    ``{"epochs": [1, 2, ...], "train_loss": [...]}``), not one holding the run's length on every row."""
    found = _index_column(header, _EPOCH_COLUMNS)
    if found is not None:
        return found
    counted = _index_column(header, ("epochs",))
    if counted is None:
        return None
    return counted if len({row[counted] for row in rows if counted in row}) > 1 else None


def _read_csv(path: Path, notes: list[str], text: str | None = None) -> list[LoggedRaw]:
    header, body = parse_csv(read_text(path) if text is None else text, path, notes)
    if is_fastai_header(header):  # its metric columns are the validation set's: read under that split's names
        named = fastai_names(header)
        notes.append(
            "fastai's CSVLogger: its metric columns are computed on the validation set, read so ("
            + ", ".join(f"{c} -> {n}" for c, n in named.items() if c != n)
            + ")"
        )
        header = [named.get(column.strip(), column) for column in header]
    rows: list[dict[str, float]] = []
    for index, row in enumerate(body):
        if [cell.strip() for cell in row] == header:  # a writer appending with its header again: a new run starts
            notes.append(f"the header repeats at data row {index + 1}: a new run starts there; diagnosed the last one")
            rows = []
            continue
        cells = {name: _float_or_nan(cell) for name, cell in zip(header, row, strict=True)}
        rows.append({name: value for name, value in cells.items() if value is not None})
    step_col, epoch_col = _index_column(header, _STEP_COLUMNS), _epoch_column(header, rows)
    if step_col is None and epoch_col is not None and _one_epoch_per_fit(rows, epoch_col):
        notes.append(
            f"every one of the {len(rows)} rows has {epoch_col} {rows[0][epoch_col]:g} (fit called once per epoch, "
            "the log appended): read as successive epochs, one per row"
        )
        rows = [{**row, epoch_col: rows[0][epoch_col] + i} for i, row in enumerate(rows)]
    return rows_to_points(rows, step_col, epoch_col)


def _one_epoch_per_fit(rows: list[dict[str, float]], epoch_col: str) -> bool:
    """Whether every row of a per-epoch log (no step column) holds the same epoch and the same series: a loop
    calling Keras' ``fit(epochs=1)`` with ``CSVLogger(append=True)`` writes each epoch at epoch 0. Runs appended
    from scratch restart a counter that advanced; a counter that never advances, over rows that each hold every
    series, is one run logged an epoch at a time.

    Examples
    --------
    >>> rows = [{"epoch": 0.0, "loss": 0.7, "val_loss": 0.4}, {"epoch": 0.0, "loss": 0.25, "val_loss": 0.2}]
    >>> _one_epoch_per_fit(rows, "epoch"), _one_epoch_per_fit(rows[:1], "epoch")
    (True, False)
    >>> _one_epoch_per_fit([{"epoch": 0.0, "loss": 0.7}, {"epoch": 0.0, "val_loss": 0.4}], "epoch")  # one epoch's rows
    False
    """
    if len(rows) < 2 or any(epoch_col not in row for row in rows):
        return False
    return len({row[epoch_col] for row in rows}) == 1 and len({frozenset(row) for row in rows}) == 1


def _records_to_points(records: list[Any], path: Path) -> list[LoggedRaw]:
    rows: list[dict[str, float]] = []
    for record in records:
        if not isinstance(record, dict):
            raise GapdoctorInputError(str(path), "a list entry is not an object", "write one object per epoch")
        rows.append(
            {str(k): float(v) for k, v in record.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        )
    header = list(dict.fromkeys(k for row in rows for k in row))
    return rows_to_points(rows, _index_column(header, _STEP_COLUMNS), _epoch_column(header, rows))


def _columns_to_points(content: dict[str, Any], path: Path, notes: list[str]) -> list[LoggedRaw]:
    """``{"name": [values per epoch]}``: each position is an epoch; an entry that is no list beside lists (a Keras
    history saved with a marker of its own, ``"phase_split": 27``) is left out, said."""
    rows: list[dict[str, float]] = []
    content = flatten_history_object(content, notes)  # pandas' to_json, one object per split, a wrapper
    others = [str(name) for name, values in content.items() if not isinstance(values, list)]
    if others and len(others) == len(content):
        raise GapdoctorInputError(str(path), f"entry {others[0]!r} is not a list of values", "write {name: [values]}")
    notes.extend([f"entries that are no list of values, not read: {', '.join(others[:10])}"] if others else [])
    for name, values in ((n, v) for n, v in content.items() if isinstance(v, list)):
        for i, value in enumerate(values):
            while len(rows) <= i:
                rows.append({})
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rows[i][str(name)] = float(value)
    header = list(content)
    return rows_to_points(rows, _index_column(header, _STEP_COLUMNS), _epoch_column(header, rows))


def _read_json_history(path: Path, notes: list[str], text: str | None = None) -> list[LoggedRaw]:
    text = read_text(path) if text is None else text
    if is_json_lines(text):  # Detectron2, MMDetection, facebookresearch's log.txt
        return json_lines_points(text, path, notes)
    content = load_json_text(text, path)
    if isinstance(content, dict) and "log_history" in content:
        return trainer_state_points(content, path, notes)
    if isinstance(content, list):
        return _records_to_points(content, path)
    if not isinstance(content, dict):
        raise GapdoctorInputError(str(path), "holds neither an object nor a list", "write {name: [values]}")
    return _columns_to_points(content, path, notes)


def _first_bytes(path: Path, n: int) -> bytes:
    return read_head(path, n)


def _looks_like_tfrecord(path: Path) -> bool:
    head = _first_bytes(path, 12)
    return len(head) == 12 and masked_crc32c(head[:8]) == int.from_bytes(head[8:], "little")


def _read_file(path: Path, notes: list[str], run: str | None = None) -> list[LoggedRaw]:
    path = check_input_path(path, "history")  # also a file found in a directory: no FIFO is opened
    suffix = path.suffix.lower()
    if is_sqlite_file(path):
        return points_with_epochs(placed_on_steps(read_mlflow_database(path, run, notes), notes))
    if is_wandb_file(path):
        return points_with_epochs(read_wandb_points(path, notes))
    if EVENT_FILE_MARKER in path.name or (suffix not in {".csv", ".json"} and _looks_like_tfrecord(path)):
        return _event_points(path, notes)
    if suffix == ".json":
        return _read_json_history(path, notes)
    if suffix == ".csv":
        return _read_csv(path, notes)
    if suffix == ".ipynb":
        return notebook_points(read_text(path), path, notes)
    text = read_text(path)
    if is_json_lines(text):  # told from its first lines: a long log is not scanned for console output
        return json_lines_points(text, path, notes)
    printed = console_runs(text)  # Keras' fit, HF's printed logs, Lightning's bar, saved from a console
    if printed:
        return one_console_run(printed, notes).points
    if text.lstrip()[:1] in {"{", "["} and not _PYTHON_LITERAL.match(text):
        return _read_json_history(path, notes, text)
    try:
        return _read_csv(path, notes, text)
    except GapdoctorInputError as error:
        first, second = ([line for line in text.splitlines() if line.strip()] + ["", ""])[:2]
        if any(first.count(mark) == second.count(mark) > 0 for mark in ",\t;") and not _PYTHON_LITERAL.match(first):
            raise  # a table (its first two lines split alike) with a bad row: its own message says where
        raise GapdoctorInputError(  # text that is no table: say what it is not, not which line broke a table
            str(path),
            "holds no training output gapdoctor recognises (Keras' fit, HF Trainer's printed logs, Lightning's "
            "progress bar, fairseq, a loop's per-epoch lines such as 'Epoch 3/20 | train_loss=0.41 | val_loss=0.52' "
            f"or its evaluations every N steps, 'step 2000: val loss 1.45') and is no table either ({error.problem})",
            "point at the run's own log (metrics.csv, trainer_state.json, TensorBoard events, a Keras CSVLogger "
            "file), or save its history as a CSV with one row per epoch (epoch, train_loss, val_loss, val_<metric>)",
        ) from None


def _event_points(path: Path, notes: list[str], files: list[Path] | None = None) -> list[LoggedRaw]:
    """A run's TensorBoard scalars, saying when split folders beside the one given were read with it."""
    files = find_event_files(path) if files is None else files
    given = path if path.is_dir() else path.parent
    beside = sorted({f.parent.name for f in files if f.parent.parent == given.parent} - {given.name})
    if beside:
        notes.append(
            f"read with the event files of {', '.join(beside)}/ beside {given.name}/: one run's splits "
            "(Keras' TensorBoard callback writes train/ and validation/)"
        )
    return points_with_epochs(read_event_scalars(path, files))


def _read_directory(path: Path, notes: list[str], run: str | None = None) -> list[LoggedRaw]:
    mlflow_run = find_mlflow_run(path)
    if mlflow_run is not None:
        return points_with_epochs(placed_on_steps(read_mlflow_points(mlflow_run), notes))
    if is_sqlite_file(path / _MLFLOW_DATABASE):  # MLflow's default store since 3.7, in the folder it ran from
        return _read_file(path / _MLFLOW_DATABASE, notes, run)
    event_files = find_event_files(path)
    if event_files:
        return _event_points(path, notes, event_files)
    wandb_runs = find_wandb_runs(path)
    if wandb_runs:  # a W&B run folder, wandb/, or the project folder holding it
        return _read_file(one_wandb_run(path, wandb_runs, notes), notes)
    for name in _LOG_NAMES:
        found = sorted(f for f in path.rglob(name) if name != "log.txt" or _starts_as_json_lines(f))
        if len(found) > 1 and name == "trainer_state.json":
            found = _latest_checkpoint(found, notes)
        if len(found) == 1:
            return _read_file(found[0], notes)
        if len(found) > 1:
            listed = ", ".join(str(f.relative_to(path)) for f in found[:10])
            raise GapdoctorInputError(str(path), f"holds several {name} files ({listed})", "point at one of them")
    printed = console_output_files(path)  # train.log, nohup.out, a notebook: when no other log is there
    if len(printed) == 1:
        [(file, runs)] = printed.items()
        notes.append(f"read {file.name}, the console output saved in {path.name}/")
        return one_console_run(runs, notes, where="cell" if file.suffix.lower() == ".ipynb" else "lines").points
    if len(printed) > 1:
        listed = ", ".join(f.name for f in list(printed)[:10])
        raise GapdoctorInputError(str(path), f"holds the console output of several runs ({listed})", "point at one")
    raise GapdoctorInputError(
        str(path),
        "holds no log gapdoctor reads (looked for TensorBoard event files, an MLflow run or mlflow.db, W&B runs, "
        f"{', '.join(_LOG_NAMES)}, and console output in its *.log, *.out, *.txt and *.ipynb files)",
        "point --history at the log file or the run's log directory",
    )


def _starts_as_json_lines(path: Path) -> bool:
    """Whether a ``log.txt`` found in a run directory is a JSON-lines log, from its head (read whole once taken)."""
    return is_json_lines(read_head(path, _JSON_LINES_HEAD).decode("utf-8", errors="replace"))


def _latest_checkpoint(found: list[Path], notes: list[str]) -> list[Path]:
    """HF writes one trainer_state.json per checkpoint of a run: the latest holds the whole history."""
    parents = {f.parent.parent for f in found}
    steps = [_checkpoint_step(f.parent.name) for f in found]
    if len(parents) != 1 or any(s is None for s in steps):
        return found
    latest = found[max(range(len(found)), key=lambda i: steps[i] or 0)]
    notes.append(f"read {latest.parent.name}/trainer_state.json, the latest of {len(found)} checkpoints")
    return [latest]


def _checkpoint_step(name: str) -> int | None:
    head, _, number = name.rpartition("-")
    return int(number) if head == "checkpoint" and number.isdigit() else None


def _apply_mapping(
    points: list[LoggedRaw], mapping: Mapping[str, str], path: Path, metrics: Collection[str]
) -> list[LoggedRaw]:
    names = list(dict.fromkeys(p[0] for p in points))
    for old, new in mapping.items():
        if old not in names:
            raise GapdoctorInputError(
                "mapping",
                f"{old!r} is not a series in {path} (series: {', '.join(sorted(names)[:30])})",
                "map a name the log holds, e.g. --map 'Loss/valid=val_loss'",
            )
        if new and not normalise_series_name(new, metrics=metrics):
            raise GapdoctorInputError(
                "mapping",
                f"{old!r} is mapped to {new!r}, which is not a gapdoctor series name",
                "map to train_loss, val_loss, val_<metric>, train_<metric>, lr or grad_norm, or to '' to drop it",
            )
    return [(mapping.get(p[0], p[0]), p[1], p[2], p[3]) for p in points if mapping.get(p[0], p[0])]


def read_history(
    path: str | Path, *, mapping: Mapping[str, str] | None = None, metrics: Collection[str] = ()
) -> RunHistory:
    """Read a training log, whatever wrote it (the format is detected from the contents).

    Parameters
    ----------
    path : str or Path
        A CSV or JSON history, a Lightning or Keras ``CSVLogger`` file, an HF
        ``trainer_state.json``, a TensorBoard event file or run directory, an MLflow
        run directory (file store) or SQLite store (``mlflow.db``, MLflow's default since 3.7;
        ``mlflow.db#<run id or name>`` picks one of its runs), a W&B run file or folder, a JSON-lines
        log (``log.txt``, Detectron2's ``metrics.json``, MMCV / MMEngine logs), console output saved to a
        file (Keras' ``fit``, HF Trainer's printed logs, Lightning's progress bar), a Jupyter notebook
        saved with its outputs, or a directory holding one of these.
    mapping : mapping of str to str, optional
        Logged name -> gapdoctor series name (``{"Loss/valid": "val_loss"}``),
        overriding the automatic mapping; map a name to ``""`` to drop it.
    metrics : collection of str, default=()
        Extra metric names to read as ``val_<name>`` / ``train_<name>``.

    Returns
    -------
    RunHistory
        The curves on their evaluation points; unknown series names are ignored
        (listed in ``ignored``); what the reader did is in ``notes``.

    Raises
    ------
    GapdoctorInputError
        Missing, empty, truncated or corrupted logs, naming the file and what was
        readable; a mapping that names no logged series.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "metrics.csv"
    >>> _ = log.write_text("epoch,step,train_loss,val_acc\\n0,9,0.9,\\n0,9,,0.6\\n1,19,0.7,\\n1,19,,0.7\\n")
    >>> h = read_history(log)
    >>> h.get("train_loss").tolist(), h.get("val_accuracy").tolist()
    ([0.9, 0.7], [0.6, 0.7])
    """
    path, run = split_run_selector(path)
    path = check_input_path(path, "history", directory_ok=True)
    if run is not None and not is_sqlite_file(path / _MLFLOW_DATABASE if path.is_dir() else path):
        raise GapdoctorInputError(
            "history",
            f"{path}{RUN_SELECTOR}{run} picks a run of an MLflow SQLite store, and {path} is not one",
            f"drop {RUN_SELECTOR}{run}, or point at the mlflow.db that holds the run",
        )
    notes: list[str] = []
    with reading(path, "a training log"):
        points = _read_directory(path, notes, run) if path.is_dir() else _read_file(path, notes, run)
        if not points and NOTHING_LOGGED_YET in notes:  # a real writer's file from before its first log
            return RunHistory(series={}, source=str(path), notes=tuple(notes))
        if mapping:
            points = _apply_mapping(points, mapping, path, metrics)
        history = RunHistory.from_points(
            points, argument=str(path), strict=False, metrics=metrics, chosen=set((mapping or {}).values())
        )
    return replace(history, source=str(path), notes=(*notes, *history.notes))
