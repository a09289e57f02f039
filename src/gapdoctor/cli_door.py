"""The command line's door: every file it reads or writes passes here.

- :func:`read_input` runs a reader and turns any failure into one
  :class:`~gapdoctor.GapdoctorInputError` naming the option and the file (exit 2), so a
  hostile file never ends in a traceback or in exit 1, which means "findings";
- :func:`check_output` refuses an output path that cannot be written before any work;
- :class:`NoteCollector` gathers what readers note (an encoding guessed, an index column
  dropped) through the ``gapdoctor`` logger, for the diagnosis' notes;
- :func:`one_line` makes a message one bounded, escaped line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.report.printable import printable

__all__ = ["NoteCollector", "check_output", "collecting_notes", "one_line", "read_input", "write_output"]

_T = TypeVar("_T")


_MAX_LINE_CHARS = 2000
"""A message is cut to this many characters: it quotes file contents (column names, a
parser's complaint), which a hostile file can make megabytes long; one line stays readable."""


def one_line(text: object) -> str:
    line = printable(text)
    return line if len(line) <= _MAX_LINE_CHARS else line[: _MAX_LINE_CHARS - 1] + "…"


def read_input(option: str, path: str, reader: Callable[[], _T]) -> _T:
    """The door every input file passes: any failure of its reader is bad input naming the file."""
    if not path.strip():
        raise GapdoctorInputError(option, "is an empty path", "pass the path of a file")
    try:
        return reader()
    except GapdoctorInputError as error:
        named = error.argument.startswith(option) or error.argument.isidentifier()  # "mapping", "run_id"
        argument = error.argument if named else f"{option} {error.argument}"
        raise GapdoctorInputError(argument, error.problem, error.fix) from None
    except Exception as error:  # RecursionError, MemoryError, OSError...: the file's doing
        raise GapdoctorInputError(
            f"{option} {path}",
            f"could not be read ({type(error).__name__}: {error})",
            "check that it is a complete file of a format gapdoctor reads (see gapdoctor diagnose --help)",
        ) from None


def check_output(option: str, path: str | None) -> None:
    """Fail before any work when an output cannot be written."""
    if path is None:
        return
    target = Path(path)
    if not path.strip() or target.is_dir():
        raise GapdoctorInputError(
            f"{option} {path}", "is a directory, not a file", f"pass a file name, e.g. {option} out"
        )
    if not target.parent.is_dir():
        raise GapdoctorInputError(
            f"{option} {path}",
            f"its folder {target.parent} does not exist",
            f"create it first: mkdir -p {target.parent}",
        )


def write_output(option: str, path: str, write: Callable[[], object]) -> None:
    try:
        write()
    except OSError as error:
        raise GapdoctorInputError(
            f"{option} {path}", f"could not be written ({error.strerror or error})", "pass a path you can write to"
        ) from None


class NoteCollector(logging.Handler):
    """Collects what readers note (an encoding guessed, a column dropped) for the diagnosis."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.notes.append(record.getMessage())
        except Exception:  # a note must never break the command  # pragma: no cover
            self.handleError(record)


@contextmanager
def collecting_notes() -> Iterator[NoteCollector]:
    logger = logging.getLogger("gapdoctor")
    collector = NoteCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
