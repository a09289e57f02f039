"""Pipeline bug: every validation row predicted one class with certainty, as no training row is.

A network fed inputs far outside the range it was trained on (a validation split that skipped the scaler, pixels
in 0-255 where training saw 0-1, another tokenizer) answers with the same saturated output for every row: one
class, probability 1. Its training rows, which went through the pipeline, it predicts in their classes' shares.
The loop's own outputs show it without the features: no other cause pins the validation rows of every class to
one class at a probability of :data:`~gapdoctor.causes.pipeline_bug.score.PINNED` or more while leaving the
training rows alone. A covariate shift moves some rows there (a corpus shift of breast-cancer rows: 94% of the
other class pinned, and a fifth of the training rows too) and so reads as weak evidence; a collapse of every
row is the bug's signature (the corpus's unscaled breast-cancer and wine validation splits: every row, none of
the training rows).

The check reads no features: it is the reading of a training loop's outputs alone, where
``pipeline_bug.split_preprocessing`` cannot run. Given the features it stands aside: a transform fitted with the
labels (a PCA that saw them: the outside yardstick's leak, every validation row pinned too) or a covariate shift
far outside the training range collapses the outputs as well, and the feature checks tell those apart.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.result import CollapsedPredictions
from gapdoctor.causes.pipeline_bug.score import COLLAPSE_MIN_SHARE, PINNED, collapse_score
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.budget import DECISION_RULE_ROWS, sample_rows

__all__ = ["collapsed_predictions", "pinned_shares"]

_MIN_OTHER_ROWS = 10
"""Validation rows of the other classes the share is read on: fewer say nothing a pinned class could not."""


def pinned_shares(probs: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class ``c``: rows labelled otherwise, how many of them are predicted ``c`` at :data:`PINNED` or more,
    and the share of all rows predicted ``c``.

    Examples
    --------
    >>> p = np.array([[1.0, 0.0], [0.9995, 0.0005], [0.6, 0.4], [0.2, 0.8]])
    >>> others, pinned, predicted = pinned_shares(p, np.array([0, 1, 1, 1]), 2)
    >>> others.tolist(), pinned.tolist(), predicted.tolist()
    ([3, 1], [1, 0], [0.75, 0.25])
    """
    top, confidence = np.argmax(probs, axis=1), np.max(probs, axis=1)
    counts = np.bincount(y, minlength=n_classes)[:n_classes]
    others = len(y) - counts
    pinned_wrong = (confidence >= PINNED) & (top != y)
    pinned = np.bincount(top[pinned_wrong], minlength=n_classes)[:n_classes]
    predicted = np.bincount(top, minlength=n_classes)[:n_classes] / max(len(y), 1)
    return others.astype(np.int64), pinned.astype(np.int64), predicted


def _rows(probs: np.ndarray, y: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    rows = sample_rows(len(y), DECISION_RULE_ROWS, what=what)
    return np.asarray(probs[rows], dtype=np.float64), np.asarray(y[rows], dtype=np.int64)


@register(
    name="pipeline_bug.collapsed_predictions",
    cause="pipeline_bug",
    requires=("y_val", "val_probs"),
    description="Every validation row predicted one class with certainty, unlike the training rows: inputs "
    "preprocessed differently.",
)
def collapsed_predictions(evidence: Evidence) -> list[Finding]:
    """The class most validation rows of other classes are pinned to; how little room they leave; training's."""
    assert evidence.y_val is not None and evidence.val_probs is not None
    if evidence.X_train is not None and evidence.X_val is not None:
        raise SkipCheck(
            "the features are given: the split-preprocessing, shift and leakage checks read them, which tells a "
            "skipped scaler from a shift or a transform fitted with the labels (this check reads outputs only)"
        )
    k = evidence.n_classes
    if k < 2:
        raise SkipCheck("needs at least two classes")
    val_probs, y_val = _rows(evidence.val_probs, evidence.y_val, "validation rows")
    others, pinned, val_predicted = pinned_shares(val_probs, y_val, k)
    readable = others >= _MIN_OTHER_ROWS
    if not np.any(readable):
        raise SkipCheck(f"needs at least {_MIN_OTHER_ROWS} validation rows outside each class")
    share = np.where(readable, pinned / np.maximum(others, 1), 0.0)
    c = int(np.argmax(share))
    if share[c] < COLLAPSE_MIN_SHARE:
        return []
    _, unpinned_high = binomial_interval(int(others[c] - pinned[c]), int(others[c]))
    train_pinned = train_predicted = None
    if evidence.train_probs is not None and evidence.y_train is not None and len(evidence.y_train):
        train_probs, y_train = _rows(evidence.train_probs, evidence.y_train, "training rows")
        t_others, t_pinned, t_predicted = pinned_shares(train_probs, y_train, k)
        train_pinned = float(t_pinned[c] / t_others[c]) if t_others[c] else 0.0
        train_predicted = float(t_predicted[c])
    score = collapse_score(unpinned_high + (train_pinned or 0.0), train_known=train_pinned is not None)
    if score < MIN_FINDING_SCORE:
        return []
    name = str(evidence.classes[c]) if evidence.classes else str(c)
    result = CollapsedPredictions(
        predicted_class=name,
        val_rows_other_classes=int(others[c]),
        val_pinned_share=round(float(share[c]), 4),
        val_unpinned_high=round(float(unpinned_high), 4),
        train_pinned_share=None if train_pinned is None else round(train_pinned, 4),
        val_predicted_share=round(float(val_predicted[c]), 4),
        train_predicted_share=None if train_predicted is None else round(train_predicted, 4),
        val_label_share=round(float(np.mean(y_val == c)), 4),
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=score,
            summary=_summary(result),
            fixes=(
                "Apply the exact fitted preprocessing of the training inputs to the validation inputs (the same "
                "scaler or normaliser object: transform, never fit, and never skip it); check pixel ranges (0-255 "
                "against 0-1) and the tokenizer.",
                "Print the mean and spread of one batch of each split as the model receives it, side by side.",
                "Pass X_train and X_val to diagnose(): the split-preprocessing check then names the features.",
            ),
            check=CollapsedPredictions.CHECK,
            result=result,
        )
    ]


def _summary(result: CollapsedPredictions) -> str:
    training = (
        ""
        if result.train_pinned_share is None
        else (
            f", while it predicts '{result.predicted_class}' for {result.train_predicted_share:.0%} of the training "
            f"rows and pins {result.train_pinned_share:.0%} of the other classes' training rows there"
        )
    )
    return (
        f"The model predicts '{result.predicted_class}' for {result.val_predicted_share:.0%} of the validation rows "
        f"({result.val_label_share:.0%} of them carry that label), and {result.val_pinned_share:.0%} of the "
        f"{result.val_rows_other_classes} rows of other classes with a probability of {PINNED} or more{training}: "
        "the validation inputs reach the model unlike the training inputs (preprocessed differently, or far "
        "outside the training range)."
    )
