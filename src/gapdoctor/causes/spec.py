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
        The symptom-level causes this root cause explains: when both are reported, the
        root cause is ranked first (see :func:`gapdoctor.findings.rank`).
    """

    name: str
    title: str
    story: str
    fixes: tuple[str, ...]
    short: str = ""
    explains: tuple[str, ...] = ()
