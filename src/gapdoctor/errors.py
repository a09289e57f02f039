"""The one error class for bad input."""

from __future__ import annotations

__all__ = ["GapdoctorInputError", "shown"]


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
