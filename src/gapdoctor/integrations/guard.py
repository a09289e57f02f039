"""ErrorGuard: what stands between gapdoctor's failures and the user's training loop.

Every call a training loop makes into a recorder runs behind this guard. Decisions:

- **Only** ``Exception`` **is caught.** ``KeyboardInterrupt``, ``SystemExit`` and
  ``GeneratorExit`` always propagate: a user's Ctrl-C is never swallowed.
- **Reports go through logging** (logger ``"gapdoctor"``, WARNING), never through
  :mod:`warnings`: under warnings-as-errors a report would otherwise become an
  exception inside the loop. Python prints WARNING records to stderr when logging is
  not configured, so they are seen by default.
- **Logging itself is guarded.** A user's handler, filter, formatter or record factory
  may raise; the report is then kept in :attr:`ErrorGuard.errors` only, and nothing
  reaches the loop. So is describing an exception whose ``__str__`` raises.
- **Each kind of failure is reported once** (keyed by where it happened), so a failure
  that repeats every step costs one line, not thousands.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gapdoctor.integrations.values import number

__all__ = ["ErrorGuard", "Guarded", "describe", "logger"]

logger = logging.getLogger("gapdoctor")


def describe(error: BaseException) -> str:
    """``Type: message (at file:line)`` of an exception; never raises, even for a hostile ``__str__``.

    Examples
    --------
    >>> describe(ValueError("bad value"))
    'ValueError: bad value'
    >>> class Hostile(Exception):
    ...     def __str__(self) -> str:
    ...         raise RuntimeError("no message for you")
    >>> describe(Hostile())
    'Hostile: <message unavailable>'
    """
    try:
        text = str(error)
    except Exception:
        text = "<message unavailable>"
    try:
        frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
        at = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    except Exception:
        at = ""
    return f"{type(error).__name__}: {text}{at}"


class ErrorGuard:
    """The failures and reports of one recorder.

    Attributes
    ----------
    errors : list of str
        Every failure caught, in order (``"where: Type: message (at file:line)"``),
        and every report that a logging handler refused.

    Examples
    --------
    >>> guard = ErrorGuard()
    >>> guard.report_once("rows", "rows were out of range; per-row tracking is off")
    True
    >>> guard.report_once("rows", "the same again")  # reported once per key
    False
    """

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._reported: set[str] = set()

    def report(self, message: str, *args: Any) -> bool:
        """Log ``message % args`` on the ``gapdoctor`` logger; False when a handler raised.

        Parameters
        ----------
        message : str
            A :mod:`logging` format string.
        *args
            Its arguments.

        Returns
        -------
        bool
        """
        try:
            logger.warning(message, *args)
            return True
        except Exception as error:  # a user's logging handler must not reach the loop either
            self.errors.append(f"logging: {describe(error)} (a handler of the 'gapdoctor' logger raised)")
            return False

    def report_once(self, key: str, message: str, *args: Any) -> bool:
        """:meth:`report`, the first time ``key`` is seen only; True when reported now.

        Parameters
        ----------
        key : str
            What the report is about (one report per key).
        message : str
        *args
        """
        if key in self._reported:
            return False
        self._reported.add(key)
        self.report(message, *args)
        return True

    def caught(self, where: str, error: BaseException) -> str:
        """Record a caught exception; returns its line for :attr:`errors`. Never raises.

        Parameters
        ----------
        where : str
            What was being done (``"log_batch"``, ``"on_epoch_end"``...).
        error : BaseException
        """
        line = f"{where}: {describe(error)}"
        self.errors.append(line)
        return line


class Guarded:
    """Base of the recorders: a guard, and what a failure switches off.

    :meth:`_fail` stops all recording (:attr:`enabled` becomes False);
    :meth:`_switch_off` reports that one feature stopped while recording goes on;
    :meth:`_checked_number` drops one value that is not a number, the others still recorded.
    """

    def __init__(self) -> None:
        self.enabled = True
        self._guard = ErrorGuard()

    @property
    def errors(self) -> list[str]:
        """Every failure caught, in order (``"where: Type: message (at file:line)"``)."""
        return self._guard.errors

    @property
    def epochs(self) -> int:
        """Number of epochs recorded (for the reports)."""
        return 0

    @contextmanager
    def guard(self, where: str) -> Iterator[None]:
        """Run a block for the training loop: any exception is caught and reported once.

        ``KeyboardInterrupt`` and ``SystemExit`` are not caught.

        Parameters
        ----------
        where : str
            What was being done (``"on_train_batch_end"``...), for the report.
        """
        try:
            yield
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail(where, error)

    def _fail(self, where: str, error: BaseException) -> None:
        """Stop recording: an unexpected failure inside gapdoctor. Never raises."""
        try:
            line = self._guard.caught(where, error)
            if self.enabled:
                self.enabled = False
                self._guard.report(
                    "gapdoctor stopped recording after epoch %d because of an internal error; training continues. %s",
                    self.epochs,
                    line,
                )
        except Exception:
            self.enabled = False

    def _switch_off(self, what: str, where: str, error: BaseException) -> None:
        """One feature stops (``what``), recording goes on; reported once. Never raises."""
        try:
            line = self._guard.caught(f"{where} ({what} switched off)", error)
            self._guard.report_once(
                what,
                "gapdoctor switched off %s after epoch %d; training continues and the curves are still recorded. %s",
                what,
                self.epochs,
                line,
            )
        except Exception:
            pass

    def _checked_number(self, name: str, value: Any) -> float | None:
        """``value`` as a float; None (and a report, once per name) when it is not one number."""
        try:
            return number(value)
        except Exception as error:
            self._ignore_value(name, error)
            return None

    def _ignore_value(self, name: str, error: BaseException) -> None:
        line = self._guard.caught(f"value {name!r}", error)
        self._guard.report_once(
            f"value {name}",
            "gapdoctor ignores %r: it is not one number (%s); the other values are still recorded.",
            name,
            line,
        )
