"""Small validation set: the validation metric is too noisy to show the progress that exists.

A validation metric measured on ``n`` rows has sampling noise of its own. The check
puts an interval on it — exact (Clopper-Pearson) for accuracy and error, a bootstrap
over the validation rows for every other metric when probabilities are given — and
derives:

* the **smallest detectable change**: the difference between two evaluations that a
  two-sided 5% test detects with 80% power, ``(1.96 + 0.84) * sqrt(2) * sd``, treating
  the two evaluations as independent (conservative: evaluations of neighbouring epochs
  on the same rows are correlated); for accuracy-type metrics ``sd`` is the binomial
  one taken midway between the value and the changed value, so that 60 of 60 correct
  does not claim to detect tiny changes;
* the **per-class support**, since a class with a handful of validation rows moves a
  macro metric by large steps;
* whether the metric's **movement over the last epochs** (``val_<metric>`` in the
  history) lies inside that noise — then the curve cannot say whether training still
  helps;
* the **validation size needed** to detect a one-point change, and one as large as the
  movement seen.

The validation size is ``len(y_val)``, or the ``val_size`` argument when only the
history is given (then per-class support is not known).

The story is "the metric is stuck, an improvement exists and this set cannot show it",
so the strength of evidence needs all three, and is the weaker of two ratios (each 1 at
its reporting point, so the score is 0.5 when both are just met):

* **the set cannot show changes that matter**: the change it could be hiding against
  8 points (5% for unbounded metrics, relative to the metric's value). That change is the
  smallest detectable one, but never more than the **room the metric has left**: for a
  metric in [0, 1], the distance from the far end of its interval to the ceiling (1 minus
  the lower bound; the upper bound for a lower-is-better one). At 78 of 78 rows correct
  accuracy is at least 0.954: no improvement over 4.6 points exists to be hidden, whatever
  the set's noise (that run is the metric_saturation check's business);
* **an improvement exists**: the smoother signal measured on the same rows, the
  validation log loss (continuous, so it moves when probabilities improve even where
  a thresholded metric cannot), fell over the last epochs by more than its own
  epoch-to-epoch noise (two-sided 95% for the difference of two points) and by more
  than 1% of its level. A flat or rising validation loss is a converged or
  overfitting model: nothing is hidden, whatever the set's size.

Without that evidence (no ``val_loss`` curve, or one that does not fall) the noise
alone must be 3x larger to reach the reporting point: a set that cannot see a 24-point
change cannot judge the run at all, improving or not (a drop, which the ceiling does not
bound: here the smallest detectable change counts whole). The strength is
halved when the metric's last epochs move by more than its noise (the set is then
seeing something), and cut to 0.3x when **the metric is not stuck**: the metric
rose over the second half of the run — the bench's own statistic: the last quarter's mean over
the quarter before the midpoint — by more than its own epoch-to-epoch noise (95% for the
difference of the two means) and by at least one point (1% of an unbounded metric).
That rise is measured on the same rows every epoch, so the set's sampling noise — which
separates the set from the population, not one epoch from another on the same rows — is
not the yardstick: a healthy run whose small set shows it improving is not hiding anything.
"""

from __future__ import annotations

import math

import numpy as np

from gapdoctor.causes.curves import info_of, val_metric_curve
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.small_validation_set.result import MetricBand, SamplingNoise
from gapdoctor.causes.small_validation_set.score import noise_ratio
from gapdoctor.causes.small_validation_set.score import score as strength_of_evidence
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory, noise_sd, smooth
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample
from gapdoctor.stats.metrics import compute_metric
from gapdoctor.stats.resampling import (
    SHARE_OF_ROWS_METRICS,
    Z95,
    metric_replicates,
    percentile_interval,
    rows_needed,
    sd_from_interval,
)

CHECK_NAME = "small_validation_set.sampling_noise"
_POWER_FACTOR = (Z95 + 0.841621) * math.sqrt(2.0)  # 5% two-sided, 80% power, two evaluations
_TARGET_CHANGE = 0.01
_LOW_SUPPORT = 30
_REALISTIC_GROWTH = 10  # a validation set over 10x today's (or over the training set) is not advice to give
_MATERIAL_LOSS_DROP = 0.01
"""A validation-loss drop under 1% of its level is no improvement: a noise-free loss would count any drift."""


def _detectable_proportion_change(value: float, n: int) -> float:
    """Smallest change of a proportion that ``n`` rows detect (5% two-sided, 80% power).

    The variance is taken midway between the value and the changed value, so a
    proportion at 1.0 (no variance of its own) still has a detectable change > 0.
    """
    delta = _POWER_FACTOR * math.sqrt(max(value * (1 - value), 1.0 / n) / n)
    for _ in range(30):
        mid = value - math.copysign(delta / 2, value - 0.5)
        delta = _POWER_FACTOR * math.sqrt(max(mid * (1 - mid), 1.0 / n) / n)
    return delta


def _binomial_band(values: FloatArray, n: int) -> tuple[list[float | None], list[float | None]]:
    lows: list[float | None] = []
    highs: list[float | None] = []
    for v in values:
        if not math.isfinite(v):
            lows.append(None)
            highs.append(None)
            continue
        low, high = binomial_interval(round(min(max(v, 0.0), 1.0) * n), n)
        lows.append(round(low, 4))
        highs.append(round(high, 4))
    return lows, highs


def _realistic(needed: int, n: int, n_train: int | None) -> bool:
    """Whether "enlarge the validation set to ``needed`` rows" is advice a person can follow."""
    return needed <= _REALISTIC_GROWTH * n and (n_train is None or needed <= n_train)


def _size_advice(
    metric: str,
    n: int,
    detectable: float,
    needed: int | None,
    target: float,
    *,
    n_train: int | None,
    points: bool,
    movement: tuple[float, int] | None,
) -> str:
    """The first fix: enlarge the set when that is possible, else what this set can and cannot show."""

    def amount(value: float) -> str:
        return f"{100 * value:.2g} points" if points else f"{value:.3g}"

    if needed is not None and _realistic(needed, n, n_train):
        return (
            f"Enlarge the validation set to about {needed:,} rows to detect a change of {target:.3g} in "
            f"{metric} (it detects {detectable:.3g} with {n:,} rows)."
        )
    one = "1-point changes" if points else "changes of 1%"
    if needed is None:
        would_need = "those would need more rows than any validation set holds"
    else:
        beyond = f"{needed / n:,.0f}x this set" + (
            ", more than the training set" if n_train and needed > n_train else ""
        )
        would_need = f"those would need about {needed:,} rows, {beyond}"
    text = (
        f"Enlarging the validation set is not a realistic fix: with {n:,} rows it can show changes in {metric} of "
        f"{amount(detectable)} or more, not {one} ({would_need})."
    )
    if movement is not None:
        moved, epochs = movement
        verdict = (
            "too little for this set to tell whether training still helps"
            if moved < detectable
            else "enough for this set to see"
        )
        text += f" The last {epochs} epochs moved it by {amount(moved)}: {verdict}."
    return text + " Judge the run on validation log loss or by cross-validation instead (below)."


@register(
    name=CHECK_NAME,
    cause="small_validation_set",
    requires=("val_size",),
    description="Sampling noise of the validation metric against the changes it must detect.",
)
def small_validation_set_noise(evidence: Evidence) -> list[Finding]:
    """Sampling noise of the validation metric against the changes it must detect."""
    evidence = validation_sample(evidence, VALIDATION_PASS_ROWS)  # val_size stays the real size
    assert evidence.val_size is not None
    y = evidence.y_val
    n = evidence.val_size
    history = evidence.history
    curve = None if history is None else val_metric_curve(evidence, history)
    metric = curve[0] if curve is not None else evidence.metric
    info = info_of(evidence, metric)
    if y is not None and len(np.unique(y)) < 2:
        raise SkipCheck(
            f"y_val holds a single class ({evidence.classes[int(y[0])]!s:.40}): {metric} measured on one class "
            "cannot be judged, whatever the number of rows; validate on rows of every class"
        )

    if y is not None and evidence.val_probs is not None and info.scorer is not None:
        value = compute_metric(metric, y, evidence.val_probs)
        source = "val_probs"
    elif curve is not None:
        finite = curve[1][np.isfinite(curve[1])]
        value = float(finite[-1])
        source = f"history val_{metric}"
    else:
        raise SkipCheck(f"needs val_probs or a val_{metric} series in the history to measure the metric")

    if metric in SHARE_OF_ROWS_METRICS:
        low, high = binomial_interval(round(min(max(value, 0.0), 1.0) * n), n)
        method = "exact binomial (Clopper-Pearson)"
    elif y is not None and evidence.val_probs is not None and info.scorer is not None:
        low, high = percentile_interval(metric_replicates(metric, y, evidence.val_probs))
        method = "bootstrap over validation rows"
    elif info.bounded:
        half = Z95 * math.sqrt(max(value * (1 - value), 1.0 / n) / n)
        low, high = value - half, value + half
        method = "normal approximation (pass val_probs for a bootstrap)"
    else:
        raise SkipCheck(f"{metric} is unbounded: pass val_probs so its noise can be bootstrapped")
    sd = sd_from_interval(low, high)
    if not math.isfinite(sd):
        raise SkipCheck("the bootstrap could not evaluate the metric on resampled validation rows")
    proportion = metric in SHARE_OF_ROWS_METRICS or method.startswith("normal")
    detectable = _detectable_proportion_change(value, n) if proportion else _POWER_FACTOR * sd
    scale = 1.0 if info.bounded else max(abs(value), 1e-12)

    support = None if y is None else np.bincount(y, minlength=evidence.n_classes)
    weakest = None if support is None else int(np.argmin(support))

    room = _room_to_ceiling(low, high, bounded=info.bounded, greater_is_better=info.greater_is_better)
    noise = noise_ratio(detectable, scale, bounded=info.bounded)
    hidden = noise_ratio(detectable if room is None else min(detectable, room), scale, bounded=info.bounded)
    loss_drop, loss_needed = _val_loss_drop(history)
    improvement_ratio = None if loss_drop is None or loss_needed is None else max(loss_drop, 0.0) / loss_needed
    seeing = showing = False

    band: MetricBand | None = None
    movement_text = ""
    movement = 0.0
    last_epochs: int | None = None
    inside: bool | None = None
    trend: float | None = None
    trend_needed: float | None = None
    if curve is not None:
        values = curve[1]
        window = values[-max(5, len(values) // 4) :]
        window = window[np.isfinite(window)]
        movement = float(window.max() - window.min()) if len(window) else 0.0
        inside = movement <= Z95 * math.sqrt(2.0) * sd
        last_epochs = len(window)
        seeing = not inside
        # a validation curve that rises beyond its own wobble is not stuck: the set shows the progress
        trend, trend_needed = _second_half_rise(values if info.greater_is_better else -values, _TARGET_CHANGE * scale)
        showing = trend > trend_needed
        movement_text = f" Over the last {len(window)} epochs it moved {movement:.4f}, " + (
            "inside that noise." if inside else "more than that noise."
        )
        band = _metric_band(metric, values, n, sd)

    target = _TARGET_CHANGE * scale
    needed_one_point = rows_needed(n, detectable, target)
    needed_movement = rows_needed(n, detectable, movement) if movement > 0 else None
    result = SamplingNoise(
        metric=metric,
        n_val=n,
        val_metric=round(value, 4),
        val_metric_low=round(low, 4),
        val_metric_high=round(high, 4),
        interval_method=method,
        metric_from=source,
        sampling_sd=round(sd, 5),
        smallest_detectable_change=round(detectable, 4),
        min_class_support=None if support is None or weakest is None else int(support[weakest]),
        min_support_class=None if weakest is None else str(evidence.classes[weakest]),
        classes_under_30_rows=None if support is None else int((support < _LOW_SUPPORT).sum()),
        last_epochs=last_epochs,
        movement_last_epochs=None if curve is None else round(movement, 4),
        movement_inside_noise=None if inside is None else "yes" if inside else "no",
        second_half_trend=None if trend is None else round(trend if info.greater_is_better else -trend, 4),
        second_half_rise_needed=None if trend_needed is None else round(trend_needed, 4),
        room_to_ceiling=None if room is None else round(room, 4),
        val_loss_drop_last_epochs=None if loss_drop is None else round(loss_drop, 5),
        val_loss_drop_needed=None if loss_needed is None else round(loss_needed, 5),
        val_size_for_1pt_change=needed_one_point,
        val_size_for_movement_seen=needed_movement,
        metric_band=band,
    )
    n_train = None if evidence.y_train is None else len(evidence.y_train)
    fixes = [
        _size_advice(
            metric,
            n,
            detectable,
            needed_one_point,
            target,
            n_train=n_train,
            points=info.bounded,
            movement=(movement, last_epochs) if last_epochs is not None else None,
        )
    ]
    if needed_movement is not None and n < needed_movement and _realistic(needed_movement, n, n_train):
        fixes.append(
            f"To tell whether the last epochs' movement ({movement:.3g}) is real, about {needed_movement:,} "
            "validation rows are needed."
        )
    if evidence.y_train is not None:
        total = n + len(evidence.y_train)
        folds = 5
        fixes.append(
            f"Use {folds}-fold cross-validation over all {total:,} labelled rows: every row is scored once, so "
            f"the noise shrinks by about {math.sqrt(total / n):.1f}x (smallest detectable change "
            f"≈{detectable * math.sqrt(n / total):.3g})."
        )
    else:
        fixes.append("Use (repeated) k-fold cross-validation over all labelled rows instead of one split.")
    if result.classes_under_30_rows:
        fixes.append(
            f"{result.classes_under_30_rows} class(es) have under {_LOW_SUPPORT} validation rows (fewest: class "
            f"{result.min_support_class} with {result.min_class_support}); stratify the split and report "
            "per-class intervals."
        )
    fixes.append("Track validation log loss as well: it is far less noisy than a thresholded metric.")

    summary = (
        f"With {n:,} validation rows, {metric} = {value:.4f} has a 95% interval of {low:.4f}–{high:.4f}; "
        f"the smallest change this set can detect is {detectable:.4f}.{movement_text}"
    )
    if loss_drop is not None and loss_needed is not None:
        moved = f"fell {loss_drop:.4g}" if loss_drop >= 0 else f"rose {-loss_drop:.4g}"
        summary += f" Validation loss {moved} over those epochs " + (
            "(more than its noise: an improvement exists)." if loss_drop > loss_needed else "(within its noise)."
        )
    score = strength_of_evidence(noise, hidden, improvement_ratio, seeing=seeing, showing=showing)
    if score < MIN_FINDING_SCORE:
        return []
    return [
        Finding(
            cause="small_validation_set",
            score=score,
            summary=summary,
            fixes=tuple(fixes),
            check=CHECK_NAME,
            result=result,
        )
    ]


def _room_to_ceiling(low: float, high: float, *, bounded: bool, greater_is_better: bool) -> float | None:
    """The most a metric in [0, 1] can still improve, by its interval: up to 1 from the lower bound
    (down to 0 from the upper bound when lower is better). None for an unbounded metric."""
    if not bounded:
        return None
    return max(1.0 - low, 0.0) if greater_is_better else max(high, 0.0)


def _second_half_rise(oriented: FloatArray, material: float) -> tuple[float, float]:
    """How far the metric (oriented: higher is better) rose over the second half, and the rise that
    counts as real.

    The rise is the bench's own stuck-or-improving statistic (:func:`gapdoctor.bench.scenario.check_symptom`):
    the mean of the last quarter minus the mean of the quarter before the midpoint (``q`` points each,
    at least 2). It counts when it exceeds both the 95% noise of a difference of two means of ``q``
    points of the curve's own epoch-to-epoch wobble (``Z95 * noise_sd * sqrt(2 / q)``) and ``material``.
    """
    values = oriented[np.isfinite(oriented)]
    quarter = max(2, len(values) // 4)
    needed = max(Z95 * noise_sd(values) * math.sqrt(2.0 / quarter), material)
    half = len(values) // 2
    if half < quarter:
        return 0.0, needed
    return float(values[-quarter:].mean() - values[half - quarter : half].mean()), needed


def _val_loss_drop(history: RunHistory | None) -> tuple[float | None, float | None]:
    """How far validation loss fell over the last epochs, and the drop that counts as real.

    The window is the one the metric's movement is judged on (the last quarter, at least
    5 points); the drop is taken on the smoothed curve. It counts when it exceeds both the
    95% noise of a difference of two points (``Z95 * sqrt(2) * noise_sd``) and
    :data:`_MATERIAL_LOSS_DROP` of the loss's level. ``(None, None)`` without a curve.
    """
    values = None if history is None else history.get("val_loss")
    if values is None or int(np.isfinite(values).sum()) < 6:
        return None, None
    values = values[np.isfinite(values)]
    smoothed = smooth(values)
    start = len(values) - max(5, len(values) // 4)
    level = abs(float(smoothed[start]))
    drop = float(smoothed[start] - smoothed[-1])
    needed = max(Z95 * math.sqrt(2.0) * noise_sd(values), _MATERIAL_LOSS_DROP * level, 1e-12)
    return drop, needed


def _metric_band(metric: str, values: FloatArray, n: int, sd: float) -> MetricBand:
    """The metric curve with its 95% band: exact binomial for accuracy-type metrics, else +-1.96 sd."""
    if metric in SHARE_OF_ROWS_METRICS:
        lows, highs = _binomial_band(values, n)
    else:
        lows = [None if not math.isfinite(v) else round(v - Z95 * sd, 4) for v in values]
        highs = [None if not math.isfinite(v) else round(v + Z95 * sd, 4) for v in values]
    return {
        "epochs": list(range(1, len(values) + 1)),
        "values": [None if not math.isfinite(v) else round(float(v), 4) for v in values],
        "low": lows,
        "high": highs,
        "metric": metric,
    }
