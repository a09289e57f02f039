"""The pseudo-label finding's opening sentences: what named the blamed source, in words, with its figures."""

from __future__ import annotations

from collections.abc import Callable

from gapdoctor.causes.pseudo_label_noise.agreement import SourceAgreement
from gapdoctor.causes.pseudo_label_noise.disagreement import SourceDisagreement
from gapdoctor.causes.pseudo_label_noise.result import SourceRate
from gapdoctor.causes.pseudo_label_noise.score import combined_p_value
from gapdoctor.causes.pseudo_label_noise.teaching import SourceTeaching

__all__ = [
    "BOTH_BLAMED_BY",
    "DISAGREED_BLAMED_BY",
    "FLAGGED_LESS_BY",
    "LEARNT_BLAMED_BY",
    "MODEL_BLAMED_BY",
    "TAUGHT_BLAMED_BY",
    "TAUGHT_DISAGREED_BLAMED_BY",
    "flagged_less_summary",
    "model_summary",
]

TAUGHT_BLAMED_BY = "what its labels teach"
LEARNT_BLAMED_BY = "labels learnt but wrong"
DISAGREED_BLAMED_BY = "labels the validation labels contradict"
FLAGGED_LESS_BY = "flagged less than the trusted source"
BOTH_BLAMED_BY = "what its labels teach and labels learnt but wrong, together"
TAUGHT_DISAGREED_BLAMED_BY = "what its labels teach and labels the validation labels contradict, together"
MODEL_BLAMED_BY = (
    TAUGHT_BLAMED_BY,
    LEARNT_BLAMED_BY,
    DISAGREED_BLAMED_BY,
    BOTH_BLAMED_BY,
    TAUGHT_DISAGREED_BLAMED_BY,
)
"""The evidence kinds from the judges' fits (the flags alone may not single the source out)."""

_Taught = SourceTeaching | None
_Learnt = SourceAgreement | None
_Disagreed = SourceDisagreement | None


def _reference_name(reference: str) -> str:
    """The reference source as the summaries name it: "the trusted rows" as is, a source quoted."""
    return reference if reference.startswith("the ") else repr(reference)


def flagged_less_summary(worst: SourceRate, ref: SourceRate, taught: _Taught) -> str:
    """A source flagged clearly less than the trusted one: its labels learnt as if right."""
    assert taught is not None
    return (
        f"Source '{worst['source']}' has only {100 * worst['noise_rate']:.1f}% of its labels flagged against "
        f"{100 * ref['noise_rate']:.1f}% for the trusted '{ref['source']}': the model fitted on every row agrees with "
        "its labels more than true labels allow, so it has learnt their errors as if right (a teacher's consistent "
        f"errors); models fitted on them reach {100 * taught['taught_accuracy']:.1f}% validation accuracy against "
        f"{100 * taught['reference_accuracy']:.1f}% from as many trusted rows. "
    )


def _learnt_summary(taught: _Taught, learnt: _Learnt, disagreed: _Disagreed) -> str:
    assert learnt is not None
    reference = _reference_name(learnt["reference"])
    return (
        f"Models fitted on {learnt['rows_per_fit']} rows of source '{learnt['source']}' predict its other labels "
        f"{100 * learnt['self_agreement']:.1f}% of the time but validation labels only "
        f"{100 * learnt['val_accuracy']:.1f}%; for {reference} the same two are "
        f"{100 * learnt['reference_self_agreement']:.1f}% and {100 * learnt['reference_val_accuracy']:.1f}%: "
        f"{100 * learnt['excess']:.1f} points more of its labels are learnt as if right but do not hold"
        f" (95% interval {100 * learnt['low']:.1f}–{100 * learnt['high']:.1f}; p = {learnt['p_value']:.2g},"
        f" {learnt['judge']}): a teacher's consistent errors. "
    )


def _taught_summary(taught: _Taught, learnt: _Learnt = None, disagreed: _Disagreed = None) -> str:
    assert taught is not None
    return (
        f"{_taught_figures(taught)}"
        f" (drop {100 * taught['drop']:.1f} points, 95% interval {100 * taught['low']:.1f}–{100 * taught['high']:.1f};"
        f" p = {taught['p_value']:.2g}, {taught['judge']}): its labels teach the wrong function. "
    )


def _taught_figures(taught: SourceTeaching) -> str:
    return (
        f"Models fitted on {taught['rows_per_fit']} rows of source '{taught['source']}' reach "
        f"{100 * taught['taught_accuracy']:.1f}% validation accuracy against {100 * taught['reference_accuracy']:.1f}% "
        f"from as many rows of {_reference_name(taught['reference'])}"
    )


def _disagreed_figures(disagreed: SourceDisagreement) -> str:
    reference = _reference_name(disagreed["reference"])
    return (
        f"A {disagreed['judge']} fitted on the {disagreed['val_rows']} validation rows (labels no teacher has seen) "
        f"gives less than even odds to {100 * disagreed['hard_disagreement']:.1f}% of the labels of source "
        f"'{disagreed['source']}' against {100 * disagreed['reference_hard_disagreement']:.1f}% of those of "
        f"{reference}; beyond the judge's own uncertainty, its disagreement with them is "
        f"{100 * disagreed['excess']:.1f} points higher"
    )


def _disagreed_summary(taught: _Taught, learnt: _Learnt, disagreed: _Disagreed) -> str:
    assert disagreed is not None
    return (
        f"{_disagreed_figures(disagreed)} (95% interval {100 * disagreed['low']:.1f}–{100 * disagreed['high']:.1f};"
        f" permutation p = {disagreed['p_value']:.2g}): the validation labels contradict its labels. "
    )


def _both_summary(taught: _Taught, learnt: _Learnt, disagreed: _Disagreed) -> str:
    assert taught is not None and learnt is not None
    reference = _reference_name(taught["reference"])
    return (
        f"{_taught_figures(taught)} (drop {100 * taught['drop']:.1f} points, p = {taught['p_value']:.2g}), "
        f"and {100 * learnt['excess']:.1f} points more of its labels than of {reference} are learnt as if right "
        f"but do not hold on validation (p = {learnt['p_value']:.2g}). Neither is clear alone; together they are "
        f"(p = {combined_p_value(taught['p_value'], learnt['p_value']):.2g}, the two tests combined allowing for "
        "their correlation): its labels teach the wrong function, a teacher's consistent errors. "
    )


def _taught_disagreed_summary(taught: _Taught, learnt: _Learnt, disagreed: _Disagreed) -> str:
    assert taught is not None and disagreed is not None
    return (
        f"{_taught_figures(taught)} (drop {100 * taught['drop']:.1f} points, p = {taught['p_value']:.2g}). "
        f"{_disagreed_figures(disagreed)} (permutation p = {disagreed['p_value']:.2g}). Neither is clear alone; "
        f"together they are (p = {combined_p_value(taught['p_value'], disagreed['p_value']):.2g}, the two tests "
        "combined allowing for their correlation): its labels and the validation labels disagree both ways. "
    )


_Summary = Callable[[_Taught, _Learnt, _Disagreed], str]
_SUMMARIES: dict[str, _Summary] = {
    TAUGHT_BLAMED_BY: _taught_summary,
    LEARNT_BLAMED_BY: _learnt_summary,
    DISAGREED_BLAMED_BY: _disagreed_summary,
    BOTH_BLAMED_BY: _both_summary,
    TAUGHT_DISAGREED_BLAMED_BY: _taught_disagreed_summary,
}


def model_summary(blamed_by: str, taught: _Taught, learnt: _Learnt, disagreed: _Disagreed) -> str:
    """The sentences of the model-based evidence that blamed the source; "" for the flag-rate evidence."""
    summary = _SUMMARIES.get(blamed_by)
    return "" if summary is None else summary(taught, learnt, disagreed)
