"""A training run kept in a Jupyter notebook's cell outputs (``.ipynb``, nbformat 4).

The text a cell printed (``stream`` outputs and ``text/plain`` results, in order) is console output
(:mod:`gapdoctor.io.console_logs`: Keras' ``fit``, HF's printed logs, Lightning's bar); a result showing Keras'
``history.history`` is read too, pretty-printed over several lines as a notebook shows it. HF Transformers'
``Trainer`` shows its progress in a notebook as an HTML table (``text/html``): a row per evaluation with
``Epoch`` or ``Step``, ``Training Loss`` (``No log`` until the first logged loss), ``Validation Loss``
and a column per metric (``Accuracy``, ``F1``, ``Wer``...), read as ``loss``, ``eval_loss`` and
``eval_<metric>``; its ``Epoch`` shows each evaluation's epoch cut to a whole number (``0, 2, 2, 3`` for
evaluations within epochs): a column that repeats is read as successive evaluations, said. fastai's ``Learner``
shows its epochs as an HTML table too (:mod:`gapdoctor.io.fastai_tables`: ``epoch``, ``train_loss``,
``valid_loss``, its metrics on the validation set, ``time``). Each ``fit`` or ``train()`` is a run; the last with
validation values is read.
"""

from __future__ import annotations

import itertools
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.console_logs import (
    HISTORY_WRITER,
    ConsoleRun,
    console_runs,
    history_dict_run,
    one_console_run,
    repeated,
)
from gapdoctor.io.fastai_tables import FASTAI_WRITER, fastai_names, is_fastai_header, metric_note, table_points
from gapdoctor.io.files import load_json_text, read_text
from gapdoctor.io.json_lines import is_json_lines
from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["console_output_files", "notebook_points", "notebook_runs"]

_CONSOLE_SUFFIXES = {".log", ".out", ".txt", ".ipynb"}
_CONSOLE_MAX_BYTES = 64 << 20
_TABLE_NAMES = {"training loss": "loss", "validation loss": "eval_loss"}
_POSITIONS = {"epoch": "epoch", "step": "step"}


class _Tables(HTMLParser):
    """The cells of every ``<table>`` in an HTML text: a list of rows per table, header rows included."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _series_name(column: str) -> str:
    """A Trainer table's column -> the name HF logs it under (``Validation Loss`` -> ``eval_loss``)."""
    name = column.strip().lower()
    return _TABLE_NAMES.get(name) or _POSITIONS.get(name) or "eval_" + re.sub(r"\W+", "_", name).strip("_")


def _fastai_run(rows: list[list[str]], cell: int) -> ConsoleRun | None:
    """The run fastai's Recorder table shows (:mod:`gapdoctor.io.fastai_tables`), at the epochs completed (its
    ``CSVLogger`` file is read so too)."""
    run = ConsoleRun(FASTAI_WRITER, cell, cell)
    run.points.extend(table_points(rows[0], rows[1:]))
    run.notes.extend(metric_note(fastai_names(rows[0])))
    return run if run.points else None


def _table_run(rows: list[list[str]], cell: int) -> ConsoleRun | None:
    """The run an HF Trainer progress table (or fastai's) shows, or None when the table is not one."""
    if len(rows) < 2:
        return None
    if is_fastai_header(rows[0], shown=True):
        return _fastai_run(rows, cell)
    names = [_series_name(c) for c in rows[0]]
    header = {c.strip().lower() for c in rows[0]}
    if not header & set(_TABLE_NAMES) or not set(names) & {"epoch", "step"}:  # a DataFrame shown is no run
        return None
    run = ConsoleRun("HF Trainer table", cell, cell)
    table = [dict(zip(names, (_cell_value(c) for c in row), strict=False)) for row in rows[1:]]
    epochs = [values.get("epoch", math.nan) for values in table]
    if "step" not in names and any(not later > earlier for earlier, later in itertools.pairwise(epochs)):
        run.notes.append(
            f"the progress table's Epoch column repeats ({', '.join(f'{e:g}' for e in epochs[:12])}): the Trainer "
            "shows each evaluation's epoch cut to a whole number; its rows read as successive evaluations"
        )
        epochs = [float(i) for i in range(1, len(table) + 1)]
    for values, epoch in zip(table, epochs, strict=True):
        step = values.pop("step", math.nan)
        values.pop("epoch", None)
        run.points.extend((name, step, epoch, v) for name, v in values.items() if math.isfinite(v))
    return run if run.points else None


def _cell_value(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "No log", a blank
        return math.nan


def _text(value: Any) -> str:
    """nbformat's multi-line string: one string, or a list of lines."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _cell_runs(outputs: list[Any], cell: int) -> list[ConsoleRun]:
    printed: list[str] = []
    runs: list[ConsoleRun] = []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        data = output.get("data")
        data = data if isinstance(data, dict) else {}
        shown = _text(data.get("text/plain"))
        history = history_dict_run(shown, cell) if shown.lstrip().startswith("{'") else None
        if history is not None:  # ``history.history`` shown, pretty-printed over several lines
            runs.append(history)
            shown = ""
        printed.append(_text(output.get("text")) + shown + "\n")
        html = _text(data.get("text/html"))
        if "<table" in html:
            parser = _Tables()
            parser.feed(html)
            runs.extend(run for rows in parser.tables if (run := _table_run(rows, cell)) is not None)
    for run in console_runs("".join(printed)):
        run.first_line = run.last_line = cell
        runs.append(run)
    return runs


def _cells(text: str, path: Path | None) -> list[Any]:
    """A notebook's cells (nbformat 4).

    Raises
    ------
    GapdoctorInputError
        Not a notebook.
    """
    content = load_json_text(text, path or Path("notebook"))
    cells = content.get("cells") if isinstance(content, dict) else None
    if not isinstance(cells, list):
        raise GapdoctorInputError(
            str(path or "notebook"), "is not a Jupyter notebook (no 'cells' list)", "pass the .ipynb file"
        )
    return cells


def _runs_shown(cells: list[Any]) -> list[ConsoleRun]:
    runs: list[ConsoleRun] = []
    for number, cell in enumerate(cells, start=1):
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        if isinstance(outputs, list):
            runs.extend(_cell_runs(outputs, number))
    return [run for run in runs if run.writer != HISTORY_WRITER or not repeated(run, runs)]


def notebook_runs(text: str, path: Path | None = None) -> list[ConsoleRun]:
    """Every training run a notebook's cell outputs show, in cell order.

    Raises
    ------
    GapdoctorInputError
        Not a notebook.
    """
    return _runs_shown(_cells(text, path))


def notebook_points(text: str, path: Path, notes: list[str]) -> list[LoggedRaw]:
    """The points of the run a notebook's outputs show (the last with validation values).

    Raises
    ------
    GapdoctorInputError
        Not a notebook, or no cell output holds a training run gapdoctor reads.
    """
    cells = _cells(text, path)
    runs = _runs_shown(cells)
    if not runs:
        raise GapdoctorInputError(
            str(path),
            f"has no training output in its {len(cells)} cells (looked for Keras' fit, HF Trainer's table or "
            "printed logs, Lightning's progress bar)",
            "run the training cell and save the notebook with its outputs, or pass the run's log file",
        )
    return one_console_run(runs, notes, where="cell").points


def console_output_files(folder: Path) -> dict[Path, list[ConsoleRun]]:
    """The files directly in a folder that hold a training run's console output with validation values
    (``train.log``, ``nohup.out``, a notebook saved with its outputs), each with the runs it printed: the
    folder's own ``*.log``, ``*.out``, ``*.txt`` and ``*.ipynb`` files, each read once and only when under
    64 MiB. A JSON-lines log is no console output (it is found by its name, ``log.txt``, or given itself)."""
    found = {}
    for file in sorted(p for p in folder.iterdir() if p.suffix.lower() in _CONSOLE_SUFFIXES and p.is_file()):
        if file.stat().st_size > _CONSOLE_MAX_BYTES:
            continue
        try:
            text = read_text(file)
            notebook = file.suffix.lower() == ".ipynb"
            runs = notebook_runs(text, file) if notebook else [] if is_json_lines(text) else console_runs(text)
        except GapdoctorInputError:  # binary, or a notebook that is not one: no console output
            continue
        if any(run.validated for run in runs):
            found[file] = runs
    return found
