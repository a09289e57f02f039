"""The validation control of ``label_noise`` where the final model, or the estimate's doubt, needs more than its noise.

:func:`gapdoctor.causes.label_noise.check.validation_control_rate` is confident learning on the
validation split, read by the final model; the training estimate is read by out-of-fold models.
:func:`credited_control` raises the control where the two are not the same kind of model;
:func:`out_of_fold_lag` where the final model was still learning fast when it stopped (the
out-of-fold models, with fewer steps, stand behind it); :func:`control_upper` is what an estimate
within the model's own doubt must clear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.label_noise.fit_gap import smoothed
from gapdoctor.causes.label_noise.score import GAP_SMOOTHING, OUT_OF_FOLD_STEP_SHARE
from gapdoctor.inputs.history import RunHistory
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.array_types import IntArray

__all__ = ["ControlCredit", "control_credit", "control_upper", "credited_control", "error_rate", "out_of_fold_lag"]


@dataclass(frozen=True)
class ControlCredit:
    """The two bounds on what the validation control misses, and what is added to it.

    Parameters
    ----------
    control : float
        The validation control the bounds were read against.
    predicted_shift : float
        Total variation between the out-of-fold and the final model's predicted class shares.
    excess_errors_high : float
        Training errors beyond the validation error, at the upper end of the difference's 95% interval.
    unbacked : float
        Flags beyond the control that those excess errors cannot hold (0 when they can).
    """

    control: float
    predicted_shift: float
    excess_errors_high: float
    unbacked: float

    @property
    def added(self) -> float:
        """What the control is raised by: the smaller bound."""
        return min(self.predicted_shift, self.unbacked)

    @property
    def credited(self) -> float:
        """The control raised by :attr:`added`."""
        return self.control + self.added


def control_credit(rate: float, train_confusion: IntArray, val_confusion: IntArray, control: float) -> ControlCredit:
    """The bounds :func:`credited_control` reads (see there)."""
    n_train, n_val = int(train_confusion.sum()), int(val_confusion.sum())
    predicted_shift = 0.5 * float(
        np.abs(train_confusion.sum(axis=0) / n_train - val_confusion.sum(axis=0) / n_val).sum()
    )
    train_error, val_error = error_rate(train_confusion), error_rate(val_confusion)
    se = math.sqrt(train_error * (1 - train_error) / n_train + val_error * (1 - val_error) / n_val)
    excess_high = train_error - val_error + 1.96 * se
    return ControlCredit(control, predicted_shift, excess_high, max(rate - control - excess_high, 0.0))


def credited_control(rate: float, train_confusion: IntArray, val_confusion: IntArray, control: float) -> float:
    """The validation control, raised where the final model is not the out-of-fold models' kind.

    The control reads the final model's confident errors on validation; the estimate, the
    out-of-fold models'. Where the two predict alike the control stands. Where they do not, two
    bounds on what the control misses are read and the smaller one is added:

    - *their predictions differ*: the share of rows on which they must predict different classes,
      the total variation between their predicted class shares (columns of the confusion matrices);
    - *the estimate is not backed by errors*: every flagged row is one the out-of-fold models err
      on, and wrong training labels are contradicted on top of the model's own errors, which the
      validation labels show: the flags beyond the control can be no more than the errors beyond
      the validation error (the upper end of that difference's 95% interval).

    Either bound alone misreads one kind of run: predictions differ under a distribution shift
    (corpus seed 269, injected noise and a shift, 0.36), and the validation errors carry the noise
    a model learnt from class-conditional flips (the bench's synthetic-class-conditional: 18.8%
    out-of-fold error, 18.6% on validation). A model at a learning rate too high to learn exceeds
    both (corpus seed 246: out-of-fold models predicting classes 1-3, a final model predicting
    class 2 for 96% of the validation rows, 0.58; 70.6% flagged against a 25.8% control while it
    errs on 70.6% of the training labels and 72.0% of the validation ones).

    Examples
    --------
    >>> collapsed = np.array([[0, 190, 0], [0, 190, 0], [0, 190, 0]])  # true x predicted
    >>> guessing = np.array([[70, 60, 60], [60, 70, 60], [60, 60, 70]])
    >>> round(credited_control(0.62, guessing, collapsed, 0.20), 2)  # errs on 63% and 67%: nothing extra
    0.6
    >>> credited_control(0.30, guessing, guessing, 0.05)  # the same kind of model: the control stands
    0.05
    """
    return control_credit(rate, train_confusion, val_confusion, control).credited


def out_of_fold_lag(history: RunHistory | None) -> float:
    """Validation accuracy the final model gained over the last fifth of its steps (0 without the curve).

    The out-of-fold models, trained as it was on four fifths of its rows, took four fifths of its steps
    (:data:`~gapdoctor.causes.label_noise.score.OUT_OF_FOLD_STEP_SHARE`): a run still learning fast when it
    stopped leaves them that far behind the final model that reads the control. The curve is smoothed as
    the fit gap's is and read at that share of its points (interpolated); a curve that is flat or falling
    there (converged, overfitting) lags by 0.

    The lag is added to the control (confident learning's rate on validation follows the final model's
    error): healthy runs stopped early in training read as label noise without it (never-read corpus
    seeds 2204 and 2238, a logistic regression after 11-12 epochs at a rate of 3e-4 / 5e-4, validation
    accuracy still gaining 3.5 points an epoch: out-of-fold models below the majority class flagged
    67.9% and 51.3% of the training labels against controls of 58.8% and 36.1%, reported at 0.81 and
    0.92).

    Examples
    --------
    >>> from gapdoctor.inputs.history import RunHistory
    >>> climbing = RunHistory.from_any({"val_accuracy": [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75]})
    >>> converged = RunHistory.from_any({"val_accuracy": [0.5, 0.9, 0.9, 0.9]})
    >>> round(out_of_fold_lag(climbing), 3), out_of_fold_lag(converged)
    (0.083, 0.0)
    """
    curve = None if history is None else history.get("val_accuracy")
    measured = np.zeros(0) if curve is None else np.asarray(curve, dtype=np.float64)
    measured = measured[np.isfinite(measured)]  # the points where validation was read
    if len(measured) < GAP_SMOOTHING:
        return 0.0
    values = smoothed(measured)
    at = max(OUT_OF_FOLD_STEP_SHARE * len(values) - 1.0, 0.0)  # the point after that share of the steps
    behind = float(np.interp(at, np.arange(len(values)), values))
    return max(float(values[-1]) - behind, 0.0)


def control_upper(control: float, n_val: int) -> float:
    """The upper end of the control's exact 95% interval: what an estimate within the model's own doubt must clear.

    Within that doubt (confident learning on labels drawn from the model's own probabilities flags as
    many rows) the flags are explained by the model's uncertainty alone, and only the control can tell
    wrong labels from classes that overlap: the estimate must then exceed everything the control
    allows, not only its sampling noise. On a small split that is a wide margin (corpus seed 308:
    12 validation rows, none flagged, allow up to 26.5%; an MLP at 65% out-of-fold accuracy on
    overlapping classes flagged 28.6%, interval from 24.0%, within its own doubt of 34.7%). Estimates
    beyond that doubt (every bench label-noise scenario, corpus seed 161 with 49 validation rows) keep
    the control's floor (the control plus the sampling noise of the difference).

    Examples
    --------
    >>> round(control_upper(0.0, 12), 3)
    0.265
    """
    return binomial_interval(round(control * n_val), n_val)[1]


def error_rate(confusion: IntArray) -> float:
    """Share of the rows off the diagonal of a confusion matrix (true x predicted)."""
    return float(1.0 - np.trace(confusion) / max(int(confusion.sum()), 1))
