"""Two stored runs side by side: their curves' key figures, their verdicts and the difference.

``gapdoctor compare RUN RUN`` reads both runs from the run store (:mod:`gapdoctor.io.store`);
:func:`summarise_run` reduces each to the figures a person compares first (the best
validation metric and its epoch, the final losses, the epochs run, the top finding), and
:func:`render_comparison_text` / :func:`render_comparison_html` show them with the
difference (second run minus first). The HTML page is self-contained like the report:
inline CSS and one inline SVG with both runs' curves overlaid, no script.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gapdoctor.causes import CAUSES, cause_info
from gapdoctor.metrics import METRICS
from gapdoctor.report import plots
from gapdoctor.report.markup import escape_html as _e
from gapdoctor.report.markup import html_table as _table
from gapdoctor.report.markup import style_sheet as _style_sheet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gapdoctor.findings import Diagnosis

__all__ = ["RunSummary", "comparison_rows", "render_comparison_html", "render_comparison_text", "summarise_run"]

RUN_COLORS = ("#3b6fb6", "#e07b39")
"""First run blue, second run orange: the colours of the overlaid curves and of the table headers."""


@dataclass(frozen=True)
class RunSummary:
    """One run, reduced to what a comparison shows.

    Parameters
    ----------
    id, name, started_at : run identity from the store
    epochs : int
    metric : str or None
        The validation metric compared (``val_<metric>`` in the history), None when none was logged.
    best_value, best_epoch : float or None, int or None
        The best validation value of ``metric`` and its epoch (from 1).
    final_train_loss, final_val_loss : float or None
        The last finite value of each loss.
    verdict : str
        The diagnosis in one sentence.
    top_cause, top_score : str or None, float or None
        The first reported finding (None: healthy or not judged).
    reported : mapping of str to float
        Every reported cause and its score.
    judged : bool
        False when no check could run on the run (see ``Diagnosis.judged``).
    diagnosed_now : bool
        True when no diagnosis was stored: the stored curves were diagnosed for the comparison.
    curves : mapping
        The per-epoch curves (name -> values, None where not measured).
    """

    id: int
    name: str
    started_at: str
    epochs: int
    metric: str | None
    best_value: float | None
    best_epoch: int | None
    final_train_loss: float | None
    final_val_loss: float | None
    verdict: str
    top_cause: str | None
    top_score: float | None
    reported: Mapping[str, float] = field(default_factory=dict)
    judged: bool = True
    diagnosed_now: bool = False
    curves: Mapping[str, Sequence[float | None]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``run 3 'mlp-wide'``: how the run is named in the comparison."""
        return f"run {self.id} {self.name!r}"


def _greater_is_better(metric: str) -> bool:
    info = METRICS.get(metric)
    return info.greater_is_better if info is not None else not metric.endswith(("loss", "error"))


def shared_metric(curves: Sequence[Mapping[str, Any]], preferred: str | None) -> str | None:
    """The validation metric to compare: ``preferred`` when every run logged it, else the first
    ``val_<metric>`` (not the loss) every run logged, else the first any run logged.

    Examples
    --------
    >>> shared_metric([{"val_f1": [1], "val_accuracy": [1]}, {"val_accuracy": [1]}], "f1")
    'accuracy'
    """
    logged = [{k[4:] for k in c if k.startswith("val_") and k != "val_loss"} for c in curves]
    if preferred is not None and all(preferred in names for names in logged):
        return preferred
    common = sorted(set.intersection(*logged)) if logged else []
    if common:
        return common[0]
    anywhere = sorted(set().union(*logged)) if logged else []
    return anywhere[0] if anywhere else None


def _values(curves: Mapping[str, Any], name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array([np.nan if v is None else float(v) for v in curves.get(name) or ()], dtype=np.float64)


def _last_finite(curves: Mapping[str, Any], name: str) -> float | None:
    values = _values(curves, name)
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else None


def summarise_run(
    *,
    run_id: int,
    name: str,
    started_at: str,
    curves: Mapping[str, Sequence[float | None]],
    diagnosis: Diagnosis,
    metric: str | None,
    diagnosed_now: bool = False,
) -> RunSummary:
    """Reduce one run to its key figures.

    Parameters
    ----------
    run_id, name, started_at : the run's identity in the store
    curves : mapping
        name -> per-epoch values (``RunHistory.to_dict()``).
    diagnosis : Diagnosis
    metric : str or None
        The validation metric to compare (see :func:`shared_metric`).
    diagnosed_now : bool, default=False

    Examples
    --------
    >>> from gapdoctor.findings import Diagnosis
    >>> s = summarise_run(run_id=1, name="a", started_at="", diagnosis=Diagnosis([], []), metric="accuracy",
    ...                   curves={"val_accuracy": [0.5, 0.8, None, 0.7], "train_loss": [1.0, 0.5, 0.4, None]})
    >>> s.best_value, s.best_epoch, s.final_train_loss, s.epochs
    (0.8, 2, 0.4, 4)
    """
    best_value: float | None = None
    best_epoch: int | None = None
    if metric is not None:
        values = _values(curves, f"val_{metric}")
        if np.isfinite(values).any():
            oriented = np.where(np.isfinite(values), values if _greater_is_better(metric) else -values, -np.inf)
            index = int(np.argmax(oriented))
            best_value, best_epoch = float(values[index]), index + 1
    top = diagnosis.reported[0] if diagnosis.reported else None
    return RunSummary(
        id=run_id,
        name=name,
        started_at=started_at,
        epochs=max((len(v) for v in curves.values()), default=0),
        metric=metric,
        best_value=best_value,
        best_epoch=best_epoch,
        final_train_loss=_last_finite(curves, "train_loss"),
        final_val_loss=_last_finite(curves, "val_loss"),
        verdict=diagnosis.verdict(),
        top_cause=None if top is None else top.cause,
        top_score=None if top is None else float(top.score),
        reported={f.cause: float(f.score) for f in diagnosis.reported},
        judged=diagnosis.judged,
        diagnosed_now=diagnosed_now,
        curves=dict(curves),
    )


def _number(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _difference(a: float | None, b: float | None) -> str:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return ""
    return f"{b - a:+.4g}"


def _top(run: RunSummary) -> str:
    if run.top_cause is None:
        return "healthy" if run.judged else "not judged"
    return run.top_cause


def _better(a: float | None, b: float | None, lower_is_better: bool) -> str:
    """Which run the difference favours, in words."""
    if a is None or b is None or a == b:
        return "" if a is None or b is None else "same"
    return "second better" if (b < a) == lower_is_better else "first better"


def comparison_rows(a: RunSummary, b: RunSummary) -> list[tuple[str, str, str, str]]:
    """(figure, first run, second run, difference) for every figure compared, in display order."""
    metric = a.metric or b.metric or "metric"
    lower = not _greater_is_better(metric)
    epoch_diff = _difference(a.best_epoch, b.best_epoch)

    def loss_row(label: str, x: float | None, y: float | None, judged: bool) -> tuple[str, str, str, str]:
        verdict = _better(x, y, lower_is_better=True) if judged else ""  # a lower training loss is no merit
        return (label, _number(x), _number(y), " ".join(p for p in (_difference(x, y), verdict) if p))

    best_diff = " ".join(
        p for p in (_difference(a.best_value, b.best_value), _better(a.best_value, b.best_value, lower)) if p
    )
    score = _difference(a.top_score, b.top_score) if a.top_cause == b.top_cause and a.top_cause is not None else ""
    only_a = sorted(set(a.reported) - set(b.reported))
    only_b = sorted(set(b.reported) - set(a.reported))
    causes = "; ".join(
        part
        for part in (
            f"only first: {', '.join(only_a)}" if only_a else "",
            f"only second: {', '.join(only_b)}" if only_b else "",
        )
        if part
    )
    return [
        ("epochs", str(a.epochs), str(b.epochs), f"{b.epochs - a.epochs:+d}"),
        (f"best validation {metric}", _number(a.best_value), _number(b.best_value), best_diff),
        ("epoch of the best", _epoch(a.best_epoch), _epoch(b.best_epoch), epoch_diff),
        loss_row("final training loss", a.final_train_loss, b.final_train_loss, judged=False),
        loss_row("final validation loss", a.final_val_loss, b.final_val_loss, judged=True),
        ("top finding", _top(a), _top(b), "same" if _top(a) == _top(b) else "different"),
        ("its score", _score(a.top_score), _score(b.top_score), score),
        (
            "causes reported",
            ", ".join(sorted(a.reported)) or "none",
            ", ".join(sorted(b.reported)) or "none",
            causes or ("same" if a.reported or b.reported else ""),
        ),
    ]


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.2f}"


def _epoch(epoch: int | None) -> str:
    return "—" if epoch is None else str(epoch)


def _when(started_at: str) -> str:
    """``2026-12-01T16:17:40+00:00`` as ``2026-12-01 16:17:40``."""
    return started_at.replace("T", " ").removesuffix("+00:00")


def _notes(a: RunSummary, b: RunSummary) -> list[str]:
    notes = [
        f"{run.label}: no stored diagnosis; its stored curves were diagnosed now."
        for run in (a, b)
        if run.diagnosed_now
    ]
    if a.metric != b.metric:
        notes.append("The runs logged no validation metric in common: each shows its own.")
    return notes


def render_comparison_text(a: RunSummary, b: RunSummary, *, width: int = 100) -> str:
    """The comparison as terminal text (user strings escaped)."""
    import io

    from rich.console import Console
    from rich.table import Table

    from gapdoctor.report.terminal import escape

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    console.print(f"[bold]gapdoctor compare[/bold] — first: {escape(a.label)}, second: {escape(b.label)}")
    table = Table(show_lines=False)
    table.add_column("")
    table.add_column(escape(f"first: {a.label}"), overflow="fold")
    table.add_column(escape(f"second: {b.label}"), overflow="fold")
    table.add_column("second − first", overflow="fold")
    table.add_row("started (UTC)", escape(_when(a.started_at)), escape(_when(b.started_at)), "")
    for label, first, second, diff in comparison_rows(a, b):
        table.add_row(escape(label), escape(first), escape(second), escape(diff))
    console.print(table)
    for run, which in ((a, "first"), (b, "second")):
        console.print(f"{which}: {escape(run.verdict)}")
    for note in _notes(a, b):
        console.print(f"note: {escape(note)}", style="dim")
    return buffer.getvalue()


# --------------------------------------------------------------------------- HTML
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
                    values = plots._floats(run.curves.get(name) or [])
                    if not values.size:
                        continue
                    kind = "train" if name == "train_loss" else "val"
                    label = plots._plain(f"{run.id} {run.name} ({kind})", 40)
                    ax.plot(
                        np.arange(1, values.size + 1),
                        values,
                        color=color,
                        linewidth=1.6,
                        linestyle="--" if dashed else "-",
                        label=label,
                    )
            ax.set_title(plots._plain(title, 40))
            ax.set_xlabel("epoch")
        handles: dict[str, Any] = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=min(len(handles), 4))

    return plots._render("Both runs' curves overlaid", 4.3 * len(panels), 3.2, draw)


def _findings_list(run: RunSummary, diagnosis_findings: Sequence[tuple[str, float, str]]) -> str:
    if not diagnosis_findings:
        return f"<p>{_e(run.verdict)}</p>"
    items = "".join(
        f"<li><strong>{_e(cause_info(c).title if c in CAUSES else c)}</strong> "
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
    rows.insert(0, ["started (UTC)", _e(_when(a.started_at)), _e(_when(b.started_at)), ""])
    table = _table([_e(h) for h in header], rows, numeric={1, 2, 3})
    figure = _figure(
        "Both runs overlaid: first run blue, second run orange; training dashed", lambda: overlay_svg(a, b)
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in _notes(a, b))
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
            f"<ul class='story'>{notes}</ul>" if notes else "",
            "</section>",
            f'<section class="card" id="curves"><h2>Curves</h2>{figure}</section>' if figure else "",
            verdicts,
            f"<footer>gapdoctor {_e(__version__)} · {stamp}</footer></main></body></html>",
        ]
    )
