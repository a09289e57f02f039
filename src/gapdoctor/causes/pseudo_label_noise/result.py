"""What the pseudo-label check measured: the flag rate of every label source, the noisiest one named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict

from gapdoctor.causes.label_noise.result import Suggestion, SuggestsLabels, Suspect, suggestions_of
from gapdoctor.causes.payload import Payload, figure, plot
from gapdoctor.causes.pseudo_label_noise.agreement import SourceAgreement
from gapdoctor.causes.pseudo_label_noise.disagreement import SourceDisagreement
from gapdoctor.causes.pseudo_label_noise.teaching import SourceTeaching

__all__ = ["NoiseBySource", "SourceAgreement", "SourceDisagreement", "SourceRate", "SourceTeaching"]


class SourceRate(TypedDict):
    """One label source: its rows judged, the share flagged as wrong and that share's 95% interval."""

    source: str
    n: int
    noise_rate: float
    low: float
    high: float


@dataclass(frozen=True, kw_only=True)
class NoiseBySource(Payload, SuggestsLabels):
    """A label source whose rows are flagged as mislabelled more often than the cleanest source's.

    Parameters
    ----------
    noisiest_source : str
        The source the finding blames (the noisiest with enough rows).
    noisiest_noise_rate_pct : float
        Share of its rows flagged, in percent.
    reference_source : str
        The cleanest source with enough rows.
    reference_noise_rate_pct : float
        Share of its rows flagged, in percent.
    excess_pct_points : float
        The difference of the two, in percentage points.
    p_value : float
        One-sided two-proportion z-test that the noisiest source's rate exceeds the reference's
        (blamed by "flagged less than the trusted source": that it falls short of it).
    flagged_in_noisiest, rows_in_noisiest : int
        Rows flagged in, and rows judged of, the noisiest source.
    flagged_by : str
        How rows were flagged (confident learning, or late-fitted rows).
    noise_rate_pct_by_source : dict of str to float
        ``"noise_rate_pct[<source>]"`` -> share of that source's rows flagged, in percent (spread into
        the evidence; ``key=`` is the keys' template, for readers of the declared keys).
    sources : list of SourceRate
        Every source, for the figure.
    suspects : list of Suspect or None
        The first flagged rows of the noisiest source (with ``train_probs`` only).
    blamed_by : str
        The evidence that names the source: "confident learning" (its flag rate, the fields above),
        "what its labels teach" (the ``taught_*`` fields; see
        :mod:`gapdoctor.causes.pseudo_label_noise.teaching`), "labels learnt but wrong" (the
        ``learnt_*`` and agreement fields below) or "flagged less than the trusted source" (its flag
        rate clearly below the trusted source's while its labels teach no better), "what its labels
        teach and labels learnt but wrong, together" (the two model tests combined, ``combined_p_value``),
        "labels the validation labels contradict" (the ``disagreed_*`` fields) or "what its labels teach and
        labels the validation labels contradict, together" (``taught_disagreed_p_value``).
    taught_accuracy_pct, taught_reference_accuracy_pct : float or None
        Validation accuracy of small models fitted on the blamed source's labels, and on the reference's
        (the same number of rows each), in percent; None without ``X_train``, ``X_val`` and ``y_val``.
    taught_drop_pct_points, taught_drop_low_pct_points, taught_drop_high_pct_points : float or None
        The reference's accuracy minus the source's, in points, with its 95% interval.
    taught_p_value : float or None
        One-sided p-value of that drop (Bonferroni-corrected over the judges and sources tested).
    taught_reference : str or None
        What the source was compared with: the trusted source, or "the other sources" pooled.
    teaching : list of SourceTeaching
        Every source compared (empty without features and validation labels).
    learnt_excess_pct_points, learnt_excess_low_pct_points, learnt_excess_high_pct_points : float or None
        The blamed source's labels learnt as if right but wrong on validation, in excess of the
        reference's, in points, with its 95% interval (see
        :mod:`gapdoctor.causes.pseudo_label_noise.agreement`); None without ``X_train``, ``X_val`` and ``y_val``.
    learnt_p_value : float or None
        One-sided p-value of that excess (Bonferroni-corrected over the judges and sources tested).
    self_agreement_pct, self_val_accuracy_pct : float or None
        Share of the source's held-out labels, and of the validation labels, that models fitted on
        its rows predict, in percent.
    reference_self_agreement_pct, reference_val_accuracy_pct : float or None
        The same two for the reference, fitted on as many rows.
    agreement : list of SourceAgreement
        Every source compared by that test (empty without features and validation labels).
    combined_p_value : float or None
        One-sided p-value of the taught and learnt tests together for the blamed source (Stouffer's
        z allowing for their correlation, :func:`gapdoctor.causes.pseudo_label_noise.score.combined_p_value`);
        None when either is missing.
    disagreement_pct, reference_disagreement_pct : float or None
        Mean disagreement (one minus the probability of the given label) of judges fitted on the
        validation rows with the blamed source's labels, and with the reference's, in percent (see
        :mod:`gapdoctor.causes.pseudo_label_noise.disagreement`); None without ``X_train``, ``X_val``
        and ``y_val``.
    disagreed_excess_pct_points, disagreed_excess_low_pct_points, disagreed_excess_high_pct_points : float or None
        The difference of the two beyond what the judges themselves expect (each source's mean
        disagreement minus the judges' expected disagreement on its rows, ``1 - sum(p ** 2)``; the
        per-source figures are in ``disagreement``), in points, with its 95% interval (+- 1.96
        permutation standard deviations).
    disagreed_p_value : float or None
        One-sided permutation p-value of that excess (Bonferroni-corrected over the judges and sources tested).
    taught_disagreed_p_value : float or None
        One-sided p-value of the taught and disagreement tests together (Stouffer's z allowing for their
        correlation); None when either is missing.
    disagreement : list of SourceDisagreement
        Every source compared by the disagreement test (empty without features and validation labels).
    """

    CHECK: ClassVar[str] = "pseudo_label_noise.by_source"
    noisiest_source: str = figure()
    noisiest_noise_rate_pct: float = figure()
    reference_source: str = figure()
    reference_noise_rate_pct: float = figure()
    excess_pct_points: float = figure()
    p_value: float = figure()
    flagged_in_noisiest: int = figure()
    rows_in_noisiest: int = figure()
    flagged_by: str = figure()
    noise_rate_pct_by_source: dict[str, float] = figure(spread=True, key="noise_rate_pct[{}]")
    sources: list[SourceRate] = plot()
    suspects: list[Suspect] | None = plot(omit_none=True)
    blamed_by: str = figure(default="confident learning")
    taught_accuracy_pct: float | None = figure(omit_none=True, default=None)
    taught_reference_accuracy_pct: float | None = figure(omit_none=True, default=None)
    taught_drop_pct_points: float | None = figure(omit_none=True, default=None)
    taught_drop_low_pct_points: float | None = figure(omit_none=True, default=None)
    taught_drop_high_pct_points: float | None = figure(omit_none=True, default=None)
    taught_p_value: float | None = figure(omit_none=True, default=None)
    taught_reference: str | None = figure(omit_none=True, default=None)
    teaching: list[SourceTeaching] = plot(default_factory=list)
    learnt_excess_pct_points: float | None = figure(
        omit_none=True, default=None, label="labels learnt but wrong, beyond the reference's", shown_as="points"
    )
    learnt_excess_low_pct_points: float | None = figure(
        omit_none=True, default=None, label="labels learnt but wrong, 95% interval low", shown_as="points"
    )
    learnt_excess_high_pct_points: float | None = figure(
        omit_none=True, default=None, label="labels learnt but wrong, 95% interval high", shown_as="points"
    )
    learnt_p_value: float | None = figure(
        omit_none=True, default=None, label="p-value of the labels learnt but wrong", shown_as="p"
    )
    self_agreement_pct: float | None = figure(
        omit_none=True, default=None, label="held-out labels of the source its models predict", shown_as="pct"
    )
    self_val_accuracy_pct: float | None = figure(
        omit_none=True, default=None, label="validation accuracy of those models", shown_as="pct"
    )
    reference_self_agreement_pct: float | None = figure(
        omit_none=True, default=None, label="held-out labels of the reference its models predict", shown_as="pct"
    )
    reference_val_accuracy_pct: float | None = figure(
        omit_none=True, default=None, label="validation accuracy of the reference's models", shown_as="pct"
    )
    agreement: list[SourceAgreement] = plot(default_factory=list)
    combined_p_value: float | None = figure(
        omit_none=True, default=None, label="p-value of the two model tests together", shown_as="p"
    )
    disagreement_pct: float | None = figure(
        omit_none=True, default=None, label="validation-fitted judges' disagreement with its labels", shown_as="pct"
    )
    reference_disagreement_pct: float | None = figure(
        omit_none=True, default=None, label="their disagreement with the reference's labels", shown_as="pct"
    )
    disagreed_excess_pct_points: float | None = figure(
        omit_none=True, default=None, label="disagreement beyond the reference's", shown_as="points"
    )
    disagreed_excess_low_pct_points: float | None = figure(
        omit_none=True, default=None, label="disagreement beyond the reference's, 95% interval low", shown_as="points"
    )
    disagreed_excess_high_pct_points: float | None = figure(
        omit_none=True, default=None, label="disagreement beyond the reference's, 95% interval high", shown_as="points"
    )
    disagreed_p_value: float | None = figure(
        omit_none=True, default=None, label="permutation p-value of the disagreement", shown_as="p"
    )
    taught_disagreed_p_value: float | None = figure(
        omit_none=True, default=None, label="p-value of the taught and disagreement tests together", shown_as="p"
    )
    disagreement: list[SourceDisagreement] = plot(default_factory=list)

    def suggestions(self) -> dict[int, Suggestion]:
        """Row -> given label, suggested label and its out-of-sample probability (none without ``train_probs``)."""
        return suggestions_of(self.suspects or [])
