"""What the label-noise checks measured: one typed payload per kind of finding.

- :class:`ConfidentLearningNoise` (``label_noise.confident_learning``): the estimated share of
  wrong labels from out-of-sample ``train_probs``, corroborated by memorisation and training
  dynamics when those were recorded; the noise matrix and the first flagged rows.
- :class:`LateFittedRows` (``label_noise.memorisation``): rows fitted late or never, from
  per-row losses alone.
- :class:`TrainingDynamicsNoise` (``label_noise.training_dynamics``): rows whose given label
  trailed another class through training (area under the margin).

A payload whose flagged rows are training rows suspected of a wrong label is a
:class:`SuggestsLabels` (all three here, and
:class:`gapdoctor.causes.pseudo_label_noise.result.NoiseBySource`): the flagged-rows table
(:mod:`gapdoctor.report.rows`) suggests a label for each of its rows, the detailed ones from
its :meth:`~SuggestsLabels.suggestions`, and the HTML report lists those.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, TypedDict

from gapdoctor.causes.payload import Payload, figure, plot

__all__ = [
    "AccuracyPeakFall",
    "ConfidentLearningNoise",
    "CountMatrix",
    "DynamicsSuspect",
    "LateFittedRows",
    "Suggestion",
    "SuggestsLabels",
    "Suspect",
    "TrainingDynamicsNoise",
    "suggestions_of",
]


class CountMatrix(TypedDict):
    """A class-by-class count matrix (noise matrix, confusion matrix) as ``finding.data`` keeps it."""

    classes: list[str]
    counts: list[list[int]]


class Suspect(TypedDict):
    """A flagged training row: its given label, the label the model suggests and its probability."""

    row: int
    given: str
    suggested: str
    confidence: float


class DynamicsSuspect(TypedDict):
    """A row flagged by its training dynamics (``suggested`` is empty when no class led it)."""

    row: int
    given: str
    suggested: str
    aum: float
    given_label_confidence: float
    forgetting_events: int


class Suggestion(NamedTuple):
    """The given label of a flagged row, the one suggested instead and the model's probability for it."""

    given: str
    suggested: str
    confidence: float | None


def suggestions_of(suspects: Sequence[Suspect]) -> dict[int, Suggestion]:
    """Row -> :class:`Suggestion` of the detailed rows (the first entry of a row wins)."""
    out: dict[int, Suggestion] = {}
    for s in suspects:
        out.setdefault(int(s["row"]), Suggestion(s["given"], s["suggested"], s["confidence"]))
    return out


class SuggestsLabels(ABC):
    """A payload whose flagged rows (``finding.rows``) are training rows suspected of a wrong label.

    The flagged-rows table suggests a label for each of them; :meth:`suggestions` gives the
    check's own suggestion for the first ones (empty when the check details none).
    """

    @abstractmethod
    def suggestions(self) -> dict[int, Suggestion]:
        """Row -> given label, suggested label and confidence, for the rows the finding details."""


@dataclass(frozen=True, kw_only=True)
class ConfidentLearningNoise(Payload, SuggestsLabels):
    """Confident learning on out-of-sample ``train_probs``.

    Parameters
    ----------
    noise_rate_pct, noise_rate_low_pct, noise_rate_high_pct : float
        Estimated share of wrong training labels and its 95% interval, in percent.
    flagged_rows : int
        Rows flagged as likely mislabelled.
    training_rows : int
        Rows the estimate was made from.
    out_of_fold_error_pct : float
        Error of the out-of-sample probabilities on the given labels, in percent.
    floor_pct : float
        What the estimate must clear to be training label noise, in percent.
    validation_control_rate_pct : float or None
        The same estimate on the validation split (None without ``y_val`` / ``val_probs``).
    validation_error_pct : float or None
        The final model's error on the validation labels, in percent (None without a control): the
        training labels must be contradicted more often than these (``out_of_fold_error_pct`` above it).
    own_uncertainty_rate_pct : float or None
        The same estimate on labels drawn from the out-of-sample probabilities themselves (what the
        model's own doubt accounts for; the estimate must exceed it), in percent. Read only against a
        validation control: None without one.
    chance_rate_pct : float or None
        Share of labels a model that learned nothing contradicts (``1 - sum(prior^2)``), in percent.
    out_of_fold_lag_pct : float or None
        Validation accuracy the final model gained over the last fifth of its steps, in points: how far
        behind it out-of-fold models with four fifths of its steps stand; added to the control (None
        without a control).
    control_shift_pct : float or None
        How far apart the out-of-fold and the final model's predicted class shares stand (total variation),
        in points: one bound on what the validation control misses (None without a control).
    control_unbacked_pct : float or None
        Flags beyond the control that the training labels' extra errors over the validation error (at the
        upper end of its 95% interval) cannot hold, in points: the other bound. The control is raised by
        the smaller of the two (None without a control).
    most_common_confusion : str or None
        The largest off-diagonal cell of the noise matrix, in words (None when it is empty).
    late_fitted_share_of_flagged_pct, late_fitted_share_of_others_pct : float or None
        Share of flagged / other rows fitted late or never (with ``sample_losses``).
    bulk_fitted_epoch : float or None
        Median epoch at which rows are fitted (with ``sample_losses``).
    low_aum_share_of_flagged_pct, low_aum_share_of_others_pct : float or None
        Share of flagged / other rows with an area under the margin below 0 (with ``training_dynamics``).
    fit_gap_pct, fit_gap_z : float or None
        Validation minus training accuracy of the final model at its best validation epoch, in
        points, and over its standard error (:mod:`gapdoctor.causes.label_noise.fit_gap`; with both
        accuracy curves and a validation control, beyond the model's own doubt).
    fit_gap_epoch : int or float or None
        That epoch.
    overlap_caveat : str or None
        Set when the out-of-fold error is far above the estimate (overlapping classes).
    noise_matrix : CountMatrix
        Given label (rows) against estimated true label (columns).
    suspects : list of Suspect
        The first flagged rows, most suspicious first.
    """

    CHECK: ClassVar[str] = "label_noise.confident_learning"
    noise_rate_pct: float = figure()
    noise_rate_low_pct: float = figure()
    noise_rate_high_pct: float = figure()
    flagged_rows: int = figure()
    training_rows: int = figure()
    out_of_fold_error_pct: float = figure()
    floor_pct: float = figure()
    validation_control_rate_pct: float | None = figure(omit_none=True)
    validation_error_pct: float | None = figure(
        omit_none=True, label="the model's error on the validation labels", shown_as="pct"
    )
    own_uncertainty_rate_pct: float | None = figure(
        omit_none=True, label="same estimate on labels drawn from the model's own probabilities", shown_as="pct"
    )
    chance_rate_pct: float | None = figure(
        omit_none=True, label="labels a model that learned nothing contradicts", shown_as="pct"
    )
    out_of_fold_lag_pct: float | None = figure(
        omit_none=True, label="validation accuracy gained over the last fifth of the steps", shown_as="points"
    )
    control_shift_pct: float | None = figure(
        omit_none=True, label="predicted class shares, out-of-fold against final model, apart by", shown_as="points"
    )
    control_unbacked_pct: float | None = figure(
        omit_none=True, label="flags beyond the control that the extra training errors cannot hold", shown_as="points"
    )
    most_common_confusion: str | None = figure(omit_none=True)
    late_fitted_share_of_flagged_pct: float | None = figure(omit_none=True)
    late_fitted_share_of_others_pct: float | None = figure(omit_none=True)
    bulk_fitted_epoch: float | None = figure(omit_none=True)
    low_aum_share_of_flagged_pct: float | None = figure(omit_none=True)
    low_aum_share_of_others_pct: float | None = figure(omit_none=True)
    fit_gap_pct: float | None = figure(
        omit_none=True, label="validation minus training accuracy at the best epoch", shown_as="points"
    )
    fit_gap_z: float | None = figure(omit_none=True, label="that gap over its standard error", shown_as="number")
    fit_gap_epoch: int | float | None = figure(omit_none=True, label="best validation epoch", shown_as="epoch")
    overlap_caveat: str | None = figure(omit_none=True)
    noise_matrix: CountMatrix = plot()
    suspects: list[Suspect] = plot()

    def suggestions(self) -> dict[int, Suggestion]:
        """Row -> given label, suggested label and its out-of-sample probability."""
        return suggestions_of(self.suspects)


@dataclass(frozen=True, kw_only=True)
class LateFittedRows(Payload, SuggestsLabels):
    """Rows fitted late or never, from per-epoch per-row losses.

    Parameters
    ----------
    late_fitted_pct, late_fitted_low_pct, late_fitted_high_pct : float
        Share of tracked rows fitted late or never and its 95% interval, in percent.
    late_fitted_rows, never_fitted_rows, tracked_rows : int
        Rows fitted late or never, never fitted, and tracked.
    bulk_fitted_epoch : float
        Median epoch at which rows are fitted.
    late_after_epoch : float
        Rows fitted after this epoch are late.
    markers : dict of str to int
        Epochs marked on the training curves (``bulk_fitted_epoch``).
    """

    CHECK: ClassVar[str] = "label_noise.memorisation"
    late_fitted_pct: float = figure()
    late_fitted_low_pct: float = figure()
    late_fitted_high_pct: float = figure()
    late_fitted_rows: int = figure()
    never_fitted_rows: int = figure()
    tracked_rows: int = figure()
    bulk_fitted_epoch: float = figure()
    late_after_epoch: float = figure()
    markers: dict[str, int] = plot()

    def suggestions(self) -> dict[int, Suggestion]:
        """None detailed: per-row losses say a row was fitted late, not which label it should have."""
        return {}


@dataclass(frozen=True, kw_only=True)
class TrainingDynamicsNoise(Payload, SuggestsLabels):
    """Rows whose given label trailed another class through training (area under the margin below 0).

    Parameters
    ----------
    noise_rate_pct, noise_rate_low_pct, noise_rate_high_pct : float
        Share of flagged rows and its 95% interval, in percent.
    clear_noise_rate_pct : float
        Share of rows whose AUM is clearly negative (what the score rests on), in percent.
    flagged_rows, clearly_flagged_rows, training_rows, never_learned_rows : int
        Rows flagged, clearly flagged, followed, and never classified correctly.
    fitted_margin_scale : float
        Median AUM of the rows with a positive one (the run's own scale of fit).
    epochs : int
        Epochs the dynamics cover.
    floor_pct : float
        What the clear share must exceed to be reported, in percent.
    mean_forgetting_events_flagged : float
        Mean number of forgetting events of the flagged rows.
    validation_control_rate_pct : float or None
        Confident learning on the validation split (None without ``y_val`` / ``val_probs``).
    fit_gap_pct, fit_gap_z, fit_gap_epoch : float, float, int or None
        Validation minus training accuracy at the best validation epoch, over its standard error, and
        that epoch (:mod:`gapdoctor.causes.label_noise.fit_gap`; None when no gap could be read).
    suspects : list of DynamicsSuspect
        The first flagged rows, most suspicious first.
    """

    CHECK: ClassVar[str] = "label_noise.training_dynamics"
    noise_rate_pct: float = figure()
    noise_rate_low_pct: float = figure()
    noise_rate_high_pct: float = figure()
    clear_noise_rate_pct: float = figure()
    flagged_rows: int = figure()
    clearly_flagged_rows: int = figure()
    training_rows: int = figure()
    never_learned_rows: int = figure()
    fitted_margin_scale: float = figure()
    epochs: int = figure()
    floor_pct: float = figure()
    mean_forgetting_events_flagged: float = figure()
    validation_control_rate_pct: float | None = figure(omit_none=True)
    validation_error_pct: float | None = figure(
        omit_none=True, label="the model's error on the validation labels", shown_as="pct"
    )
    fit_gap_pct: float | None = figure(
        omit_none=True, label="validation minus training accuracy at the best epoch", shown_as="points"
    )
    fit_gap_z: float | None = figure(omit_none=True, label="that gap over its standard error", shown_as="number")
    fit_gap_epoch: int | float | None = figure(omit_none=True, label="best validation epoch", shown_as="epoch")
    suspects: list[DynamicsSuspect] = plot()

    def suggestions(self) -> dict[int, Suggestion]:
        """Row -> given label and the class that led it (no probability: none was given)."""
        out: dict[int, Suggestion] = {}
        for s in self.suspects:
            out.setdefault(int(s["row"]), Suggestion(s["given"], s["suggested"], None))
        return out


@dataclass(frozen=True, kw_only=True)
class AccuracyPeakFall(Payload):
    """The validation accuracy peaked and fell back while the training loss went on falling: wrong labels memorised.

    Parameters
    ----------
    series : str
        The accuracy series read (``val_accuracy``...).
    peak, final : float
        The smoothed curve's peak and the mean of its last points.
    peak_epoch : int or float or None
        The epoch of the peak.
    fall_points : float
        ``peak - final`` in points (percent of rows).
    fall_z : float
        The fall over the accuracy's noise (the larger of its sampling s.d. on the validation rows and its
        point-to-point noise).
    train_loss_fall_pct : float
        How much the training loss fell after the peak, in percent.
    """

    CHECK: ClassVar[str] = "label_noise.accuracy_peak_fall"
    series: str = figure(label="accuracy series read", shown_as="text")
    peak: float = figure(label="its peak (smoothed)", shown_as="metric")
    peak_epoch: int | float | None = figure(omit_none=True, label="epoch of the peak", shown_as="epoch")
    final: float = figure(label="its level at the end", shown_as="metric")
    fall_points: float = figure(label="accuracy lost after the peak", shown_as="points")
    fall_z: float = figure(label="that fall over the accuracy's noise", shown_as="number")
    train_loss_fall_pct: float = figure(label="training loss fall after the peak", shown_as="pct")
