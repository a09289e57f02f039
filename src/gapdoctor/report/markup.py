"""The HTML building blocks shared by the report and the run comparison.

Every string that may come from the user's data goes through :func:`escape_html` (HTML escaping,
quotes included, so it is safe in attributes too); tables are built from escaped cells.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection
from importlib import resources

__all__ = ["escape_html", "html_table", "number_html", "style_sheet"]


def style_sheet() -> str:
    """The report's CSS (``report.css`` beside this module), inlined into the page."""
    return resources.files("gapdoctor.report").joinpath("report.css").read_text(encoding="utf-8")


def escape_html(value: object) -> str:
    """HTML-escape any value (quotes included: safe in text and in attributes)."""
    return html.escape(str(value), quote=True)


def number_html(value: object) -> str:
    """A number the way a person reads it; anything else as text (escaped)."""
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else escape_html(f"{value:.4g}")
    return escape_html(value)


def html_table(header: list[str], rows: list[list[str]], *, numeric: Collection[int] = (), css: str = "") -> str:
    """A table from already-escaped cells."""

    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag} class="num">{text}</{tag}>' if i in numeric else f"<{tag}>{text}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows)
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
