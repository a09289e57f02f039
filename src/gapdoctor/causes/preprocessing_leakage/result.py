"""What the ``preprocessing_leakage`` checks measured: one typed payload per kind of finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gapdoctor.causes.payload import Payload, figure, plot
from gapdoctor.stats.splits import FeaturePlot

__all__ = ["DuplicatedRows", "TrainOnlySignal"]


@dataclass(frozen=True, kw_only=True)
class TrainOnlySignal(Payload):
    """Features whose label association holds on training rows only, and identifier-like columns.

    Parameters
    ----------
    features_train_only_signal : int
        Features that predict the label far better on training rows than on validation rows.
    identifier_like_features : int
        Dense unique-integer columns that predict the label.
    association : str
        The association measure used.
    leaky : dict of str to str
        ``leaky_<rank>``: a leaking feature's label association in training vs validation.
    identifier : dict of str to str
        ``identifier_<rank>``: an identifier-like feature's label association.
    association_lost, association_lost_low, association_lost_high : float or None
        Epsilon² the most leaking feature loses from training to validation, with its 95%
        interval (the score grows with the low end); None when no feature's association collapsed.
    association_lost_by_chance : float or None
        The part of that loss splits of these sizes make by chance (the re-splits' mean loss: a
        small training split over many classes reaches a higher epsilon² by chance than a large
        validation split); the interval is that of the rest. None as above.
    informative_share_collapsed : float or None
        Share of the label-informative training features whose association collapsed: a few
        for leakage, (nearly) all for misaligned rows; None when none collapsed.
    features_fitted_in_sample : int or None
        Features that keep most of their association but lose a significant part of it, with
        the same distribution in both splits (fitted in-sample); None when there are none.
    fisher_lost_low, fisher_z : float or None
        The most such feature's lost association on the Fisher-z scale (low end of its 95%
        interval; the score grows with it) and the z of its loss; None when there are none.
    label_mean_values, label_mean_log10_p : int or None, float or None
        The column whose training values are exactly the label share of the training rows with
        that value (an in-sample target encoding): its number of distinct training values and the
        log10 of the family-wise p-value of that fit by chance with its association loss (the
        score grows with -log10 p); None when no column fits.
    neighbour_mean_k, neighbour_mean_rows_differing, neighbour_mean_log10_p : int or None, int or None, float or None
        The column rebuilt exactly as each training row's label mean over its ``k`` nearest training
        rows, the row itself counted (an in-sample k-NN stacking): ``k``, the rebuilt training rows
        where counting the row changes the mean (the column followed the row's own label on all of
        them), and the log10 of the family-wise p-value with its association loss (the score grows
        with -log10 p); None when no column is one.
    note : str or None
        Why the score was lowered (every feature lost its signal: misaligned rows); None otherwise.
    features : list of FeaturePlot
        The leaking features (or, when none, the identifier-like ones), most first: the
        features the confirming experiment drops.
    """

    CHECK: ClassVar[str] = "preprocessing_leakage.train_only_signal"
    features_train_only_signal: int = figure()
    identifier_like_features: int = figure()
    association: str = figure()
    leaky: dict[str, str] = figure(spread=True)
    identifier: dict[str, str] = figure(spread=True)
    association_lost: float | None = figure(omit_none=True)
    association_lost_low: float | None = figure(omit_none=True)
    association_lost_high: float | None = figure(omit_none=True)
    association_lost_by_chance: float | None = figure(omit_none=True)
    informative_share_collapsed: float | None = figure(omit_none=True)
    features_fitted_in_sample: int | None = figure(omit_none=True)
    fisher_lost_low: float | None = figure(omit_none=True)
    fisher_z: float | None = figure(omit_none=True)
    label_mean_values: int | None = figure(omit_none=True)
    label_mean_log10_p: float | None = figure(omit_none=True)
    neighbour_mean_k: int | None = figure(
        omit_none=True, label="neighbours counted by the column that is an in-sample k-NN label mean", shown_as="count"
    )
    neighbour_mean_rows_differing: int | None = figure(
        omit_none=True, label="training rows whose own label the k-NN label mean counted", shown_as="count"
    )
    neighbour_mean_log10_p: float | None = figure(
        omit_none=True, label="in-sample k-NN label mean by chance, log10 family-wise p", shown_as="number"
    )
    note: str | None = figure(omit_none=True)
    features: list[FeaturePlot] = plot(default_factory=list)  # a payload rebuilt from evidence alone has none

    def explained_by(self) -> tuple[str, ...]:
        """Association lost on the validation rows is also what a pipeline bug that breaks the validation
        split's features-label pairing makes (labels shifted against their rows, another label encoding):
        when that bug is itself reported, the loss is its consequence (held-out corpus seed 40216: y_val
        shifted by one row, found at 0.82, behind three wine features read as leaking at 0.91). A fingerprint
        of an in-sample construction (a label mean, a k-NN label mean) or an identifier column is evidence
        a misaligned split cannot make: those findings stand on their own."""
        fingerprint = self.label_mean_log10_p is not None or self.neighbour_mean_log10_p is not None
        return () if fingerprint or self.identifier_like_features else ("pipeline_bug",)


@dataclass(frozen=True, kw_only=True)
class DuplicatedRows(Payload):
    """Validation rows that are exact or near copies of training rows.

    Parameters
    ----------
    val_rows_exact_duplicates, val_rows_near_duplicates : int
        Validation rows (of those examined) with an exact / a near copy in training.
    val_share_duplicated, val_share_duplicated_low, val_share_duplicated_high : float
        Their share of the examined validation rows, with its 95% interval.
    train_share_duplicated_within_train : float
        The natural duplicate rate: share of training rows with a copy within training.
    train_rows_examined_within_train : int
        Training rows that natural rate was measured on.
    train_rows_duplicated_in_val : int
        Distinct training rows copied into validation (``finding.rows``).
    near_tolerance_train_sd : float
        The near-copy tolerance, in training standard deviations.
    duplicate_pairs : str
        The first pairs, ``"train <row> = val <row> (exact|near)"``.
    excess_over_natural_low : float or None
        The validation share's excess over the natural rate at the low end of its 95% interval
        (:func:`gapdoctor.stats.accumulators.excess_low`): the statistic the strength is read from.
    """

    CHECK: ClassVar[str] = "preprocessing_leakage.duplicates"
    val_rows_exact_duplicates: int = figure()
    val_rows_near_duplicates: int = figure()
    val_share_duplicated: float = figure()
    val_share_duplicated_low: float = figure()
    val_share_duplicated_high: float = figure()
    train_share_duplicated_within_train: float = figure()
    train_rows_examined_within_train: int = figure()
    train_rows_duplicated_in_val: int = figure()
    near_tolerance_train_sd: float = figure()
    duplicate_pairs: str = figure()
    excess_over_natural_low: float | None = figure(
        omit_none=True, label="excess over the natural rate, low end of its 95% interval", shown_as="number"
    )
