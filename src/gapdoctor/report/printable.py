"""Make a user's string safe to print on a terminal.

Run names, file names, class names and column names come from users and their files. Sent
raw to a terminal, an escape sequence in one can clear the screen, move the cursor, rewrite
earlier lines or set the window title; a bidirectional override can reorder what is shown;
a lone surrogate (a file name that was not UTF-8) makes ``print`` raise. Every such
character is shown as its Python escape instead.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls (ESC, CSI...) except tab and newline
    "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings and overrides
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff]"  # lone surrogates
)
_UNSAFE_IN_LINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, multiline: bool = False) -> str:
    """``str(text)`` with every control character written as an escape.

    Parameters
    ----------
    text : object
    multiline : bool, default=False
        Keep newlines and tabs (a paragraph); by default they are escaped too (one line).

    Examples
    --------
    >>> printable("run\\x1b[2J-1\\u202e")
    'run\\\\x1b[2J-1\\\\u202e'
    >>> printable("two\\nlines", multiline=True)
    'two\\nlines'
    """
    return (_UNSAFE if multiline else _UNSAFE_IN_LINE).sub(_escape, str(text))
