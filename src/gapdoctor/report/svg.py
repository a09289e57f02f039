"""Drawing primitives of the report's figures: matplotlib drawings returned as inline SVG text.

Why SVG: the report's figures are lines, bars and small matrices, which SVG draws
crisply at any zoom in a few tens of kB each, smaller than a PNG of the same
sharpness; text stays text (``svg.fonttype = "none"``), selectable and searchable.
matplotlib escapes ``<``, ``>`` and ``&`` in the text it writes, so user strings
(feature names, class names, group ids) cannot inject markup; ``$`` is escaped here so
that user strings are never parsed as mathtext.

No pyplot and no global state: each figure is a :class:`matplotlib.figure.Figure`
rendered by the SVG canvas inside ``matplotlib.style.context("default")`` plus a
``rc_context``, so the user's rcParams neither leak into the report nor get changed by it.
matplotlib is imported lazily: ``import gapdoctor`` stays light.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BAD_COLOR",
    "GOOD_COLOR",
    "MUTED_COLOR",
    "TRAIN_COLOR",
    "VAL_COLOR",
    "floats",
    "new_figure",
    "plain",
    "render",
    "shared_legend",
    "style",
    "to_svg",
]

TRAIN_COLOR = "#3b6fb6"
VAL_COLOR = "#e07b39"
GOOD_COLOR = "#2e8b57"
BAD_COLOR = "#c0392b"
MUTED_COLOR = "#888888"
_MAX_LABEL = 28
_figure_counter = iter(range(1, 1 << 62))


def plain(text: object, limit: int = _MAX_LABEL) -> str:
    """A user string for matplotlib: shortened, and ``$`` escaped so it is never mathtext."""
    s = str(text)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def floats(values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Numbers as a float array; None becomes NaN."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


@contextmanager
def style(salt: str) -> Iterator[None]:
    """The report's matplotlib style, whatever the user's rcParams; ``salt`` keeps SVG ids unique."""
    import matplotlib as mpl
    import matplotlib.style

    rc: dict[Any, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,  # unique ids per figure: several SVGs share one HTML page
        "text.usetex": False,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e6e6e6",
        "grid.linewidth": 0.6,
        "axes.titlesize": 9.5,
        "axes.titleweight": "bold",
        "legend.fontsize": 8,
        "legend.frameon": False,
    }
    with matplotlib.style.context("default"), mpl.rc_context(rc):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A pyplot-free figure of the given size in inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Figure, alt: str) -> str:
    """The figure as an ``<svg>`` element for inline HTML, scaling to its container."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # matplotlib names its groups figure_1, axes_1...: the same in every figure, and never
    # referenced. Dropped, so that ids stay unique in a page holding several figures; the
    # referenced ids (clip paths, markers) are salted per figure (svg.hashsalt).
    text = re.sub(r'(<g)\s+id="[^"]*"', r"\1", text)
    head_end = text.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", text[:head_end])
    natural_px = round(fig.get_figwidth() * 96)
    head += f' class="plot" style="max-width:{natural_px}px" role="img" aria-label="{escape(alt, quote=True)}"'
    return head + text[head_end:]


def shared_legend(fig: Figure, axes: Sequence[Axes], *, max_columns: int) -> None:
    """One legend below the panels: each label drawn on ``axes`` once (its first line)."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=min(len(handles), max_columns))


def render(alt: str, width: float, height: float, draw: Callable[[Figure], None]) -> str:
    """Draw one figure in the report's style and return it as an ``<svg>`` element."""
    with style(f"gapdoctor-{next(_figure_counter)}"):
        fig = new_figure(width, height)
        draw(fig)
        return to_svg(fig, alt)
