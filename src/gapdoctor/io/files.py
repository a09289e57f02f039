"""Input files at the door: what a path is, its bytes, its text, and the limits of parsing it.

Every reader of a user's file goes through here, so that a hostile file — a device, a FIFO,
a symbolic-link loop, binary garbage, text in another encoding, NUL bytes, a CSV field of
megabytes, JSON nested 100,000 deep — becomes one :class:`~gapdoctor.GapdoctorInputError`
naming the file, never a hang, a traceback or a ``MemoryError``. What a person could read is read (a byte-order mark is
dropped, Windows-1252 text is decoded, trailing NUL padding is cut) and the reader says so
through the ``gapdoctor`` logger (the CLI adds these notes to the diagnosis). Numpy files
are met by :mod:`gapdoctor.io.arrays`.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import logging
import os
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from gapdoctor.errors import GapdoctorInputError

__all__ = [
    "check_input_path",
    "load_json_text",
    "open_binary",
    "parse_csv",
    "read_head",
    "read_text",
    "reading",
]

logger = logging.getLogger("gapdoctor")

_BINARY_CONTROL_SHARE = 0.005
"""A file is binary, not text, when more than this share of its bytes are control
characters (other than NUL, tab, newline, carriage return, form feed and escape): text in
any 8-bit encoding has almost none, random or compressed bytes about 11%."""

_SNIFF_BYTES = 1 << 16
"""How much of a file is looked at to tell binary from text."""

_LONG_INT_DIGITS = 300
"""JSON integers longer than this are read as floats (1e300 is near float's range; a
longer integer is beyond it and becomes inf, as ``1e400`` does), never as Python ints
that later overflow or hit the interpreter's 4,300-digit limit."""

_TEXT_CONTROL = frozenset(b"\t\n\r\f\x1b\x08")  # \x08: a console's progress bar redrawn in place


def check_input_path(path: str | Path, argument: str, *, directory_ok: bool = False) -> Path:
    """The path of an input, checked to be something gapdoctor can read without hanging.

    Parameters
    ----------
    path : str or Path
    argument : str
        The argument it was given as, named in the error.
    directory_ok : bool, default=False
        Accept a directory (a log directory).

    Returns
    -------
    Path

    Raises
    ------
    GapdoctorInputError
        An empty path, a missing file, a broken link or link loop, a directory where a
        file is wanted, a device, FIFO or socket, a file that cannot be read.

    Examples
    --------
    >>> check_input_path("", "history")
    Traceback (most recent call last):
    ...
    gapdoctor.errors.GapdoctorInputError: history: is an empty path. Fix: pass the path of a file.
    """
    if isinstance(path, str) and not path.strip():
        raise GapdoctorInputError(argument, "is an empty path", "pass the path of a file")
    p = Path(path)
    name = str(p)
    try:
        info = p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise GapdoctorInputError(
                name, f"is a broken symbolic link (to {os.readlink(p)})", "point it at an existing file"
            ) from None
        raise GapdoctorInputError(name, "does not exist", f"check the path given as {argument}") from None
    except PermissionError:
        raise GapdoctorInputError(name, "cannot be reached (permission denied)", "check its folder's rights") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise GapdoctorInputError(name, "is a symbolic link loop", "point the link at a real file") from None
        raise GapdoctorInputError(name, f"cannot be opened ({error.strerror})", "check the path") from None
    if stat.S_ISDIR(info.st_mode):
        if directory_ok:
            return p
        raise GapdoctorInputError(name, "is a directory", f"pass a file as {argument}")
    if not stat.S_ISREG(info.st_mode):
        raise GapdoctorInputError(
            name,
            "is not a regular file (a device, FIFO or socket, which may never end)",
            "save the data to a file and pass that",
        )
    if not os.access(p, os.R_OK):
        raise GapdoctorInputError(name, "cannot be read (permission denied)", f"chmod u+r {name}")
    return p


_READ_FAILURES = (OSError, ValueError, OverflowError, RecursionError, MemoryError, csv.Error, zipfile.BadZipFile)
"""What parsing a file's bytes may raise on a file no reader foresaw: bad input, not a bug."""


@contextmanager
def reading(path: str | Path, what: str) -> Iterator[None]:
    """Turn a reader's failure on an unforeseen file into one error naming the file.

    Examples
    --------
    >>> try:
    ...     with reading("h.json", "a training log"):
    ...         int(float("inf"))
    ... except GapdoctorInputError as error:
    ...     print(error.argument, "|", error.problem)
    h.json | could not be read as a training log (OverflowError: cannot convert float infinity to integer)
    """
    try:
        yield
    except GapdoctorInputError:
        raise
    except _READ_FAILURES as error:
        raise GapdoctorInputError(
            str(path),
            f"could not be read as {what} ({type(error).__name__}: {error})",
            f"check the file is complete and is {what}",
        ) from None


def open_binary(path: Path) -> IO[bytes]:
    """The file opened for reading bytes; an OS refusal is the one input error."""
    try:
        return path.open("rb")
    except OSError as error:
        raise GapdoctorInputError(str(path), f"cannot be opened ({error.strerror})", "check the file") from None


def read_head(path: Path, n: int) -> bytes:
    """The first ``n`` bytes of a file (a regular one: see :func:`check_input_path`)."""
    with open_binary(path) as handle:
        return handle.read(n)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _cut_nul_padding(data: bytes, path: Path) -> bytes:
    first = data.find(b"\x00")
    if first < 0 or data[first:].strip(b"\x00"):
        return data
    logger.warning(
        "%s ends in %d NUL bytes (a write cut short by a crash or a power loss): read the %d bytes before them",
        path,
        len(data) - first,
        first,
    )
    return data[:first]


def _refuse_binary(data: bytes, path: Path) -> None:
    sample = data[:_SNIFF_BYTES]
    control = sum(1 for b in sample if (0 < b < 0x20 and b not in _TEXT_CONTROL) or b == 0x7F)
    if control > _BINARY_CONTROL_SHARE * len(sample):
        raise GapdoctorInputError(
            str(path),
            f"is binary, not text ({control} control bytes in its first {len(sample)})",
            "pass the text file (CSV or JSON) that was written",
        )
    first = data.find(b"\x00")
    if first >= 0:
        raise GapdoctorInputError(
            str(path),
            f"holds NUL bytes inside its text (line {_line_of(data, first)}, byte {first}): it is corrupted",
            "pass the text file that was written, or repair that line",
        )


def read_text(path: Path) -> str:
    """A text file's contents, whatever its encoding, or an error when it is not text.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read
    as such; other text is read as Windows-1252 (Latin-1 for its 5 unassigned bytes),
    with a note. Trailing NUL padding is cut, with a note.

    Raises
    ------
    GapdoctorInputError
        Binary data, NUL bytes inside the text.
    """
    with open_binary(path) as handle:
        data = handle.read()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise GapdoctorInputError(
                str(path), f"starts as UTF-16 but breaks at byte {error.start}", "save it again as UTF-8"
            ) from None
    data = _cut_nul_padding(data, path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    _refuse_binary(data, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = error.start
    logger.warning(
        "%s is not UTF-8 (byte 0x%02x on line %d): read as Windows-1252", path, data[bad], _line_of(data, bad)
    )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")


def parse_csv(text: str, path: Path, notes: list[str] | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and non-empty rows of a CSV text; every row has the header's width.

    A column name given twice is kept once when both columns hold the same values (with
    a note), and refused otherwise: which of the two is the series cannot be told. Lines after
    the header that start with ``#`` are comments (``# temperature_scaling_T=0.2357`` appended to a
    history, as pandas' ``comment="#"`` reads them): left out, said in ``notes`` when given. So are text pasted under
    the table after a blank line (a fit's console output) and a last line cut short with no newline after it (a file
    copied while its run wrote it); a line of spaces alone is blank.

    Raises
    ------
    GapdoctorInputError
        No header, a malformed line or an oversized field (line named), rows of the wrong
        width, a repeated column name with different values.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):  # a line of spaces alone (a write cut short) is blank too
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        raise GapdoctorInputError(
            str(path),
            f"cannot be parsed as CSV at line {reader.line_num} ({error}; {len(rows)} rows were readable)",
            "a CSV cell holds a number or a short name: check the file is the CSV that was written",
        ) from None
    if not rows:
        raise GapdoctorInputError(str(path), "is empty", "write a header row and one row per line of data")
    header, body, lines = [name.strip() for name in rows[0]], rows[1:], lines[1:]
    comments = [line for line, row in zip(lines, body, strict=True) if row[0].lstrip().startswith("#")]
    if comments:
        kept = [(line, row) for line, row in zip(lines, body, strict=True) if not row[0].lstrip().startswith("#")]
        lines, body = [line for line, _ in kept], [row for _, row in kept]
        if notes is not None:
            notes.append(
                f"{len(comments)} comment line(s) starting with '#' not read (the first at line {comments[0]})"
            )
    for readable, (line, row) in enumerate(zip(lines, body, strict=True)):
        if len(row) == 1 and row[0].startswith(_CONFLICT_MARKERS):  # a file committed mid-merge
            raise GapdoctorInputError(
                str(path),
                f"holds a git merge-conflict marker at line {line} ({row[0][:20].strip()!r}): two versions of the "
                f"log are interleaved (the first {readable} rows were readable)",
                "resolve the conflict: keep one side's rows and delete the marker lines",
            )
        if len(row) != len(header) and readable >= _TEXT_AFTER_ROWS:
            # set apart by a blank line: text pasted under the table (a fit's output); else maybe a last line cut short
            if line - lines[readable - 1] > 1:
                said = (
                    f"lines {line}-{lines[-1]} (after a blank line under the table's {readable} rows) are not rows "
                    f"and were not read: they start {row[0][:40].strip()!r}, text pasted under the log"
                )
            elif len(row) < len(header) and readable == len(body) - 1 and not text.endswith("\n"):
                said = f"its last line ({line}) stops after {len(row)} of the header's {len(header)} fields"
                said += ": a write cut short, not read"
            elif readable == len(body) - 1 and _yolov5_final_row(header, body[readable - 1], row):
                said = f"its last line ({line}, epoch {row[0].strip()}) holds {len(row)} of the header's {len(header)} "
                said += "fields: YOLOv5's validation of its best weights after training (metrics and validation losses"
                said += " only, under the first columns' names), not an epoch: not read"
            else:
                said = ""
            if said:
                _say(said, path, notes)
                body = body[:readable]
                break
        if len(row) != len(header):
            appended = header[0].strip().lower() == "epoch" and row[0].strip() in ("0", "1") and readable > 1
            raise GapdoctorInputError(
                str(path),
                f"line {line} has {len(row)} fields but the header has {len(header)} "
                f"(the first {readable} rows were readable)"
                + (
                    f": a later run appended under the first run's header (its epoch counter restarts at {row[0]}; "
                    "Keras' CSVLogger(append=True) writes no new header when a later fit logs other metrics)"
                    if appended
                    else ""
                ),
                f"split the file at line {line} and give the later run its own header (epoch, then its metric names"
                " in sorted order)"
                if appended
                else "repair or truncate the file at the last complete line",
            )
    return _drop_repeated_columns(header, body, path)


def _yolov5_final_row(header: list[str], before: list[str], row: list[str]) -> bool:
    """Whether ``row``, a results.csv's last, is what YOLOv5's trainers write after training (``segment/train.py``):
    the best weights' metrics and validation losses alone at the epoch after the last, no losses or learning rates."""
    epochs = [cell.strip() for cell in (before[0], row[0])]
    counted = header[0] == "epoch" and any(name.startswith("metrics/") for name in header) and len(row) < len(header)
    return counted and all(e.isdigit() for e in epochs) and int(epochs[1]) == int(epochs[0]) + 1


def _say(said: str, path: Path, notes: list[str] | None) -> None:
    """What the reading left out: into ``notes`` when given, else the log."""
    if notes is not None:
        notes.append(said)
    else:
        logger.warning("%s: %s", path, said)


_TEXT_AFTER_ROWS = 2
"""Rows of the header's width a table must hold before a row of another width under it is read as text pasted
there (set apart by a blank line: tests/data/real_logs_heldout68) or a last line cut short (no newline after it:
tests/data/real_logs_heldout76), not as a broken file."""


def _drop_repeated_columns(header: list[str], body: list[list[str]], path: Path) -> tuple[list[str], list[list[str]]]:
    first: dict[str, int] = {}
    dropped: list[int] = []
    for j, name in enumerate(header):
        if name not in first:
            first[name] = j
            continue
        i = first[name]
        if any(row[i] != row[j] for row in body):
            raise GapdoctorInputError(
                str(path),
                f"has two different columns named {name!r} (columns {i + 1} and {j + 1})",
                "rename one of them in the header so each column has its own name",
            )
        dropped.append(j)
    if not dropped:
        return header, body
    logger.warning(
        "%s repeats column(s) %s with identical values: each is read once",
        path,
        ", ".join(repr(header[j]) for j in dropped),
    )
    keep = [j for j in range(len(header)) if j not in set(dropped)]
    return [header[j] for j in keep], [[row[j] for j in keep] for row in body]


def _parse_int(text: str) -> int | float:
    return float(text) if len(text) > _LONG_INT_DIGITS else int(text)


def load_json_text(text: str, path: Path) -> Any:
    """Parse JSON text; ``NaN``/``Infinity`` are floats, integers beyond float range are ``inf``.

    Examples
    --------
    >>> load_json_text('{"a": [1e400, NaN, ' + "9" * 400 + "]}", Path("x.json"))
    {'a': [inf, nan, inf]}
    """
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise GapdoctorInputError(
            str(path),
            f"is not valid JSON: {error.msg} (readable up to line {error.lineno}, column {error.colno})",
            "the file was probably cut short or edited: check it was fully written",
        ) from None
    except RecursionError:
        raise GapdoctorInputError(
            str(path),
            "nests lists or objects too deeply to parse (a log nests a few levels)",
            "pass the JSON log the trainer wrote",
        ) from None
