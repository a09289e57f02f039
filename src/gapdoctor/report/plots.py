"""The HTML report's figures: one function per kind of figure, each returning inline SVG text.

The drawing primitives (style, figure, SVG text) are in :mod:`gapdoctor.report.svg`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gapdoctor.report.svg import BAD_COLOR, GOOD_COLOR, MUTED_COLOR, TRAIN_COLOR, VAL_COLOR
from gapdoctor.report.svg import floats as _floats
from gapdoctor.report.svg import plain as _plain
from gapdoctor.report.svg import render as _render
from gapdoctor.report.svg import shared_legend as _shared_legend

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "curves_svg",
    "features_svg",
    "groups_svg",
    "matrix_svg",
    "metric_band_svg",
    "reliability_svg",
    "sources_svg",
    "threshold_svg",
]

_MARKER_STYLES: dict[str, tuple[str, str]] = {
    "best_epoch": (GOOD_COLOR, "--"),
    "gap_onset_epoch": (BAD_COLOR, ":"),
    "val_loss_min_epoch": ("#7b4fa0", "-."),
    "lr_cut_epoch": ("#555555", "--"),
    "stall_epoch": ("#b8860b", ":"),
    "first_spike_epoch": ("#d81b60", "-."),
}
_OTHER_MARKER_COLORS = ("#00838f", "#6d4c41", "#5e35b1", "#9e9d24")


# --------------------------------------------------------------------------- curves
def lr_changes(lr: Sequence[float | None], *, max_changes: int = 8) -> list[int]:
    """Epochs (from 1) at which a step schedule changed the learning rate.

    A schedule that changes every few epochs (cosine, warm-up) returns ``[]``: the
    learning-rate panel shows it better than a forest of lines.

    Examples
    --------
    >>> lr_changes([0.1] * 5 + [0.01] * 5)
    [6]
    >>> lr_changes([0.1 * 0.9**i for i in range(20)])
    []
    """
    values = _floats(lr)
    previous, current = values[:-1], values[1:]
    with np.errstate(invalid="ignore"):
        changed = np.abs(current - previous) > 1e-3 * np.abs(previous)
    epochs = [int(i) + 2 for i in np.flatnonzero(changed)]
    return epochs if len(epochs) <= max_changes else []


def _marker_label(name: str, epoch: int) -> str:
    return f"{name.removesuffix('_epoch').replace('_', ' ')} ({epoch})"


def _draw_markers(axes: Sequence[Axes], markers: Mapping[str, Any], lr_steps: Sequence[int]) -> None:
    others = iter(_OTHER_MARKER_COLORS * 4)
    for name, epoch in markers.items():
        if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
            continue
        color, style = _MARKER_STYLES.get(str(name), (next(others, MUTED_COLOR), "--"))
        for i, ax in enumerate(axes):
            label = _plain(_marker_label(str(name), int(epoch)), 40) if i == 0 else None
            ax.axvline(float(epoch), color=color, linestyle=style, linewidth=1.2, label=label)
    for j, epoch in enumerate(lr_steps):
        for i, ax in enumerate(axes):
            label = "lr change" if i == 0 and j == 0 else None
            ax.axvline(epoch - 0.5, color="#999999", linestyle=(0, (1, 2)), linewidth=1.0, label=label)


def curves_svg(curves: Mapping[str, Sequence[float | None]], metric: str, markers: Mapping[str, Any]) -> str | None:
    """Training curves: loss, the validation metric and the learning rate, with markers.

    Parameters
    ----------
    curves : mapping
        name -> per-epoch values (``diagnosis.curves``).
    metric : str
        The user's metric; another logged ``val_<metric>`` is used when it is absent.
    markers : mapping
        name -> epoch (from 1): vertical lines (best epoch, overfitting onset...).

    Returns
    -------
    str or None
        The SVG, or None when there is no loss or metric curve to draw.
    """
    metrics = sorted(k[4:] for k in curves if k.startswith("val_") and k != "val_loss")
    shown_metric = metric if metric in metrics else (metrics[0] if metrics else None)
    panels: list[tuple[str, list[tuple[str, str]]]] = []
    losses = [(k, c) for k, c in (("train_loss", TRAIN_COLOR), ("val_loss", VAL_COLOR)) if k in curves]
    if losses:
        panels.append(("loss", losses))
    if shown_metric is not None:
        series = [(f"{s}_{shown_metric}", c) for s, c in (("train", TRAIN_COLOR), ("val", VAL_COLOR))]
        panels.append((shown_metric, [(k, c) for k, c in series if k in curves]))
    if not panels:
        return None
    lr = curves.get("lr")
    lr_steps = lr_changes(lr) if lr is not None else []
    lr_values = _floats(lr if lr is not None else [])
    lr_values = lr_values[np.isfinite(lr_values)]
    if lr_values.size and lr_values.max() > lr_values.min():  # a constant lr is not worth a panel
        panels.append(("learning rate", [("lr", MUTED_COLOR)]))

    def draw(fig: Figure) -> None:
        axes = list(fig.subplots(1, len(panels), squeeze=False)[0])
        for ax, (title, series) in zip(axes, panels, strict=True):
            for name, color in series:
                values = _floats(curves[name])
                epochs = np.arange(1, len(values) + 1)
                label = name.split("_", 1)[0] if name != "lr" else "_lr"  # the panel title names it
                ax.plot(epochs, values, color=color, linewidth=1.6, label=_plain(label))
            if title == "learning rate":
                positive = _floats(curves["lr"])
                positive = positive[np.isfinite(positive)]
                if positive.size and positive.min() > 0 and positive.max() / positive.min() > 20:
                    from matplotlib.ticker import NullFormatter

                    ax.set_yscale("log")
                    ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_title(_plain(title, 40))
            ax.set_xlabel("epoch")
        _draw_markers(axes, markers, lr_steps)
        _shared_legend(fig, axes, max_columns=6)

    panel_width = 4.3 if len(panels) <= 2 else 3.4
    return _render("Training curves", panel_width * len(panels), 2.9, draw)


# --------------------------------------------------------------------------- metric mismatch
def threshold_svg(curve: Mapping[str, Any]) -> str:
    """The metric against the decision threshold, default and best thresholds marked."""
    thresholds, values = _floats(curve["thresholds"]), _floats(curve["values"])
    metric = _plain(curve.get("metric", "metric"))

    def value_at(t: float) -> float:
        return float(np.interp(t, thresholds, values))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.plot(thresholds, values, color=TRAIN_COLOR, linewidth=1.6)
        for key, color, style, name in (
            ("default_threshold", MUTED_COLOR, "--", "default"),
            ("best_threshold", GOOD_COLOR, "-", "best"),
        ):
            if curve.get(key) is not None:
                t = float(curve[key])
                ax.axvline(t, color=color, linestyle=style, linewidth=1.2, label=f"{name} {t:.2f}: {value_at(t):.3f}")
                ax.plot([t], [value_at(t)], "o", color=color)
        ax.set_xlabel("decision threshold")
        ax.set_ylabel(metric)
        ax.set_title(f"Validation {metric} by threshold")
        ax.legend(loc="best")

    return _render(f"Validation {curve.get('metric', 'metric')} by decision threshold", 4.2, 3.0, draw)


def reliability_svg(reliability: Mapping[str, Any]) -> str:
    """Reliability diagram: accuracy per confidence bin against the diagonal, counts below."""
    confidence, accuracy = _floats(reliability["confidence"]), _floats(reliability["accuracy"])
    count = _floats(reliability.get("count", [1.0] * len(confidence)))

    def draw(fig: Figure) -> None:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        top.plot([0, 1], [0, 1], color=MUTED_COLOR, linestyle="--", linewidth=1, label="perfect calibration")
        top.plot(confidence, accuracy, "o-", color=VAL_COLOR, linewidth=1.6, label="model")
        top.set_ylabel("accuracy in bin")
        top.set_title("Reliability (calibration)")
        top.legend(loc="upper left")
        width = 0.8 / max(len(confidence), 1)
        bottom.bar(confidence, count, width=width, color=MUTED_COLOR)
        bottom.set_ylabel("rows")
        bottom.set_xlabel("predicted confidence")
        bottom.set_xlim(0, 1)

    return _render("Reliability diagram", 4.2, 3.0, draw)


# --------------------------------------------------------------------------- small validation set
def metric_band_svg(band: Mapping[str, Any]) -> str:
    """The validation metric over epochs with its confidence band."""
    epochs = _floats(band["epochs"])
    values, low, high = _floats(band["values"]), _floats(band["low"]), _floats(band["high"])
    metric = _plain(band.get("metric", "metric"))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.fill_between(epochs, low, high, color=VAL_COLOR, alpha=0.22, linewidth=0, label="95% interval")
        ax.plot(epochs, values, color=VAL_COLOR, linewidth=1.6, label=f"val {metric}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"Validation {metric} and its uncertainty")
        ax.legend(loc="best")

    return _render("Validation metric with its interval band", 5.0, 2.8, draw)


# --------------------------------------------------------------------------- interval bars
def _interval_bars(
    fig: Figure, names: list[str], values: np.ndarray[Any, Any], low: np.ndarray[Any, Any], high: np.ndarray[Any, Any]
) -> Axes:
    ax = fig.subplots()
    ys = np.arange(len(names))
    errors = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
    errors = np.nan_to_num(errors)
    order_colors = [BAD_COLOR if v <= np.nanmedian(values) else TRAIN_COLOR for v in values]
    ax.barh(ys, values, xerr=errors, color=order_colors, alpha=0.85, error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(ys, labels=names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    return ax


def _interval_bars_svg(
    rows: Sequence[Mapping[str, Any]],
    names: list[str],
    key: str,
    *,
    xlabel: str,
    title: str,
    alt: str,
    width: float,
    row_height: float,
) -> str:
    """Bars of each row's ``key`` with its ``low`` / ``high`` interval (the value itself when absent)."""
    values = _floats([r[key] for r in rows])
    low = _floats([r.get("low", r[key]) for r in rows])
    high = _floats([r.get("high", r[key]) for r in rows])

    def draw(fig: Figure) -> None:
        ax = _interval_bars(fig, names, values, low, high)
        ax.set_xlabel(xlabel)
        ax.set_title(title)

    return _render(alt, width, 0.9 + row_height * max(len(rows), 2), draw)


def groups_svg(groups: Sequence[Mapping[str, Any]], *, limit: int = 25) -> str:
    """Per-class / per-group metric bars with their intervals (worst ``limit`` shown)."""
    rows = sorted(groups, key=lambda g: float(g["value"]))[:limit]
    metric = _plain(rows[0].get("metric", "metric")) if rows else "metric"
    shown = f" ({limit} worst of {len(groups)})" if len(groups) > limit else ""
    names = [_plain(f"{g.get('kind', 'group')} {g['group']} (n={g.get('n', '?')})", 36) for g in rows]
    title = f"Validation {metric} per class / group{shown}"
    alt = "Metric per class or group"
    return _interval_bars_svg(rows, names, "value", xlabel=metric, title=title, alt=alt, width=5.6, row_height=0.26)


def sources_svg(sources: Sequence[Mapping[str, Any]]) -> str:
    """Estimated noise rate per label source, with intervals."""
    names = [_plain(f"{s['source']} (n={s.get('n', '?')})", 36) for s in sources]
    return _interval_bars_svg(
        sources,
        names,
        "noise_rate",
        xlabel="estimated label noise rate",
        title="Label noise per source",
        alt="Label noise rate per source",
        width=5.0,
        row_height=0.3,
    )


# --------------------------------------------------------------------------- matrices
def matrix_svg(matrix: Mapping[str, Any], *, title: str, rows_label: str, cols_label: str, limit: int = 30) -> str:
    """A count matrix as a heatmap coloured by row share, counts written when it is small.

    With more than ``limit`` classes, the ``limit`` most confused ones (largest
    off-diagonal counts, in and out) are shown, in their original order.
    """
    all_classes = [str(c) for c in matrix["classes"]]
    full = np.asarray(matrix["counts"], dtype=np.float64)
    totals_all = full.sum(axis=1, keepdims=True)
    keep = np.arange(len(all_classes))
    if len(all_classes) > limit:
        off_diagonal = full - np.diag(np.diag(full))
        confusion = off_diagonal.sum(axis=0) + off_diagonal.sum(axis=1)
        keep = np.sort(np.argsort(-confusion, kind="stable")[:limit])
        title = f"{title} ({limit} most confused of {len(all_classes)} classes)"
    classes = [all_classes[i] for i in keep]
    k = len(classes)
    counts = full[np.ix_(keep, keep)]
    totals = totals_all[keep]
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    labels = [_plain(c, 16) for c in classes]
    side = min(2.2 + 0.32 * k, 7.5)

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
        ax.grid(False)
        if k <= 30:
            ax.set_xticks(range(k), labels=labels, rotation=90 if k > 6 else 0)
            ax.set_yticks(range(k), labels=labels)
        if k <= 12:
            for i in range(k):
                for j in range(k):
                    color = "white" if share[i, j] > 0.55 else "#222222"
                    ax.text(j, i, f"{counts[i, j]:.0f}", ha="center", va="center", fontsize=7.5, color=color)
        ax.set_xlabel(cols_label)
        ax.set_ylabel(rows_label)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, shrink=0.8, label="share of row")

    return _render(title, side + 1.2, side, draw)


# --------------------------------------------------------------------------- features
def features_svg(features: Sequence[Mapping[str, Any]], *, limit: int = 6) -> str:
    """Distributions of the most different features in both splits (densities on shared bins)."""
    shown = list(features)[:limit]
    ncols = min(3, len(shown))
    nrows = -(-len(shown) // ncols)

    def draw(fig: Figure) -> None:
        grid = fig.subplots(nrows, ncols, squeeze=False)
        for index, ax in enumerate(grid.flat):
            if index >= len(shown):
                ax.set_visible(False)
                continue
            feature = shown[index]
            edges = _floats(feature["bin_edges"])
            ax.stairs(_floats(feature["train"]), edges, color=TRAIN_COLOR, linewidth=1.5, label="train")
            ax.stairs(_floats(feature["val"]), edges, color=VAL_COLOR, linewidth=1.5, label="validation")
            ax.set_title(_plain(feature["name"], 30))
            statistic = feature.get("statistic")
            if statistic is not None:
                caption = f"{_plain(feature.get('label', 'statistic'), 20)} = {float(statistic):.3g}"
                ax.text(0.98, 0.95, caption, transform=ax.transAxes, ha="right", va="top", fontsize=7.5)
            if index == 0:
                ax.legend(loc="upper left")
        fig.supylabel("density")

    return _render("Feature distributions in train and validation", 3.1 * ncols, 2.3 * nrows + 0.2, draw)
