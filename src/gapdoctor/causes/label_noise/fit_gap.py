"""The second test of ``label_noise``: a model fitting its own training labels worse than validation labels.

A model fits the labels it is trained on at least as well as labels it never saw: at any epoch,
its accuracy on the training rows is at least its validation accuracy, up to sampling noise (the
generalisation gap is not negative). Wrong training labels reverse that before they are
memorised: a model that has learnt the true classes contradicts them, so its training accuracy
(on the given labels) sits *below* its validation accuracy (on clean labels) by about the share of
wrong labels. The gap is read at the best validation epoch (the model has learnt most and
memorised least), on curves smoothed over :data:`~gapdoctor.causes.label_noise.score.GAP_SMOOTHING`
epochs after the first :data:`~gapdoctor.causes.label_noise.score.GAP_SKIPPED_EPOCHS`.

It is a test of the same model at the same epoch, so it needs no out-of-fold models and no
validation control read by another model. It corroborates confident learning: the two tests'
z-scores are combined (Stouffer), so a clear gap lowers the margin by which the estimate must
clear the control (:func:`gapdoctor.causes.label_noise.score.control_z`).
Only accuracy series are read: a share of rows, whose sampling noise is binomial.

The premise holds only for a training curve measured as the validation one is (the model in
evaluation mode, on every training row). Most frameworks log the training accuracy as the mean
over the epoch's batches in training mode (Keras ``accuracy``, Lightning ``train_acc`` on epoch):
dropout, augmentation or noise injected in training lower it on clean labels, by as much as wrong
labels would (a torch MLP with dropout 0.5 on clean digits: 16-18 points, z = 11-12, from the second
epoch to the last). The run itself tells the two apart: wrong labels that lowered the training
curve are memorised as training goes on, and the curve then reaches the validation one (corpus
seeds 49 and 129: a gap of +12.6 and +5.5 points at the best epoch, -19.9 and -14.2 at the end);
an offset of the training mode stays to the end. The gap is read only when the training curve
reaches the validation curve by the last epoch (:data:`~gapdoctor.causes.label_noise.score.GAP_CLOSED`).

The premise also needs a model that has learnt the classes at that epoch: wrong labels drawn at random
lower its training accuracy toward what an uninformed guess agrees with, never below it. A training curve
that disagrees with its labels more often than chance (:func:`~gapdoctor.causes.label_noise.score.chance_rate`)
has learnt a mismatch, such as a model near its initialisation predicting the classes in another order:
no test (held-out corpus seed 16728, validation labels encoded in another order: at the best validation
epoch, the second, the training curve was 9.9% accurate on three classes against 34% by chance, and its
"gap" of 52 points, z = 6.9, headlined label noise at 0.98; seed 14936 alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.label_noise.score import (
    CONTROL_Z,
    GAP_CLOSED,
    GAP_SKIPPED_EPOCHS,
    GAP_SMOOTHING,
    chance_rate,
    control_z,
)
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import FloatArray

__all__ = ["FitGap", "best_epoch_gap", "fit_gap_of", "gap_sentence", "smoothed"]


@dataclass(frozen=True)
class FitGap:
    """Validation accuracy minus training accuracy at the best validation epoch.

    Parameters
    ----------
    epoch : int or float
        The best validation epoch (epochs completed there), on the smoothed curve.
    gap : float
        Validation minus training accuracy there (positive: the training labels are fitted worse).
    z : float
        The gap over its standard error (binomial, at Agresti-Coull proportions of both splits).
    final_gap : float
        The same difference at the last epoch (smoothed alike): at or below
        :data:`~gapdoctor.causes.label_noise.score.GAP_CLOSED` once the training curve reached validation.
    train_error, chance_error : float
        The training curve's error at the best validation epoch, and the error of a guess that learnt
        nothing (:func:`~gapdoctor.causes.label_noise.score.chance_rate` of the training labels).
    """

    epoch: int | float
    gap: float
    z: float
    final_gap: float
    train_error: float = 0.0
    chance_error: float = 1.0

    @property
    def closed(self) -> bool:
        """The training curve reached the validation curve by the last epoch: it measures what validation does."""
        return self.final_gap <= GAP_CLOSED

    @property
    def learnt(self) -> bool:
        """The model had learnt the classes at the best validation epoch: its training error is below chance's."""
        return self.train_error < self.chance_error


def smoothed(values: FloatArray) -> FloatArray:
    """A curve averaged over GAP_SMOOTHING points (:mod:`~gapdoctor.causes.label_noise.score`), centred."""
    width = GAP_SMOOTHING
    padded = np.pad(values, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")


def _variance(accuracy: float, n: int) -> float:
    """Binomial variance of an accuracy on ``n`` rows, at the Agresti-Coull proportion (never 0)."""
    p = (accuracy * n + 2) / (n + 4)
    return p * (1 - p) / (n + 4)


def fit_gap_of(evidence: Evidence) -> FitGap | None:
    """The best-epoch gap as a test of wrong labels: None without both accuracy curves, when it never
    closed, or when the model had not learnt the classes at the best validation epoch.

    A training curve that stays below the validation one to the last epoch may be measured in
    training mode (dropout, augmentation: see the module's docstring); its gap is no test. Nor is the
    gap of a training curve that disagrees with its labels more often than chance (a mismatch learnt,
    not wrong labels contradicted).

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> train = [0.5, 0.78, 0.8, 0.8, 0.85, 0.95]  # the given labels fitted worse ...
    >>> val = [0.5, 0.9, 0.92, 0.91, 0.9, 0.88]  # ... than the validation ones, until memorised
    >>> history = {"train_accuracy": train, "val_accuracy": val}
    >>> ev = build_evidence(history=history, y_train=[0, 1] * 200, y_val=[0, 1] * 100)
    >>> gap = fit_gap_of(ev)
    >>> gap.epoch, round(gap.gap, 3), round(gap.z, 1)
    (3, 0.117, 4.0)
    >>> offset = {"train_accuracy": [t - 0.1 for t in val], "val_accuracy": val}  # dropout's offset, never closed
    >>> fit_gap_of(build_evidence(history=offset, y_train=[0, 1] * 200, y_val=[0, 1] * 100)) is None
    True
    """
    gap = best_epoch_gap(evidence)
    return gap if gap is not None and gap.closed and gap.learnt else None


def best_epoch_gap(evidence: Evidence) -> FitGap | None:
    """Validation minus training accuracy at the best validation epoch, closed or not; None without both curves."""
    history = evidence.history
    if history is None or evidence.y_train is None or evidence.y_val is None:
        return None
    train, val = history.get("train_accuracy"), history.get("val_accuracy")
    if train is None or val is None or len(train) != len(val):
        return None
    train, val = train[GAP_SKIPPED_EPOCHS:], val[GAP_SKIPPED_EPOCHS:]
    if len(val) < GAP_SMOOTHING or not (np.isfinite(train).all() and np.isfinite(val).all()):
        return None
    train_s, val_s = smoothed(np.asarray(train, dtype=np.float64)), smoothed(np.asarray(val, dtype=np.float64))
    best = int(np.argmax(val_s))
    t, v = float(train_s[best]), float(val_s[best])
    se = math.sqrt(_variance(t, len(evidence.y_train)) + _variance(v, len(evidence.y_val)))
    final = float(val_s[-1] - train_s[-1])
    return FitGap(
        epoch=history.epoch_at(best + GAP_SKIPPED_EPOCHS),
        gap=v - t,
        z=(v - t) / se,
        final_gap=final,
        train_error=1.0 - t,
        chance_error=chance_rate(np.bincount(evidence.y_train)),
    )


def gap_sentence(gap: FitGap | None) -> str:
    """The summary's sentence on the fit gap, when it lowered the control's bar (empty otherwise)."""
    if gap is None or control_z(gap.z) >= CONTROL_Z:
        return ""
    return (
        f" At its best validation epoch ({gap.epoch}) the model fits its own training labels "
        f"{100 * gap.gap:.1f} points worse than the validation labels (z = {gap.z:.1f}): a model fits the "
        "labels it trains on at least as well as unseen ones, unless some are wrong and not yet memorised."
    )
