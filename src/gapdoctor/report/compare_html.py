"""The comparison of two runs as one self-contained HTML page: the table of
:func:`gapdoctor.report.compare.comparison_rows`, both runs' curves overlaid in one inline
SVG (drawn like :mod:`gapdoctor.report.plots`, without pyplot), and each run's verdict.
No script, no network; every user string escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from gapdoctor.causes.vocabulary import cause_info, known_causes
from gapdoctor.report import svg
from gapdoctor.report.compare import RunSummary, comparison_rows, notes, when
from gapdoctor.report.markup import escape_html as _e
from gapdoctor.report.markup import html_table as _table
from gapdoctor.report.markup import style_sheet as _style_sheet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["RUN_COLORS", "overlay_svg", "render_comparison_html"]

RUN_COLORS = ("#3b6fb6", "#e07b39")
"""First run blue, second run orange: the colours of the overlaid curves."""


def overlay_svg(a: RunSummary, b: RunSummary) -> str | None:
    """Both runs' curves overlaid: losses (training dashed, validation solid) and the validation metric."""
    panels: list[tuple[str, list[tuple[str, bool]]]] = []
    losses = [(n, n == "train_loss") for n in ("train_loss", "val_loss") if n in a.curves or n in b.curves]
    if losses:
        panels.append(("loss", losses))
    metrics = [(m, f"val_{m}") for m in dict.fromkeys((a.metric, b.metric)) if m is not None]
    for metric, series in metrics:
        panels.append((f"validation {metric}", [(series, False)]))
    if not panels:
        return None

    def draw(fig: Figure) -> None:
        axes = list(fig.subplots(1, len(panels), squeeze=False)[0])
        for ax, (title, series) in zip(axes, panels, strict=True):
            for run, color in zip((a, b), RUN_COLORS, strict=True):
                for name, dashed in series:
                    values = svg.floats(run.curves.get(name) or [])
                    if not values.size:
                        continue
                    kind = "train" if name == "train_loss" else "val"
                    label = svg.plain(f"{run.id} {run.name} ({kind})", 40)
                    ax.plot(
                        np.arange(1, values.size + 1),
                        values,
                        color=color,
                        linewidth=1.6,
                        linestyle="--" if dashed else "-",
                        label=label,
                    )
            ax.set_title(svg.plain(title, 40))
            ax.set_xlabel("epoch")
        svg.shared_legend(fig, axes, max_columns=4)

    return svg.render("Both runs' curves overlaid", 4.3 * len(panels), 3.2, draw)


def _findings_list(run: RunSummary, diagnosis_findings: Sequence[tuple[str, float, str]]) -> str:
    if not diagnosis_findings:
        return f"<p>{_e(run.verdict)}</p>"
    items = "".join(
        f"<li><strong>{_e(cause_info(c).title if c in known_causes() else c)}</strong> "
        f'<span class="code">{_e(c)}</span> score {s:.2f}: {_e(summary)}</li>'
        for c, s, summary in diagnosis_findings
    )
    return f"<p>{_e(run.verdict)}</p><ol>{items}</ol>"


def render_comparison_html(
    a: RunSummary,
    b: RunSummary,
    findings: tuple[Sequence[tuple[str, float, str]], Sequence[tuple[str, float, str]]] = ((), ()),
) -> str:
    """The comparison as one self-contained HTML page (no script, no network).

    Parameters
    ----------
    a, b : RunSummary
    findings : pair of sequences of (cause, score, summary)
        Each run's reported findings, listed under its verdict.
    """
    from datetime import datetime, timezone

    from gapdoctor import __version__
    from gapdoctor.report.html import _figure

    header = ["", f"first: {a.label}", f"second: {b.label}", "second − first"]
    rows = [[_e(cell) for cell in row] for row in comparison_rows(a, b)]
    rows.insert(0, ["started (UTC)", _e(when(a.started_at)), _e(when(b.started_at)), ""])
    table = _table([_e(h) for h in header], rows, numeric={1, 2, 3})
    figure = _figure(
        "Both runs overlaid: first run blue, second run orange; training dashed", lambda: overlay_svg(a, b)
    )
    listed_notes = "".join(f"<li>{_e(n)}</li>" for n in notes(a, b))
    verdicts = "".join(
        f'<section class="card" id="run-{which}"><h2>{_e(which.capitalize())}: {_e(run.label)}</h2>'
        f"{_findings_list(run, listed)}</section>"
        for which, run, listed in (("first", a, findings[0]), ("second", b, findings[1]))
    )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"gapdoctor compare: {a.label} vs {b.label}"
    return "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width,initial-scale=1'>",
            f"<title>{_e(title)}</title><style>{_style_sheet()}</style></head><body><main>",
            "<header><div class='brand'>gapdoctor comparison</div></header>",
            f'<section class="card" id="comparison"><h1>{_e(a.label)} vs {_e(b.label)}</h1>{table}',
            f"<ul class='story'>{listed_notes}</ul>" if listed_notes else "",
            "</section>",
            f'<section class="card" id="curves"><h2>Curves</h2>{figure}</section>' if figure else "",
            verdicts,
            f"<footer>gapdoctor {_e(__version__)} · {stamp}</footer></main></body></html>",
        ]
    )
