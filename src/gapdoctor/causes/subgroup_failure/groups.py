"""A group given by the user against the rest: its validation entry and its odds of an error, pooled over splits.

Why a group's training rows count: on a small validation set a group has a handful of rows
(wine's 30% validation split holds 3-11 rows of a 10% group), too few for any interval, while
its out-of-sample training rows are as honest a measure of the model's errors on it and
double or triple the rows. Each split is its own stratum, so a split harder for everyone does
not pass for a gap between the groups. This is what tells a population left behind from
overfitting that hurts everywhere: overfitting raises the error of every group, and the odds
ratio stays near 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gapdoctor.causes.subgroup_failure.rates import ErrorRatio, OddsRatio, Stratum, error_ratio, pooled_odds_ratio
from gapdoctor.causes.subgroup_failure.result import GroupRate
from gapdoctor.causes.subgroup_failure.score import odds_ratio_ratio
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, sample_rows

__all__ = ["MIN_ROWS", "Lag", "entry", "lagging_groups"]

MIN_ROWS = 10
"""Fewer rows (a group: its validation and out-of-sample training rows together): too few for any interval."""


def entry(name: str, kind: str, hits: int, n: int, metric: str) -> GroupRate:
    """One class, group or slice: its rate with the exact 95% interval."""
    low, high = binomial_interval(hits, n)
    value = hits / n if n else float("nan")
    return {
        "group": name,
        "kind": kind,
        "n": n,
        "value": round(value, 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "metric": metric,
    }


class Lag(NamedTuple):
    """An entry that lags the others: its strength of evidence, the others' level, its error ratio (group, slice)
    and its pooled odds ratio with the rows it counted (group)."""

    strength: float
    entry: GroupRate
    others: float
    ratio: ErrorRatio | None = None
    odds: OddsRatio | None = None
    odds_rows: tuple[int, int] | None = None


def _training_errors(evidence: Evidence) -> tuple[np.ndarray, np.ndarray] | None:
    """Each training row's group and whether the out-of-sample ``train_probs`` miss it (None without them)."""
    if evidence.groups_train is None or evidence.train_probs is None or evidence.y_train is None:
        return None
    rows = sample_rows(len(evidence.y_train), VALIDATION_PASS_ROWS, what="training rows for the group comparison")
    wrong = np.argmax(evidence.train_probs[rows], axis=1) != evidence.y_train[rows]
    return np.asarray(evidence.groups_train)[rows], wrong


def lagging_groups(evidence: Evidence, correct: np.ndarray) -> tuple[list[GroupRate], list[Lag]]:
    """Every group's validation entry, and the groups whose odds of an error exceed the rest's."""
    if evidence.groups_val is None:
        return [], []
    names, of_row = np.unique(evidence.groups_val, return_inverse=True)  # one pass, any count
    hits = np.bincount(of_row, weights=correct.astype(np.float64), minlength=len(names)).round().astype(np.int64)
    sizes = np.bincount(of_row, minlength=len(names))
    entries = [entry(str(name), "group", int(hits[g]), int(sizes[g]), "accuracy") for g, name in enumerate(names)]
    errors = sizes - hits
    train_errors = np.zeros(len(names), dtype=np.int64)
    train_sizes = np.zeros(len(names), dtype=np.int64)
    training = _training_errors(evidence)
    if training is not None:
        index = {str(name): g for g, name in enumerate(names)}
        for name, wrong in zip(*training, strict=True):
            g = index.get(str(name))
            if g is not None:
                train_sizes[g] += 1
                train_errors[g] += int(wrong)
    usable = [g for g in range(len(names)) if sizes[g] > 0 and sizes[g] + train_sizes[g] >= MIN_ROWS]
    if len(names) < 2 or not usable:
        return entries, []
    comparisons = len(usable) if len(usable) > 2 else 1  # two groups: one comparison, the same either way
    total_n, total_errors = int(sizes.sum()), int(errors.sum())
    train_n, train_total_errors = int(train_sizes.sum()), int(train_errors.sum())
    out: list[Lag] = []
    for g in usable:
        strata = [Stratum(int(errors[g]), int(sizes[g]), total_errors - int(errors[g]), total_n - int(sizes[g]))]
        if train_sizes[g] > 0:
            strata.append(
                Stratum(
                    int(train_errors[g]),
                    int(train_sizes[g]),
                    train_total_errors - int(train_errors[g]),
                    train_n - int(train_sizes[g]),
                )
            )
        odds = pooled_odds_ratio(strata, comparisons=comparisons)
        if odds.ratio <= 1:
            continue
        rest_n = total_n - int(sizes[g])
        ratio = error_ratio(int(errors[g]), int(sizes[g]), strata[0].rest_errors, rest_n, comparisons=comparisons)
        rest = 1.0 - strata[0].rest_errors / rest_n
        strength = odds_ratio_ratio(odds.ratio, clear=odds.low > 1)
        out.append(Lag(strength, entries[g], rest, ratio, odds, (int(sizes[g]), int(train_sizes[g]))))
    return entries, out
