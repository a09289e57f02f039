"""User strings on a terminal: no control sequence reaches it raw."""

from __future__ import annotations

import pytest

from gapdoctor.report.printable import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name é ü 中", "plain name é ü 中"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear screen, cursor home
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # set the window title
        ("a\rb", "a\\x0db"),  # overwrite the line
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 CSI
        ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
        ("\udcff", "\\udcff"),  # a lone surrogate, which print() cannot encode
        ("two\nlines\tx", "two\\x0alines\\x09x"),
    ],
)
def test_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    printable(raw).encode("utf-8")  # always printable on a UTF-8 terminal


def test_multiline_keeps_newlines_and_tabs_only() -> None:
    assert printable("a\nb\tc\x1b", multiline=True) == "a\nb\tc\\x1b"
