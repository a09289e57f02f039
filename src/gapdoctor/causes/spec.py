"""What a cause declares about itself: :class:`CauseInfo` (each folder's ``spec.py`` holds one)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CauseInfo"]


@dataclass(frozen=True)
class CauseInfo:
    """What one cause means to the user, declared in its folder's ``spec.py`` as ``SPEC``.

    Parameters
    ----------
    name : str
        The exact vocabulary string (the folder's name).
    title : str
        A short human title.
    story : str
        The run's story when this is the cause.
    fixes : tuple of str
        Default remedies, most effective first.
    short : str, default=""
        Three-letter heading of the bench's confusion table (the name when empty).
    explains : tuple of str, default=()
        The symptom-level causes this root cause explains: when the root cause is itself
        reported (score >= 0.5), it is ranked ahead of them (see :func:`gapdoctor.ranking.rank`).
    experiment_measures_fix : bool, default=True
        Whether this cause's confirming experiment applies the fix and measures what it gains:
        a confirmation then ranks the finding ahead of unconfirmed ones. False when the
        experiment only confirms that the symptom exists (re-splits that measure a validation
        set's noise): its verdict is reported but does not move the finding.
    """

    name: str
    title: str
    story: str
    fixes: tuple[str, ...]
    short: str = ""
    explains: tuple[str, ...] = ()
    experiment_measures_fix: bool = True
