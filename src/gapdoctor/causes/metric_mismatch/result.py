"""What the decision-rule check measured: the metric at the default rule, at the best one, and cross-validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict

from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["DecisionRuleGain", "ReliabilityCurve", "ThresholdCurve"]


class ThresholdCurve(TypedDict):
    """The validation metric at every candidate decision rule (threshold or prior-correction strength)."""

    thresholds: list[float]
    values: list[float]
    metric: str
    default_threshold: float
    best_threshold: float


class ReliabilityCurve(TypedDict):
    """Mean confidence, accuracy and row count of every non-empty confidence bin."""

    confidence: list[float]
    accuracy: list[float]
    count: list[int]


@dataclass(frozen=True, kw_only=True)
class DecisionRuleGain(Payload):
    """The metric the default decision rule leaves on the table.

    Parameters
    ----------
    metric : str
        The metric tuned (``f1`` or ``balanced_accuracy``).
    decision_rule : str
        What is swept: the threshold on P(class 1), or the prior-correction strength.
    default_rule, best_rule : float
        The default rule and the best one on the validation set.
    val_metric_default, val_metric_default_low, val_metric_default_high : float
        The metric at the default rule and its 95% interval.
    val_metric_best_in_sample, val_metric_best_low, val_metric_best_high : float
        The metric at the best rule (chosen on the same rows: optimistic) and its interval.
    val_metric_cross_validated : float
        The metric with the rule chosen on the other folds.
    cross_validated_gain, cross_validated_gain_low, cross_validated_gain_high : float
        Cross-validated minus default on the validation rows alone, with its paired bootstrap interval.
    n_train_rows_pooled : int
        Training rows with out-of-fold probabilities pooled with the validation rows (0: none given).
    pooled_gain, pooled_gain_low, pooled_gain_high : float or None
        The same cross-validated gain on the validation and training rows pooled, with its
        interval (None without ``train_probs``).
    pooled_gain_on_validation : float or None
        The validation rows' part of the pooled gain (the pooled rule applied to them).
    label_free_rule : float
        The rule the model's own probabilities expect to be best (chosen without labels).
    label_free_gain, label_free_gain_low, label_free_gain_high : float
        That rule's gain over the default on every validation row, with its paired bootstrap interval.
    prior_share_rule, prior_share_gain, prior_share_gain_low, prior_share_gain_high : float or None
        The threshold deciding the training labels' share of the validation rows positive (chosen
        without labels), and its gain over the default on every validation row with its paired
        bootstrap interval (None on a multiclass task).
    prior_share_pooled_gain, prior_share_pooled_gain_low, prior_share_pooled_gain_high : float or None
        The same on the validation and training (out-of-fold) rows pooled, each split decided at its
        own training-share threshold (None without ``train_probs`` or on a multiclass task); the
        score reads it only when the validation rows' part (``prior_share_gain``) is a gain.
    score_rests_on : str
        The gain the score rests on: ``"validation rows"`` (cross-validated), ``"validation and
        training rows"`` (cross-validated, pooled), ``"validation rows, rule chosen without labels"``,
        ``"validation rows, threshold at the training positive share"`` or ``"validation and training
        rows, threshold at the training positive share"``.
    minority_class_share_train : float
        Share of the rarest class in training.
    roc_auc, average_precision : float
        Ranking quality of the probabilities (``roc_auc`` nan when a class is absent).
    expected_calibration_error : float
        ECE of the top-class confidence.
    n_val : int
        Validation rows judged.
    val_loss_change_second_half, val_metric_change_second_half : float or None
        Second-half change of the smoothed validation loss and metric (with a history of both).
    threshold_curve : ThresholdCurve
        The metric at every rule, for the figure.
    reliability : ReliabilityCurve
        The reliability diagram's bins.
    """

    CHECK: ClassVar[str] = "metric_mismatch.decision_rule"
    metric: str = figure()
    decision_rule: str = figure()
    default_rule: float = figure()
    best_rule: float = figure()
    val_metric_default: float = figure()
    val_metric_default_low: float = figure()
    val_metric_default_high: float = figure()
    val_metric_best_in_sample: float = figure()
    val_metric_best_low: float = figure()
    val_metric_best_high: float = figure()
    val_metric_cross_validated: float = figure()
    cross_validated_gain: float = figure()
    cross_validated_gain_low: float = figure()
    cross_validated_gain_high: float = figure()
    n_train_rows_pooled: int = figure(
        default=0, label="training rows pooled with validation (out-of-fold probabilities)", shown_as="count"
    )
    pooled_gain: float | None = figure(
        omit_none=True,
        label="gain from tuning the rule on validation and training rows (cross-validated)",
        shown_as="metric",
    )
    pooled_gain_low: float | None = figure(omit_none=True, label="pooled gain, 95% interval low", shown_as="metric")
    pooled_gain_high: float | None = figure(omit_none=True, label="pooled gain, 95% interval high", shown_as="metric")
    pooled_gain_on_validation: float | None = figure(
        omit_none=True, label="pooled rule's gain on the validation rows", shown_as="metric"
    )
    label_free_rule: float = figure(default=0.5, label="rule the model's probabilities expect best", shown_as="number")
    label_free_gain: float = figure(default=0.0, label="that rule's gain on the validation rows", shown_as="metric")
    label_free_gain_low: float = figure(default=0.0, label="its 95% interval low", shown_as="metric")
    label_free_gain_high: float = figure(default=0.0, label="its 95% interval high", shown_as="metric")
    prior_share_rule: float | None = figure(
        omit_none=True, label="threshold deciding the training share positive", shown_as="number"
    )
    prior_share_gain: float | None = figure(
        omit_none=True, label="that threshold's gain on the validation rows", shown_as="metric"
    )
    prior_share_gain_low: float | None = figure(omit_none=True, label="its 95% interval low", shown_as="metric")
    prior_share_gain_high: float | None = figure(omit_none=True, label="its 95% interval high", shown_as="metric")
    prior_share_pooled_gain: float | None = figure(
        omit_none=True, label="that threshold's gain on validation and training rows", shown_as="metric"
    )
    prior_share_pooled_gain_low: float | None = figure(omit_none=True, label="its 95% interval low", shown_as="metric")
    prior_share_pooled_gain_high: float | None = figure(
        omit_none=True, label="its 95% interval high", shown_as="metric"
    )
    score_rests_on: str = figure(default="validation rows", label="rows the score rests on", shown_as="text")
    minority_class_share_train: float = figure()
    roc_auc: float = figure()
    average_precision: float = figure()
    expected_calibration_error: float = figure()
    n_val: int = figure()
    val_loss_change_second_half: float | None = figure(omit_none=True)
    val_metric_change_second_half: float | None = figure(omit_none=True)
    threshold_curve: ThresholdCurve = plot()
    reliability: ReliabilityCurve = plot()
