"""The one-line summary of ``overfitting.curves``: the validation loss's rise, the metric's fall, or the plateau."""

from __future__ import annotations

from gapdoctor.causes.curves import info_of, training_words
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory

__all__ = ["curves_summary"]

CLEAR_GAP_SDS = 2.0
"""A training lead of fewer sampling standard deviations than this is said to be within the validation noise."""
FAR_GAP_SDS = 4.0
"""From this many it is said to be far ahead."""


def _rise_words(rise_pct: float | None) -> str:
    """How far the validation loss stands above its best, in words: a rise that rounds to 0 is said to hold level.

    Examples
    --------
    >>> _rise_words(14.1), _rise_words(0.0)
    ('it rose 14.1%', 'it has held level')
    """
    return f"it rose {rise_pct}%" if rise_pct else "it has held level"


def _gap_words(sds: float) -> str:
    """What a training lead of ``sds`` sampling standard deviations says, in words that do not over-claim.

    Examples
    --------
    >>> _gap_words(1.0)[:40]
    'within the sampling noise of the validat'
    >>> _gap_words(6.6)
    'the model fits its training rows far better than new ones.'
    """
    if sds < CLEAR_GAP_SDS:
        return "within the sampling noise of the validation rows, so not by itself a sign of memorisation."
    if sds < FAR_GAP_SDS:
        return "the model fits its training rows better than new ones."
    return "the model fits its training rows far better than new ones."


def curves_summary(
    result: OverfittingCurves,
    history: RunHistory,
    evidence: Evidence,
    best_loss_idx: int | None,
    best_metric_idx: int | None,
    plateau_idx: int,
    train_low_idx: int | None = None,
) -> str:
    """The finding's one line: the validation loss's rise, the metric's fall, or the plateau."""
    where = history.position
    n = history.n_epochs
    training = training_words(result.training_curve)
    if result.pattern == "turn" and best_loss_idx is not None and (result.val_loss_rise_pct or 0.0) > 0:
        summary = (
            f"Validation loss (smoothed) bottomed out at {where(best_loss_idx)} and rose "
            f"{result.val_loss_rise_pct}% by {where(n - 1)} while {training} fell a further "
            f"{result.train_loss_drop_after_turn_pct}%."
        )
        if train_low_idx is not None:
            summary = summary[:-1] + (
                f" to its lowest at {where(train_low_idx)} (it climbed back after that: the turn is judged up to "
                "there)."
            )
    elif result.pattern == "turn" and result.metric is not None and best_metric_idx is not None:
        summary = (
            f"Validation {result.metric} (smoothed) peaked at {where(best_metric_idx)} "
            f"({result.val_metric_best}) and fell to {result.val_metric_final} "
            f"while {training} kept falling."
            if info_of(evidence, result.metric).greater_is_better
            else f"Validation {result.metric} (smoothed) was best at {where(best_metric_idx)} "
            f"({result.val_metric_best}) and got worse, to {result.val_metric_final}, "
            f"while {training} kept falling."
        )
    elif result.pattern == "memorised" and best_loss_idx is not None and result.generalisation_gap is not None:
        sds = result.generalisation_gap / (result.generalisation_gap_sd or 1.0)
        rows = f"{evidence.val_size:,} validation rows" if evidence.val_size else "the validation rows"
        if result.generalisation_gap_on == "metric":
            lead = (
                f"Training {result.metric} ends {result.generalisation_gap:.3g} ahead of validation "
                f"({result.val_metric_final}), {sds:.1f} sampling standard deviations of {rows}"
            )
        else:
            lead = (
                f"Validation loss ends {result.generalisation_gap:.3g} above training loss, {sds:.1f} standard "
                f"errors of its mean over {rows}"
            )
        summary = (
            f"{lead}: {_gap_words(sds)} Validation loss has not "
            f"improved since {where(best_loss_idx)} ({_rise_words(result.val_loss_rise_pct)}) while {training} "
            "kept falling."
        )
    else:
        summary = (
            f"Validation stopped improving at {where(plateau_idx)}; the {n - 1 - plateau_idx} "
            f"{history.points_name}s after it only lowered the {training} "
            f"(by {result.train_loss_drop_late_pct}% over their second half alone)."
        )
    if result.few_points is not None:
        summary += f" Only {n} {history.points_name}s were recorded: the turn rests on few points."
    return summary
