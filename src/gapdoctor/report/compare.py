"""Two stored runs side by side: their curves' key figures, their verdicts and the difference.

``gapdoctor compare RUN RUN`` reads both runs from the run store (:mod:`gapdoctor.io.store`);
:func:`summarise_run` reduces each to the figures a person compares first (the best
validation metric and its epoch, the final losses, the epochs run, the top finding), and
:func:`render_comparison_text` / :func:`render_comparison_html` show them with the
difference (second run minus first). The HTML page (:mod:`gapdoctor.report.compare_html`) is
self-contained like the report: inline CSS and one inline SVG with both runs' curves overlaid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gapdoctor.stats.metrics import METRICS

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = [
    "RunSummary",
    "comparison_rows",
    "notes",
    "render_comparison_text",
    "shared_metric",
    "summarise_run",
    "when",
]


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
    meta : mapping
        What was stored with the run (hyper-parameters, framework...): the settings compared.
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
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (curves included, NaN as None)."""
        from dataclasses import asdict

        from gapdoctor.json_values import json_safe as _json_safe

        return dict(_json_safe(asdict(self)))

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
    meta: Mapping[str, Any] | None = None,
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
    meta : mapping, optional
        The run's stored settings (``RunInfo.meta``).

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
        meta=dict(meta or {}),
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
        *_setting_rows(a, b),
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


_SETTINGS_SHOWN = 12  # more differing settings: the first ones, and a count of the rest


def _setting_rows(a: RunSummary, b: RunSummary) -> list[tuple[str, str, str, str]]:
    """One row per stored setting (hyper-parameter) whose value differs between the runs."""
    missing = object()
    keys = list(dict.fromkeys([*a.meta, *b.meta]))
    differing = [k for k in keys if a.meta.get(k, missing) != b.meta.get(k, missing)]

    def shown(meta: Mapping[str, Any], key: str) -> str:
        return str(meta[key]) if key in meta else "—"

    rows = [(f"setting: {k}", shown(a.meta, k), shown(b.meta, k), "differs") for k in differing[:_SETTINGS_SHOWN]]
    hidden = len(differing) - _SETTINGS_SHOWN
    if hidden > 0:
        rows.append(("settings", "", "", f"{hidden} more differ"))
    if keys and not differing:
        rows.append(("settings", f"{len(keys)} stored", f"{len(keys)} stored", "all the same"))
    return rows


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.2f}"


def _epoch(epoch: int | None) -> str:
    return "—" if epoch is None else str(epoch)


def when(started_at: str) -> str:
    """``2026-12-01T16:17:40+00:00`` as ``2026-12-01 16:17:40``."""
    return started_at.replace("T", " ").removesuffix("+00:00")


def notes(a: RunSummary, b: RunSummary) -> list[str]:
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
    table.add_row("started (UTC)", escape(when(a.started_at)), escape(when(b.started_at)), "")
    for label, first, second, diff in comparison_rows(a, b):
        table.add_row(escape(label), escape(first), escape(second), escape(diff))
    console.print(table)
    for run, which in ((a, "first"), (b, "second")):
        console.print(f"{which}: {escape(run.verdict)}")
    for note in notes(a, b):
        console.print(f"note: {escape(note)}", style="dim")
    return buffer.getvalue()
