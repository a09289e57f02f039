"""The cause vocabulary: names, what each cause means, and its default fixes.

Every finding names one of :data:`CAUSES`, exactly. Checks may give more specific
fixes; the defaults here are what a practitioner tries first when the check has
nothing more precise to say.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CAUSES", "CauseInfo", "cause_info"]


@dataclass(frozen=True)
class CauseInfo:
    """What one cause means to the user.

    Parameters
    ----------
    name : str
        The exact vocabulary string.
    title : str
        A short human title.
    story : str
        The run's story when this is the cause.
    fixes : tuple of str
        Default remedies, most effective first.
    """

    name: str
    title: str
    story: str
    fixes: tuple[str, ...]


_INFO: tuple[CauseInfo, ...] = (
    CauseInfo(
        "overfitting",
        "Overfitting",
        "Capacity or epochs exceed what the data supports: validation loss turns up "
        "while training loss keeps falling, and the validation metric plateaus.",
        (
            "Stop early at the best validation epoch (keep that checkpoint).",
            "Add regularisation: weight decay / L2, dropout, data augmentation.",
            "Reduce capacity (fewer or narrower layers, shallower trees).",
            "Collect more training data.",
        ),
    ),
    CauseInfo(
        "label_noise",
        "Label noise",
        "Wrong training labels are being memorised: the loss falls by fitting them, "
        "which cannot help on correctly labelled validation data.",
        (
            "Inspect and relabel the flagged rows, most suspicious first.",
            "Drop or down-weight the flagged rows and re-train.",
            "Use a noise-robust loss (label smoothing, generalised cross-entropy).",
        ),
    ),
    CauseInfo(
        "metric_mismatch",
        "Loss does not match the metric",
        "The loss is minimised but the metric needs something else: an untuned "
        "decision threshold, class imbalance, or F1 versus cross-entropy.",
        (
            "Tune the decision threshold on held-out data (cross-validate it).",
            "Weight classes or resample to match the metric's priorities.",
            "Train with a loss closer to the metric (focal loss, a soft-F1 surrogate).",
        ),
    ),
    CauseInfo(
        "distribution_shift",
        "Train/validation distribution shift",
        "Validation data come from a different distribution (covariate or label "
        "shift): what is learned on train does not transfer.",
        (
            "Re-split the pooled data at random (stratified) if the shift is accidental.",
            "Weight training rows by importance (domain-classifier odds).",
            "Collect training data that covers the validation distribution.",
        ),
    ),
    CauseInfo(
        "small_validation_set",
        "Validation set too small",
        "The validation metric is too noisy to show the improvement that exists.",
        (
            "Enlarge the validation set to the size the check recommends.",
            "Use (repeated) cross-validation instead of one split.",
            "Track a smoother metric as well (log loss) to see the trend.",
        ),
    ),
    CauseInfo(
        "subgroup_failure",
        "Sub-populations left behind",
        "Some classes or groups are never learned while others are memorised.",
        (
            "Rebalance: class weights, oversampling of the lagging classes or groups.",
            "Collect or augment data for the lagging classes or groups.",
            "Report per-class / per-group metrics next to the overall one.",
        ),
    ),
    CauseInfo(
        "optimization",
        "Learning-rate / schedule problem",
        "Learning rate, schedule or batch size make optimisation oscillate, diverge or stall.",
        (
            "Lower the learning rate (try 3x and 10x smaller).",
            "Use warm-up and a decaying schedule (cosine, step decay on plateau).",
            "Clip gradients; increase the batch size if updates are very noisy.",
        ),
    ),
    CauseInfo(
        "preprocessing_leakage",
        "Preprocessing leakage",
        "A feature or transform carries training labels (target encoding, statistics "
        "fitted on the wrong rows, future information, duplicated rows).",
        (
            "Fit every transform inside the cross-validation / on training rows only.",
            "Drop identifier-like and target-derived features.",
            "De-duplicate across splits before splitting.",
        ),
    ),
    CauseInfo(
        "pipeline_bug",
        "Pipeline bug",
        "Label encoding differs between splits, features and labels are misaligned, "
        "a split is preprocessed differently, or data are not shuffled.",
        (
            "Encode labels with one encoder fitted once and reused for every split.",
            "Check that features and labels are joined on the same key and order.",
            "Apply the exact same fitted preprocessing object to every split.",
            "Shuffle the training data every epoch.",
        ),
    ),
    CauseInfo(
        "pseudo_label_noise",
        "Noisy pseudo labels",
        "Noise is concentrated in weak or pseudo-labelled sources.",
        (
            "Drop or down-weight the noisy source; raise its confidence threshold.",
            "Re-train the pseudo-labeller on clean data, then relabel.",
            "Relabel the flagged pseudo-labelled rows first.",
        ),
    ),
    CauseInfo(
        "metric_saturation",
        "Metric saturated",
        "The metric is at its ceiling: further loss gains cannot show in it.",
        (
            "Track log loss or calibration error to see the remaining progress.",
            "Look at the few remaining errors by hand; they may be label errors.",
            "Stop training: the metric has nothing left to gain.",
        ),
    ),
    CauseInfo(
        "search_noise",
        "Noisy hyper-parameter search",
        "The search ranks trials by differences smaller than the validation noise.",
        (
            "Score trials by cross-validation, not one small split.",
            "Enlarge the validation set so trial differences exceed its noise.",
            "Rank trials by the validation metric, never by training loss.",
        ),
    ),
)

CAUSES: tuple[str, ...] = tuple(info.name for info in _INFO)
"""The cause vocabulary, exact strings, in DESIGN.md order."""

_BY_NAME = {info.name: info for info in _INFO}


def cause_info(cause: str) -> CauseInfo:
    """Return the description of one cause.

    Parameters
    ----------
    cause : str
        One of :data:`CAUSES`.

    Returns
    -------
    CauseInfo

    Raises
    ------
    KeyError
        If ``cause`` is not in the vocabulary.

    Examples
    --------
    >>> cause_info("overfitting").title
    'Overfitting'
    """
    try:
        return _BY_NAME[cause]
    except KeyError:
        raise KeyError(f"unknown cause {cause!r}; known causes: {', '.join(CAUSES)}") from None
