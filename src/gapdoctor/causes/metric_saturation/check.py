"""Metric saturation, read from the training curves.

The story: the validation metric is at (or within a few errors of) its ceiling, so the
loss keeps improving the model's confidence in ways a thresholded metric cannot show.
The strength of evidence is how little headroom is left: 2% headroom on a bounded
metric is the reporting point, 0.5% is strong. It also needs the metric to be flat
over the second half of the run while the loss still falls: the validation loss when
it is logged (a training loss falling under a rising validation loss is memorisation,
not gains the metric hides), unless validation rows look like label errors, which
both cap the metric and make the validation loss rise; else the training loss.

The ceiling is not always 1: with validation probabilities, validation rows the model
contradicts with near certainty (probability of the given label at most 0.05, of
another class at least 0.9) look like label errors, and ``1 - their share`` is the
accuracy a correct model can reach on these labels. The headroom is then measured to
that ceiling (accuracy and error only). Suspects piled up in one class (a subgroup
failure), each class's suspects sent to one other class (a label-mapping bug), or a
third of the rows or more are not label noise and do not lower the ceiling. Nor are
suspects the model is less sure of than of the rows it gets right (their confidence's mean
percentile among the rows right with the same confidence gate, one-sided p below
:data:`~gapdoctor.causes.metric_saturation.score.LABEL_ERRORS_REJECTED_BELOW`): a label
error is an ordinary row of another class, an overconfident model's own error a boundary row
(on the calibration corpus, 14 of 15 saturation findings resting on such suspects were wrong).

With the validation size known, the headroom (accuracy and error) is the posterior mean of
the error rate left, from the errors the level stands for and a uniform prior (Laplace's rule
of succession, ``(errors + 1) / (n + 2)``), with its exact (Clopper-Pearson) interval: on a
tiny validation set a perfect score is not yet evidence of a ceiling (0 of 48 rows is the
reporting point), on a large one the headroom is what was measured.

The metric follows the loss (no finding: high, but not at its ceiling) when the second half
closed at least half as large a share of the errors left at mid-run as the loss fell; with the
validation rows known, only when that gain is at least :data:`_FEWEST_ROWS_GAINED` rows: one row
of hundreds closing "all the errors left" is churn, not a metric following the loss.

The fixes name the measures that can still show progress — validation log loss and
expected calibration error — with their current values, and whether the validation
log loss still improved while the metric stayed flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from gapdoctor.causes.curves import history_of, info_of, val_metric_curve
from gapdoctor.causes.metric_mismatch.check import reliability
from gapdoctor.causes.metric_saturation.gain import ceiling_gain
from gapdoctor.causes.metric_saturation.loss_noise import others_rose, val_loss_flat
from gapdoctor.causes.metric_saturation.result import Saturation
from gapdoctor.causes.metric_saturation.rows import rows_gained, rows_wrong
from gapdoctor.causes.metric_saturation.score import LABEL_ERRORS_REJECTED_BELOW, score
from gapdoctor.causes.metric_saturation.suspects import SUSPECT_OTHER_AT_LEAST, suspect_rows
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.causes.wording import count_of, p_text
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import noise_sd, smooth
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample
from gapdoctor.stats.curves import relative_fall
from gapdoctor.stats.metrics import compute_metric

_CONCENTRATED_SHARE = 0.5
_MIN_SUSPECTS_FOR_CONCENTRATION = 5
_ONE_TARGET_SHARE = 0.8  # share of suspects sent to their class's single most common target
_MAX_NOISE_RATE = 1.0 / 3.0
# Saturation means that loss gains no longer show in the metric. When the errors left at
# mid-run fell over the second half by at least this share of the loss's own relative
# fall, the loss gains do show in the metric: it is high, but not stuck at its ceiling.
_TRACKS_LOSS = 0.5
_FEWEST_ROWS_GAINED = 5
"""With the validation rows known, a second-half gain the metric makes on fewer validation rows
than this does not show that it follows the loss, however much of the headroom it closes (one row
of 535 "closed" the last error of a run at 100%). Rows are churned between evaluations in both
directions; a fall of d errors with none the other way is, by McNemar's exact test, at best
p = 2^-d: 5 rows is the first fall below 5% (4 rows: 6.25%). Real logs, without validation rows,
keep the rule on the metric's own scale."""


def _headroom_estimate(headroom: float, n_val: int) -> tuple[float, float, float]:
    """The headroom on ``n_val`` rows with its 95% interval: Laplace's estimate and the exact bounds.

    ``headroom * n_val`` errors (fractional: the level is a mean over the last points) of
    ``n_val`` rows give ``(errors + 1) / (n_val + 2)``, the posterior mean of the error rate
    under a uniform prior: 60 correct out of 60 is 1/62, not 0 (the true accuracy may be
    0.94); with 1500 rows it is the measured headroom.

    Examples
    --------
    >>> [round(v, 4) for v in _headroom_estimate(0.0, 60)]
    [0.0161, 0.0, 0.0596]
    """
    errors = headroom * n_val
    low, high = binomial_interval(n_val - round(errors), n_val)
    return (errors + 1.0) / (n_val + 2.0), 1.0 - high, 1.0 - low


@dataclass(frozen=True)
class LabelNoiseCeiling:
    """Validation rows that look like label errors, and the accuracy ceiling they imply.

    Parameters
    ----------
    suspected_errors : int
        Validation rows the model contradicts with near certainty.
    error_rate : float
        Their share of the validation rows (rounded to 4 decimals, as reported).
    accuracy_ceiling : float
        ``1 - error_rate``: the accuracy a correct model can reach on these labels.
    confidence_rank : float or None
        Mean percentile of the suspects' confidence among the rows the model gets right
        with the same confidence gate (1/2 for label errors); None without suspects.
    rank_p_value : float or None
        One-sided p-value of that mean under label errors (uniform percentiles).
    """

    suspected_errors: int
    error_rate: float
    accuracy_ceiling: float
    confidence_rank: float | None = None
    rank_p_value: float | None = None

    @property
    def credible(self) -> bool:
        """Whether the suspects read as label errors: none, or ranked as sure as the right rows."""
        return self.suspected_errors == 0 or (
            self.rank_p_value is not None and self.rank_p_value >= LABEL_ERRORS_REJECTED_BELOW
        )


def _confidence_rank(probs: np.ndarray, right: np.ndarray, suspects: np.ndarray) -> tuple[float, float | None] | None:
    """Mean percentile of the suspects' confidence among the ``right`` rows, and its one-sided p-value.

    Confidence is the log-odds of the top class against the others' total, computed from
    that total (precise where probabilities round to 1). Ties count half. Under label errors
    a suspect is a draw from the right rows, so its percentile is distributed as theirs among
    themselves: mean 1/2, and the variance those percentiles have (1/12 without ties, less
    where rows tie, as at probabilities saturated to exactly 0 and 1); the mean of ``k`` has
    that variance over ``k`` (normal approximation). Without that spread (every right row as
    sure as the others) the ranks cannot tell label errors from the model's own: the p-value
    is None unless the suspects rank below them all. None without right rows to rank against.
    """
    if not right.any():
        return None
    confidence = -np.log(np.clip(np.sort(probs, axis=1)[:, :-1].sum(axis=1), 1e-300, None))
    pool = np.sort(confidence[right])

    def percentile(at: np.ndarray) -> np.ndarray:
        return (np.searchsorted(pool, at, side="left") + np.searchsorted(pool, at, side="right")) / (2 * len(pool))

    mean = float(percentile(confidence[suspects]).mean())
    spread = float(np.var(percentile(pool)))
    if spread <= 0.0:
        return mean, (0.0 if mean < 0.5 else None)
    return mean, float(norm.cdf((mean - 0.5) / np.sqrt(spread / int(suspects.sum()))))


def label_noise_ceiling(evidence: Evidence) -> LabelNoiseCeiling | None:
    """Estimated validation label errors and the accuracy ceiling they imply, or None.

    Returns None without validation probabilities, or when the contradicted rows do not
    look like label noise: piled up in one class (a class the model does not learn),
    each class sent to one other class (a label-mapping bug), or a third of the rows
    or more.
    """
    evidence = validation_sample(evidence, VALIDATION_PASS_ROWS)
    y, probs = evidence.y_val, evidence.val_probs
    if y is None or probs is None:
        return None
    suspects = suspect_rows(y, probs)
    n_suspects = int(suspects.sum())
    if n_suspects / len(y) >= _MAX_NOISE_RATE:
        return None
    if n_suspects >= _MIN_SUSPECTS_FOR_CONCENTRATION:
        k = evidence.n_classes
        per_class = np.bincount(y[suspects], minlength=k) / n_suspects
        prevalence = np.bincount(y, minlength=k) / len(y)
        top = int(np.argmax(per_class))
        if per_class[top] > max(_CONCENTRATED_SHARE, 2 * prevalence[top]):
            return None
        pairs = np.bincount(y[suspects] * k + np.argmax(probs[suspects], axis=1), minlength=k * k).reshape(k, k)
        if k >= 3 and pairs.max(axis=1).sum() / n_suspects > _ONE_TARGET_SHARE:
            return None
    rank = None
    if n_suspects:
        gate = (np.argmax(probs, axis=1) == y) & (probs.max(axis=1) >= SUSPECT_OTHER_AT_LEAST)
        rank = _confidence_rank(probs, gate, suspects)
    return LabelNoiseCeiling(
        n_suspects,
        round(n_suspects / len(y), 4),
        round(1.0 - n_suspects / len(y), 4),
        None if rank is None else round(rank[0], 4),
        None if rank is None or rank[1] is None else round(rank[1], 4),
    )


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
    info = info_of(evidence, name)
    if not info.bounded:
        raise SkipCheck(f"{name} has no ceiling (unbounded metric)")

    n = history.n_epochs
    ms = smooth(values)
    half = n // 2
    observed = values[np.isfinite(values)]  # at least one: history.get() drops all-missing series
    level = float(np.mean(observed[-max(3, len(observed) // 5) :]))
    headroom = 1.0 - level if info.greater_is_better else level
    headroom = max(headroom, 0.0)
    headroom_low: float | None = None
    headroom_high: float | None = None
    ceiling = label_noise_ceiling(evidence) if name in ("accuracy", "error") else None
    # Suspects cap the metric only when they read as label errors, not as the model's overconfident errors.
    labels_cap = ceiling is not None and ceiling.suspected_errors > 0 and ceiling.credible
    rest_rose = labels_cap and others_rose(history.get("val_loss"), evidence)
    if ceiling is not None and ceiling.credible:
        headroom = max(headroom - ceiling.error_rate, 0.0)
    measured = headroom  # the rows left wrong are counted before Laplace's estimate (0 of 57 is not 1 of 57)
    if evidence.val_size is not None and name in ("accuracy", "error"):
        headroom, headroom_low, headroom_high = _headroom_estimate(headroom, evidence.val_size)
    second_half_gain = float(ms[-1] - ms[half]) * (1 if info.greater_is_better else -1)
    noise = noise_sd(values)
    train_drop_frac = _second_half_drop(train)
    val_loss = history.get("val_loss")
    # The loss whose gains the metric would show if it could: the validation loss when logged.
    loss_drop = _second_half_drop(val_loss) if val_loss is not None else train_drop_frac
    # share of the errors left at mid-run that the second half removed
    closed = max(second_half_gain, 0.0) / max(headroom + second_half_gain, 1e-12)
    rows = rows_gained(evidence, name, second_half_gain)
    tracks_loss = (
        second_half_gain > 0
        and loss_drop > 0
        and closed >= _TRACKS_LOSS * loss_drop
        and (rows is None or rows >= _FEWEST_ROWS_GAINED)
    )
    # nor is a gain of fewer rows than that movement: the metric is as flat as its rows can tell (McNemar)
    flat = second_half_gain <= max(2 * noise, 0.25 * max(headroom, 1e-4), 1e-3) or (
        rows is not None and rows < _FEWEST_ROWS_GAINED
    )

    if tracks_loss:
        return []  # the loss gains show in the metric: high, but not at its ceiling
    # The gains the metric hides are the validation loss's when it is logged: a training loss falling
    # under a rising validation loss is memorisation, which a saturated metric does not explain.
    # Unless validation rows look like label errors: they cap the metric and, as the model grows sure
    # of the right class, make the validation loss rise; the training loss's fall is then the measure.
    # So it is when the validation loss stays within its sampling band (flat: neither fell nor rose).
    # The suspects explain the rise only when the other rows carry none of it beyond its noise (``others_rose``).
    loss_flat = val_loss is not None and val_loss_flat(val_loss, evidence)
    read_val_loss = val_loss is not None and (not labels_cap or rest_rose) and not loss_flat
    hidden_gain = loss_drop if read_val_loss else train_drop_frac
    strength_of_evidence = score(headroom, flat=flat, loss_drop=hidden_gain)
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []
    told = []
    remaining = rows_wrong(evidence, name, measured)
    if remaining is not None and evidence.y_val is not None:
        beyond = " besides the suspected label errors" if ceiling is not None and ceiling.credible else ""
        told.append(f"{remaining} of {len(evidence.y_val)} validation rows wrong{beyond}")
    if headroom_low is not None and headroom_high is not None:
        told.append(f"95% interval {100 * headroom_low:.1f}-{100 * headroom_high:.1f}%")
    errors_left = f" ({'; '.join(told)})" if told else ""
    ceiling_text = ""
    if ceiling is not None and ceiling.suspected_errors:
        suspects = count_of(ceiling.suspected_errors, "validation row")
        are, look = ("is", "looks") if ceiling.suspected_errors == 1 else ("are", "look")
        if ceiling.credible:
            attainable = (
                f"so the attainable {name} is about {1 - ceiling.error_rate:.4f}"
                if info.greater_is_better
                else f"(floor about {ceiling.error_rate:.4f})"
            )
            ceiling_text = f" {suspects} {look} like label errors{',' if info.greater_is_better else ''} {attainable}."
        elif ceiling.rank_p_value is not None:
            ceiling_text = (
                f" {suspects} {are} contradicted with near certainty, but less surely than the rows the model gets "
                f"right (mean percentile {ceiling.confidence_rank}, {p_text(ceiling.rank_p_value)}): overconfident "
                "errors, not label errors."
            )
        else:
            why = (
                "the model gets no row right"
                if ceiling.confidence_rank is None
                else "the model is equally sure of every row it gets right (probabilities saturated): no spread"
            )
            ceiling_text = (
                f" {suspects} {are} contradicted with near certainty; {why} to tell label errors from its own."
            )
    # Laplace's estimate is not the gap the level shows (1.0000 on 48 rows is 2.0% away): say it is one
    estimated = "an estimated " if headroom_low is not None else ""
    # the loss whose gains the score reads is the one named
    moved = f"fell {100 * hidden_gain:.0f}%" if hidden_gain > 0 else f"did not fall (it rose {-100 * hidden_gain:.0f}%)"
    # a metric that did move, by less than its rows or noise can tell, is not said to have stood still
    metric_moved = "without moving it" if second_half_gain <= 0 else f"while it gained only {second_half_gain:.4f}"
    summary = (
        f"Validation {name} sits at {level:.4f}, {estimated}{100 * headroom:.1f}% from its ceiling{errors_left}; the "
        f"{'validation' if read_val_loss else 'training'} loss {moved} over the second half {metric_moved}."
        f"{ceiling_text}"
    )
    calibration = _calibration(evidence)
    val_loss_change = _second_half_change(val_loss)
    result = Saturation(
        metric=name,
        val_metric_final=round(level, 4),
        headroom=round(headroom, 4),
        headroom_low=None if headroom_low is None else round(headroom_low, 4),
        headroom_high=None if headroom_high is None else round(headroom_high, 4),
        second_half_gain=round(second_half_gain, 4),
        train_loss_drop_second_half_pct=round(100 * train_drop_frac, 1),
        val_errors_left=remaining,
        val_suspected_label_errors=None if ceiling is None else ceiling.suspected_errors,
        val_label_error_rate_est=None if ceiling is None or not ceiling.credible else ceiling.error_rate,
        accuracy_ceiling_est=None if ceiling is None or not ceiling.credible else ceiling.accuracy_ceiling,
        val_log_loss=None if calibration is None else round(calibration[0], 4),
        val_expected_calibration_error=None if calibration is None else round(calibration[1], 4),
        val_loss_change_second_half_pct=None if val_loss_change is None else round(100 * val_loss_change, 1),
        val_suspect_confidence_rank=None if ceiling is None else ceiling.confidence_rank,
        val_suspect_rank_p_value=None if ceiling is None else ceiling.rank_p_value,
    )
    return [
        Finding(
            cause="metric_saturation",
            score=strength_of_evidence,
            summary=summary,
            fixes=_fixes(calibration, val_loss_change, ceiling),
            check="metric_saturation.curves",
            result=result,
            gain=ceiling_gain(result),
        )
    ]


def _second_half_drop(loss: np.ndarray) -> float:
    """Relative fall of a (smoothed) loss from mid-run to the end; negative when it rose."""
    smoothed = smooth(loss)
    return relative_fall(smoothed[len(smoothed) // 2], smoothed[-1])


def _calibration(evidence: Evidence) -> tuple[float, float] | None:
    """Validation log loss and expected calibration error, with validation probabilities."""
    if evidence.y_val is None or evidence.val_probs is None:
        return None
    ece, _ = reliability(evidence.y_val, evidence.val_probs)
    return compute_metric("log_loss", evidence.y_val, evidence.val_probs), ece


def _second_half_change(val_loss: np.ndarray | None) -> float | None:
    """Relative change of the (smoothed) validation loss over the second half, with 4 points or more."""
    if val_loss is None or len(val_loss) < 4:
        return None
    return 0.0 - _second_half_drop(val_loss)  # a rise is positive (and no change is 0.0, never -0.0)


def _fixes(
    calibration: tuple[float, float] | None, val_loss_change: float | None, ceiling: LabelNoiseCeiling | None
) -> tuple[str, ...]:
    """Name the measures that can still show progress, with their current values."""
    parts = []
    if calibration is not None:
        parts.append(f"now {calibration[0]:.4f} and {calibration[1]:.4f}")
    if val_loss_change is not None:
        parts.append(
            f"validation log loss {'fell' if val_loss_change < 0 else 'rose'} {abs(100 * val_loss_change):.0f}% "
            "over the second half"
        )
    detail = f" ({'; '.join(parts)})" if parts else ""
    first = f"Track validation log loss and expected calibration error to see the remaining progress{detail}."
    defaults = cause_info("metric_saturation").fixes
    if ceiling is not None and ceiling.suspected_errors and ceiling.credible:
        second = (
            f"Review the {ceiling.suspected_errors} validation rows the model contradicts with "
            "near certainty: they look like label errors and cap the metric."
        )
        return (first, second, *defaults[2:])
    return (first, *defaults[1:])
