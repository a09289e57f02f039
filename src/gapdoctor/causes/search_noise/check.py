"""Search noise: a hyper-parameter search that ranks trials by differences below the noise.

These checks read the trials of a search (:class:`~gapdoctor.inputs.trials.SearchTrials`,
validated by :func:`~gapdoctor.inputs.trials.search_trials`), not one run's
:class:`~gapdoctor.inputs.evidence.Evidence`: they are registered with
``reads=SearchTrials`` and :func:`gapdoctor.diagnose_search` runs them. Three pictures,
each its own finding:

* **ties** — configurations whose validation value is within the noise of the best
  one: the difference between two values measured on ``n`` rows must exceed
  ``1.96 * sqrt(2) * sd`` to mean anything. The noise ``sd`` is binomial,
  ``sqrt(v (1 - v) / n)``, for metrics bounded in [0, 1] (a lower bound for F1 and
  AUC, whose noise is larger), and the spread of repeated trials of the same
  configuration when there are any (the larger of the two is used). Three
  configurations indistinguishable from the best is the reporting point, scaled down
  when the noise margin itself is under one point (then the tied configurations are
  practically equal and the choice among them costs little).
* **ranked by training loss** — the trial values are the final (or best) training loss
  of each trial's history: the search optimised fit, not generalisation.
* **overfitted best** — the best trials are those with the largest train/validation gap
  (Spearman correlation of value and gap): their edge may be validation luck.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.search_noise.result import OverfittedBest, RankedByTrainingLoss, TiesWithinNoise
from gapdoctor.causes.search_noise.score import (
    MARGIN_THAT_MATTERS,
    RANKED_BY_TRAINING_LOSS,
    overfitted_best_score,
    ties_score,
)
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.trials import SearchTrials, Trial
from gapdoctor.stats.metrics import METRICS
from gapdoctor.stats.resampling import Z95, rows_needed

__all__ = ["overfitted_best", "ranked_by_training_loss", "ties_within_noise"]

_POWER = Z95 + 0.841621  # 5% two-sided test, 80% power
_MIN_TRIALS_FOR_CORRELATION = 5
_MATCH_SHARE = 0.8


@dataclass(frozen=True)
class _Config:
    key: str
    params: Mapping[str, Any]
    value: float  # mean over repeats, oriented so that higher is better
    repeats: int
    val_size: int | None
    trial_numbers: tuple[int, ...]


def _configs(search: SearchTrials) -> list[_Config]:
    sign = 1.0 if search.greater_is_better else -1.0
    grouped: dict[str, list[Trial]] = {}
    for t in search.trials:
        grouped.setdefault(t.config_key, []).append(t)
    out = []
    for key, group in grouped.items():
        sizes = [t.val_size for t in group if t.val_size is not None]
        out.append(
            _Config(
                key=key,
                params=group[0].params,
                value=sign * float(np.mean([t.value for t in group])),
                repeats=len(group),
                val_size=min(sizes) if sizes else None,
                trial_numbers=tuple(t.number for t in group),
            )
        )
    return sorted(out, key=lambda c: -c.value)


def _repeat_sd(search: SearchTrials) -> float | None:
    """Pooled standard deviation of the values of repeated configurations."""
    grouped: dict[str, list[float]] = {}
    for t in search.trials:
        grouped.setdefault(t.config_key, []).append(t.value)
    repeated = [np.asarray(v) for v in grouped.values() if len(v) > 1]
    dof = sum(len(v) - 1 for v in repeated)
    if dof == 0:
        return None
    return float(math.sqrt(sum(float(((v - v.mean()) ** 2).sum()) for v in repeated) / dof))


def _value_sd(search: SearchTrials, value: float, val_size: int | None, repeat_sd: float | None) -> float | None:
    info = METRICS[search.metric]
    binomial = None
    if info.bounded and val_size and 0.0 <= value <= 1.0:
        binomial = math.sqrt(max(value * (1 - value), 1.0 / val_size) / val_size)
    candidates = [s for s in (binomial, repeat_sd) if s is not None]
    return max(candidates) if candidates else None


@register(name="search_noise.ties", cause="search_noise", reads=SearchTrials)
def ties_within_noise(search: SearchTrials) -> list[Finding]:
    """Configurations whose validation value is within the noise of the best one."""
    configs = _configs(search)
    if len(configs) < 2:
        raise SkipCheck("fewer than two distinct configurations were tried")
    best = configs[0]
    sign = 1.0 if search.greater_is_better else -1.0
    repeat_sd = _repeat_sd(search)
    sd = _value_sd(search, sign * best.value, best.val_size, repeat_sd)
    if sd is None:
        raise SkipCheck(
            f"no noise estimate: give each trial's val_size (for a metric bounded in [0, 1]) or repeat "
            f"configurations; {search.metric} is unbounded"
            if not METRICS[search.metric].bounded
            else "no noise estimate: give each trial's val_size (or the val_size argument)"
        )
    diff_sd = math.sqrt(2.0) * sd
    margin = Z95 * diff_sd
    tied = [c for c in configs[1:] if best.value - c.value < margin]
    runner_up_gap = best.value - configs[1].value
    detectable = _POWER * diff_sd
    n = best.val_size
    # ties inside a margin under one point cost little: the tied configurations are then equally good
    matters = MARGIN_THAT_MATTERS * (1.0 if METRICS[search.metric].bounded else max(abs(best.value), 1e-12))
    score = ties_score(len(tied), margin, matters)
    if score < MIN_FINDING_SCORE:
        return []
    fixes = []
    needed_point: int | None = None
    needed: int | None = None
    if n:
        needed_point = rows_needed(n, detectable, 0.01)
        separate = "the top two are exactly tied"
        needed = rows_needed(n, detectable, runner_up_gap) if runner_up_gap * n >= 1.0 else None  # a row apart
        if needed is not None:
            separate = f"{needed:,} would separate the top two (gap {runner_up_gap:.4f})"
        enlarge = f"; {separate}"
        if needed_point is not None:
            enlarge = (
                f", or enlarge the validation set: about {needed_point:,} rows detect a 1-point difference "
                f"and {separate}"
            )
        fixes.append(
            f"Score trials by k-fold cross-validation over all labelled rows (5 folds score 5x the rows of a "
            f"1/5 split: the noise falls by about {math.sqrt(5):.1f}x){enlarge}; now {n:,}."
        )
    else:
        fixes.append(cause_info("search_noise").fixes[0])
    tied_total = len(tied) + 1
    fixes.append(
        f"Re-evaluate the {'top 10' if tied_total > 10 else str(tied_total)} of the {tied_total} tied configurations "
        "with several seeds / folds and pick by the mean; prefer the simplest among those still tied."
    )
    fixes.append(
        "Treat the best trial's value as optimistic (the winner of many noisy comparisons): confirm it on "
        "held-out data before reporting it."
    )
    summary = (
        f"{len(tied)} of {len(configs) - 1} other configurations are within the validation noise of the best "
        f"({search.metric} {sign * best.value:.4f}; a difference under {margin:.4f} means nothing"
        + (f" on {n:,} rows" if n else "")
        + "): the search's choice among them is a coin toss."
    )
    return [
        Finding(
            cause="search_noise",
            score=score,
            summary=summary,
            fixes=tuple(fixes),
            check=TiesWithinNoise.CHECK,
            result=TiesWithinNoise(
                metric=search.metric,
                n_trials=len(search.trials),
                n_configurations=len(configs),
                best_value=round(sign * best.value, 4),
                best_params=best.key,
                value_sd=round(sd, 5),
                noise_source="binomial from val_size"
                + (" and repeated configurations" if repeat_sd is not None else ""),
                difference_needed_95=round(margin, 4),
                smallest_detectable_difference=round(detectable, 4),
                configurations_tied_with_best=len(tied),
                runner_up_gap=round(runner_up_gap, 4),
                val_size=n or None,
                val_size_to_separate_top_two=needed,
                val_size_for_1pt_difference=needed_point,
                trials=[
                    {"trial": c.trial_numbers[0], "value": round(sign * c.value, 5), "tied": c in tied or c is best}
                    for c in configs[:50]
                ],
            ),
        )
    ]


@register(name="search_noise.training_loss_ranking", cause="search_noise", reads=SearchTrials)
def ranked_by_training_loss(search: SearchTrials) -> list[Finding]:
    """Trial values that are the training loss of each trial's history."""
    with_loss = [t for t in search.trials if t.history is not None and t.history.get("train_loss") is not None]
    if not with_loss:
        raise SkipCheck("no trial history with a train_loss series")
    matches = 0
    for t in with_loss:
        assert t.history is not None
        loss = t.history.get("train_loss")
        assert loss is not None
        finite = loss[np.isfinite(loss)]
        candidates = (float(finite[-1]), float(finite.min()))
        matches += any(math.isclose(t.value, c, rel_tol=1e-6, abs_tol=1e-9) for c in candidates)
    share = matches / len(with_loss)
    if share < _MATCH_SHARE:
        return []
    return [
        Finding(
            cause="search_noise",
            score=RANKED_BY_TRAINING_LOSS,
            summary=(
                f"The search ranked trials by training loss: {matches} of {len(with_loss)} trial values equal the "
                "trial's own training loss. It picked the configuration that fits the training rows best."
            ),
            result=RankedByTrainingLoss(trials_with_history=len(with_loss), values_equal_to_train_loss=matches),
            fixes=(
                "Return the validation metric (or the cross-validated one) from the objective, never the training "
                "loss.",
                *cause_info("search_noise").fixes[:2],
            ),
            check=RankedByTrainingLoss.CHECK,
        )
    ]


def _final_gap(history: RunHistory, metric: str) -> float | None:
    train, val = history.get("train_loss"), history.get("val_loss")
    if train is not None and val is not None:
        return float(val[np.isfinite(val)][-1] - train[np.isfinite(train)][-1])
    train_m, val_m = history.get(f"train_{metric}"), history.get(f"val_{metric}")
    if train_m is not None and val_m is not None:
        gap = float(train_m[np.isfinite(train_m)][-1] - val_m[np.isfinite(val_m)][-1])
        return gap if METRICS[metric].greater_is_better else -gap
    return None


@register(name="search_noise.overfitted_best", cause="search_noise", reads=SearchTrials)
def overfitted_best(search: SearchTrials) -> list[Finding]:
    """The best trials are those with the largest train/validation gap."""
    sign = 1.0 if search.greater_is_better else -1.0
    pairs = []
    for t in search.trials:
        gap = None if t.history is None else _final_gap(t.history, search.metric)
        if gap is not None:
            pairs.append((sign * t.value, gap, t.number))
    if len(pairs) < _MIN_TRIALS_FOR_CORRELATION:
        raise SkipCheck(
            f"needs train and validation curves (train_loss and val_loss) for at least "
            f"{_MIN_TRIALS_FOR_CORRELATION} trials"
        )
    values = np.array([p[0] for p in pairs])
    gaps = np.array([p[1] for p in pairs])
    if np.ptp(values) == 0 or np.ptp(gaps) == 0:
        return []
    rho, p_value = sps.spearmanr(values, gaps)
    rho = float(rho)
    if not math.isfinite(rho) or rho <= 0:
        return []
    score = overfitted_best_score(rho, float(p_value))
    if score < MIN_FINDING_SCORE:
        return []
    best = int(np.argmax(values))
    gap_rank = int((gaps > gaps[best]).sum()) + 1
    return [
        Finding(
            cause="search_noise",
            score=score,
            summary=(
                f"The better a trial scored, the more it overfitted (Spearman {rho:.2f} between value and final "
                f"train/validation gap, p={p_value:.3g}); the best trial has the #{gap_rank} largest gap of "
                f"{len(pairs)}."
            ),
            result=OverfittedBest(
                spearman_value_vs_gap=round(rho, 4),
                p_value=float(f"{p_value:.3g}"),
                trials_with_curves=len(pairs),
                best_trial=pairs[best][2],
                best_trial_gap=round(float(gaps[best]), 4),
                best_trial_gap_rank=gap_rank,
            ),
            fixes=(
                "Confirm the top trials by cross-validation before trusting them: a large train/validation gap "
                "plus a small validation set is how a lucky split wins a search.",
                "Add early stopping or regularisation to the search space, and log both curves per trial.",
            ),
            check=OverfittedBest.CHECK,
        )
    ]
