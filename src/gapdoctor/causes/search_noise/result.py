"""What the ``search_noise`` checks measured: one typed payload per kind of finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict

from gapdoctor.causes.payload import Payload, figure, plot

__all__ = ["OverfittedBest", "RankedByTrainingLoss", "TiesWithinNoise", "TrialPoint"]


class TrialPoint(TypedDict):
    """One configuration of the search: its first trial's number, its value, tied with the best."""

    trial: int
    value: float
    tied: bool


@dataclass(frozen=True, kw_only=True)
class TiesWithinNoise(Payload):
    """Configurations whose validation value is within the noise of the best one.

    Parameters
    ----------
    metric : str
        The metric the trial values are.
    n_trials, n_configurations : int
        Completed trials, and distinct configurations among them.
    best_value : float
        The best configuration's value (mean over its repeats).
    best_params : str
        The best configuration's parameters, as canonical JSON.
    value_sd : float
        Noise (standard deviation) of one value.
    noise_source : str
        Where ``value_sd`` comes from.
    difference_needed_95 : float
        Smallest difference between two values that is significant at 95%.
    smallest_detectable_difference : float
        Difference detected with 80% power.
    configurations_tied_with_best : int
        Configurations within ``difference_needed_95`` of the best.
    runner_up_gap : float
        Value difference between the best and the second configuration.
    val_size : int or None
        Validation rows the best value was measured on, when known.
    val_size_to_separate_top_two : int or None
        Validation rows that would make the top two's gap detectable (None: exactly tied or unknown).
    val_size_for_1pt_difference : int or None
        Validation rows that would detect a 1-point difference (None: unknown).
    trials : list of TrialPoint
        The configurations, best first (at most 50).
    """

    CHECK: ClassVar[str] = "search_noise.ties"
    metric: str = figure()
    n_trials: int = figure()
    n_configurations: int = figure()
    best_value: float = figure()
    best_params: str = figure()
    value_sd: float = figure()
    noise_source: str = figure()
    difference_needed_95: float = figure()
    smallest_detectable_difference: float = figure()
    configurations_tied_with_best: int = figure()
    runner_up_gap: float = figure()
    val_size: int | None = figure(omit_none=True)
    val_size_to_separate_top_two: int | None = figure(omit_none=True)
    val_size_for_1pt_difference: int | None = figure(omit_none=True)
    trials: list[TrialPoint] = plot()


@dataclass(frozen=True, kw_only=True)
class RankedByTrainingLoss(Payload):
    """Trial values that equal each trial's own training loss.

    Parameters
    ----------
    trials_with_history : int
        Trials whose history has a ``train_loss`` series.
    values_equal_to_train_loss : int
        Of those, trials whose value is their final or best training loss.
    """

    CHECK: ClassVar[str] = "search_noise.training_loss_ranking"
    trials_with_history: int = figure()
    values_equal_to_train_loss: int = figure()


@dataclass(frozen=True, kw_only=True)
class OverfittedBest(Payload):
    """The best trials are those with the largest train/validation gap.

    Parameters
    ----------
    spearman_value_vs_gap : float
        Spearman correlation of trial value and final train/validation gap.
    p_value : float
        Its p-value.
    trials_with_curves : int
        Trials with both curves.
    best_trial : int
        The best trial's number.
    best_trial_gap : float
        Its final train/validation gap.
    best_trial_gap_rank : int
        Rank of that gap among the trials (1 = largest).
    """

    CHECK: ClassVar[str] = "search_noise.overfitted_best"
    spearman_value_vs_gap: float = figure()
    p_value: float = figure()
    trials_with_curves: int = figure()
    best_trial: int = figure()
    best_trial_gap: float = figure()
    best_trial_gap_rank: int = figure()
