"""Metric saturation, read from the training curves.

The story: the validation metric is at (or within a few errors of) its ceiling, so the
loss keeps improving the model's confidence in ways a thresholded metric cannot show.
The strength of evidence is how little headroom is left: 2% headroom on a bounded
metric is the reporting point, 0.5% is strong. It also needs the metric to be flat
over the second half of the run while the training loss still falls.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes import cause_info
from gapdoctor.checks import SkipCheck, register
from gapdoctor.checks._curves import history_of, val_metric_curve
from gapdoctor.evidence import Evidence
from gapdoctor.findings import Finding
from gapdoctor.history import noise_sd, smooth
from gapdoctor.metrics import METRICS
from gapdoctor.stats import squash

_HEADROOM_AT_REPORT = 0.02


@register(
    name="metric_saturation.curves",
    cause="metric_saturation",
    requires=("history",),
    description="Bounded validation metric flat at its ceiling while the training loss keeps falling.",
)
def saturation_from_curves(evidence: Evidence) -> list[Finding]:
    """Bounded validation metric flat at its ceiling while the training loss keeps falling."""
    history = history_of(evidence)
    metric = val_metric_curve(evidence, history)
    train = history.get("train_loss")
    if metric is None:
        raise SkipCheck("history has no val_<metric> series")
    if train is None:
        raise SkipCheck("history has no train_loss")
    name, values = metric
    info = METRICS[name]
    if not info.bounded:
        raise SkipCheck(f"{name} has no ceiling (unbounded metric)")

    n = history.n_epochs
    ms = smooth(values)
    half = n // 2
    level = float(np.nanmean(values[-max(3, n // 5) :]))
    headroom = 1.0 - level if info.greater_is_better else level
    headroom = max(headroom, 0.0)
    second_half_gain = float(ms[-1] - ms[half]) * (1 if info.greater_is_better else -1)
    noise = noise_sd(values)
    flat = second_half_gain <= max(2 * noise, 0.25 * max(headroom, 1e-4), 1e-3)
    ts = smooth(train)
    train_drop_frac = float(ts[half] - ts[-1]) / max(abs(float(ts[half])), 1e-12)

    strength = _HEADROOM_AT_REPORT / max(headroom, 1e-4)
    if not flat:
        strength *= 0.3  # still improving: not stuck at the ceiling yet
    strength *= float(np.clip(train_drop_frac / 0.10, 0.0, 1.0))
    score = squash(strength, 1.0)
    if score < 0.05:
        return []
    figures: dict[str, float | int | str] = {
        "metric": name,
        "val_metric_final": round(level, 4),
        "headroom": round(headroom, 4),
        "second_half_gain": round(second_half_gain, 4),
        "train_loss_drop_second_half_pct": round(100 * train_drop_frac, 1),
    }
    errors_left = ""
    if evidence.y_val is not None and info.thresholded:
        remaining = round(headroom * len(evidence.y_val))
        figures["val_errors_left"] = remaining
        errors_left = f" ({remaining} of {len(evidence.y_val)} validation rows)"
    summary = (
        f"Validation {name} sits at {level:.4f}, {100 * headroom:.1f}% from its ceiling{errors_left}; "
        f"the training loss fell {100 * train_drop_frac:.0f}% over the second half without moving it."
    )
    return [
        Finding(
            cause="metric_saturation",
            score=score,
            summary=summary,
            evidence=figures,
            fixes=cause_info("metric_saturation").fixes,
            check="metric_saturation.curves",
        )
    ]
