"""The error classes: the one error a caller sees for bad input, and a check's "cannot conclude".

:class:`GapdoctorInputError` is the only exception bad input raises. :class:`SkipCheck` never
reaches a caller: the check runner turns it into a "skipped" entry of the diagnosis. It lives
here, below every layer, because statistics helpers raise it as well as checks.
"""

from __future__ import annotations

__all__ = ["GapdoctorInputError", "SkipCheck", "shown"]


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters with the full length said.

    Examples
    --------
    >>> shown(10**400)
    '1000000000000000000000000000000000000000… (401 characters)'
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class GapdoctorInputError(ValueError):
    """Bad input to gapdoctor.

    The message names the argument, says what was wrong with it and how to fix it.

    Parameters
    ----------
    argument : str
        The name of the argument (or file) at fault.
    problem : str
        What was wrong.
    fix : str
        How to fix it.

    Examples
    --------
    >>> err = GapdoctorInputError("y_val", "contains NaN at row 3", "drop or fill those rows")
    >>> str(err)
    'y_val: contains NaN at row 3. Fix: drop or fill those rows.'
    """

    def __init__(self, argument: str, problem: str, fix: str) -> None:
        self.argument = argument
        self.problem = problem
        self.fix = fix
        super().__init__(f"{argument}: {problem}. Fix: {fix}.")


class SkipCheck(Exception):
    """Raised by a check that cannot conclude from the inputs it was given.

    Parameters
    ----------
    reason : str
        What is missing or too short, in words a user acts on.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
