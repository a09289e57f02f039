"""Small pieces of the checks' sentences that must read right whatever the figures: p-values, counts."""

from __future__ import annotations

__all__ = ["count_of", "p_text"]

P_SHOWN_FLOOR = 1e-4
"""p-values below this are said as ``p < 0.0001``: a rounded or underflowed 0 is never printed."""


def p_text(p: float) -> str:
    """A p-value in words: ``p = 0.032``, or ``p < 0.0001`` below :data:`P_SHOWN_FLOOR`.

    Examples
    --------
    >>> p_text(0.0321), p_text(0.0), p_text(2.4e-9)
    ('p = 0.032', 'p < 0.0001', 'p < 0.0001')
    """
    return f"p < {P_SHOWN_FLOOR:g}" if p < P_SHOWN_FLOOR else f"p = {p:.2g}"


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes: ``1 row``, ``3 rows``, ``1 feature``.

    Examples
    --------
    >>> count_of(1, "row"), count_of(12, "row"), count_of(2, "class", "classes")
    ('1 row', '12 rows', '2 classes')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
