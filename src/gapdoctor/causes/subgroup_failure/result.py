"""What the subgroup check measured: the metric of every class and group, the worst one named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict

from gapdoctor.causes.label_noise.result import CountMatrix
from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["GroupRate", "LaggingSubgroups"]


class GroupRate(TypedDict):
    """One class (recall), group or slice (accuracy) on validation, with its exact 95% interval."""

    group: str
    kind: str
    n: int
    value: float
    low: float
    high: float
    metric: str


@dataclass(frozen=True, kw_only=True)
class LaggingSubgroups(Payload):
    """Classes, groups or a slice of atypical rows whose validation recall / accuracy lags far behind the others..

    Parameters
    ----------
    lagging : str
        The classes or groups reported, comma-separated.
    worst : str
        The one that lags most.
    worst_kind : str
        ``"class"``, ``"group"`` or ``"slice"`` (the most atypical validation rows, searched when
        no group is given).
    worst_value, worst_low, worst_high : float
        Its recall (class) or accuracy (group) and the 95% interval.
    worst_n : int
        Its validation rows.
    others_median : float
        The median of the other classes' recall (a class); the accuracy of the rest of the
        validation rows (a group).
    gap : float
        ``others_median`` minus its value.
    error_ratio, error_ratio_low, error_ratio_high : float or None
        Its error rate over the rest's, with the interval (95% over all the groups compared,
        Bonferroni); a group or slice only (a group's from its validation rows alone).
    odds_ratio, odds_ratio_low, odds_ratio_high : float or None
        Its odds of an error over the rest's, pooled (Mantel-Haenszel) over the validation rows
        and the out-of-sample training rows, with the interval (95% over all the groups
        compared); a group only: its strength of evidence.
    odds_ratio_training_rows : int or None
        Its out-of-sample training rows counted in the odds ratio (0: validation rows only); a group only.
    slice_features : str or None
        The features its rows are most atypical in (a slice only).
    worst_precision : float or None
        Its precision (a class only).
    worst_train_recall : float or None
        Its recall on the out-of-sample training probabilities (a class, with ``train_probs``).
    worst_train_accuracy : float or None
        Its accuracy on its training rows from the out-of-sample ``train_probs`` (a group, with
        ``groups_train``): low as well, the model never learns it; high, it does not transfer.
    worst_rows_vs_median_class : float or None
        Its rows over the median class's, in training (in validation without ``y_train``); a class
        is reported only when this is under one half (a class only).
    confusion_pairs : dict of str to str
        ``"confusion_pair_<i>"`` -> the i-th most common error (true → predicted), up to three (spread
        into the evidence; ``key=`` is the keys' template).
    groups : list of GroupRate
        Every class and group, for the figure.
    confusion : CountMatrix
        The validation confusion matrix (true class x predicted class).
    """

    CHECK: ClassVar[str] = "subgroup_failure.per_class_and_group"
    lagging: str = figure()
    worst: str = figure()
    worst_kind: str = figure()
    worst_value: float = figure()
    worst_low: float = figure()
    worst_high: float = figure()
    worst_n: int = figure()
    others_median: float = figure()
    gap: float = figure()
    error_ratio: float | None = figure(omit_none=True, label="its error rate over the rest's")
    error_ratio_low: float | None = figure(omit_none=True, label="its error ratio: lower end of the 95% interval")
    error_ratio_high: float | None = figure(omit_none=True, label="its error ratio: upper end of the 95% interval")
    odds_ratio: float | None = figure(omit_none=True, label="its odds of an error over the rest's")
    odds_ratio_low: float | None = figure(omit_none=True, label="its odds ratio: lower end of the 95% interval")
    odds_ratio_high: float | None = figure(omit_none=True, label="its odds ratio: upper end of the 95% interval")
    odds_ratio_training_rows: int | None = figure(
        omit_none=True, label="its out-of-sample training rows in the odds ratio"
    )
    slice_features: str | None = figure(omit_none=True, label="the features its rows are most atypical in")
    worst_precision: float | None = figure(omit_none=True)
    worst_train_recall: float | None = figure(omit_none=True)
    worst_train_accuracy: float | None = figure(omit_none=True, label="its training rows' accuracy (out of sample)")
    worst_rows_vs_median_class: float | None = figure(
        omit_none=True, label="its rows relative to the median class's", shown_as="share"
    )
    confusion_pairs: dict[str, str] = figure(spread=True, key="confusion_pair_{}")
    groups: list[GroupRate] = plot()
    confusion: CountMatrix = plot()
