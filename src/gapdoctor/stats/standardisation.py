"""Whether a split was standardised with its own statistics, and whether standardising it undoes a difference.

Evidence of :func:`gapdoctor.stats.rescaling.partial_standardisation` (``pipeline_bug``'s "split
preprocessed differently" when only some features differ): :func:`standardisation_error` reads a
split's exact column means and sds (a scaler fitted on it leaves them 0 and 1 to floating-point
precision); :func:`own_scale_fix` scores models fitted on the standardised split on the other split
as given and standardised by its own statistics (a missing scaler: the fit improves or holds; a real
covariate shift: the rows move away from where their labels were learned, and the fit worsens).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import DOMAIN_ROWS, sample_rows
from gapdoctor.stats.trees import boosted_trees

__all__ = [
    "BLOCK_ROWS",
    "FIX_LOSS_Z",
    "FIX_ROWS",
    "STANDARDISED_TOLERANCE",
    "OwnScaleFix",
    "own_scale_fix",
    "standardisation_error",
]

STANDARDISED_TOLERANCE = 1e-4
"""Largest |mean| and |sd - 1| (sd with ddof 0 or 1), over every non-constant feature and all rows,
of a split standardised with its own statistics. float32 arithmetic leaves about 1e-6; a split
standardised with another split's statistics (a random split of standardised data) is off by about
1/sqrt(rows) per feature, above 1e-4 below 10^8 rows, and on every feature at once."""

FIX_LOSS_Z = 1.96
"""Paired z (two-sided 5%) of the per-row log-loss change. Below -this: standardising the other split
by its own statistics worsens the fit of a model of the standardised split, so the difference is not
a missing scaler (a real shift's rows are moved away from where their labels were learned). Above it:
the standardisation helps, as it must where a scaler was skipped in units the model cannot read; in
between, the difference is nothing the model minds, and no missing scaler is what holds the metric
back (covariate shifts that move and rescale the correlated features of breast cancer and wine,
never-read corpus seeds 2573 and 3181: z -0.88 and +0.80; every skipped scaler of the corpus that
changed the fit: +2.75 to +16.1)."""

FIX_ROWS = DOMAIN_ROWS
"""Rows per split the fix check fits its two models on and scores (the domain classifier's budget)."""

BLOCK_ROWS = 65_536
"""Rows read at a time by the passes over a whole split (a few MB, whatever the split's size)."""


@dataclass(frozen=True)
class OwnScaleFix:
    """Models fitted on the standardised split, scored on the other split as given and standardised
    by its own statistics (the same rows, paired): the model that the standardisation helps most
    (see :func:`own_scale_fix`).

    ``model`` is ``"linear"`` (logistic regression) or ``"trees"`` (gradient-boosted); its mean
    log-loss and accuracy on the rows as given and own-standardised; ``z`` the paired z of the
    per-row log-loss decrease (positive: the standardisation helps); ``rows`` the rows scored;
    ``majority_share`` the share of their most common label (what predicting it alone scores).
    """

    model: str
    log_loss_as_given: float
    log_loss_own_scaled: float
    accuracy_as_given: float
    accuracy_own_scaled: float
    z: float
    rows: int
    majority_share: float = 0.0

    @property
    def gains_fit(self) -> bool:
        """True when the standardisation significantly improves the fit (the split was read in other units)."""
        return self.z > FIX_LOSS_Z

    @property
    def confirms_missing_scaler(self) -> bool:
        """True when the standardisation improves the fit and leaves a model that predicts the labels.

        A skipped scaler leaves a working model unreadable; standardising restores it, above what the
        most common label alone scores. A standardisation that only softens confident errors (rows of
        one class shifted to where the model learnt others: held-out corpus seeds 6141 and 7661, wine
        with a covariate shift and 35-38% flipped training labels, 0-6% accurate as given and 14-17%
        own-standardised, every validation row of one class) lowers the log-loss, but fixes nothing.
        """
        return self.gains_fit and self.accuracy_own_scaled > self.majority_share

    @property
    def costs_fit(self) -> bool:
        """True when the standardisation significantly worsens the fit (a real shift, moved away)."""
        return self.z < -FIX_LOSS_Z


def standardisation_error(X: FeatureArray) -> float:
    """Largest |mean| or |sd - 1| of ``X``'s non-constant features over all rows (inf when none).

    The mean and sd are computed exactly, in float64 over row blocks (no copy of the split),
    ignoring missing values; the sd is read with ddof 0 and 1 and the closer to 1 kept (a split
    standardised by numpy / scikit-learn or by torch / pandas). A split standardised with its own
    statistics gives about 1e-15 (float64) or 1e-7 (float32); see :data:`STANDARDISED_TOLERANCE`.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 3))
    >>> standardisation_error((X - X.mean(axis=0)) / X.std(axis=0)) < 1e-12
    True
    >>> standardisation_error((X - 3.0) / 2.0) > 1e-3  # the population's statistics, not its own
    True
    """
    total, count = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for start in range(0, len(X), BLOCK_ROWS):
        block = np.asarray(X[start : start + BLOCK_ROWS], dtype=np.float64)
        present = ~np.isnan(block)
        total += np.where(present, block, 0.0).sum(axis=0)
        count += present.sum(axis=0)
    mean = total / np.maximum(count, 1.0)
    squares = np.zeros(X.shape[1])
    for start in range(0, len(X), BLOCK_ROWS):
        block = np.asarray(X[start : start + BLOCK_ROWS], dtype=np.float64)
        squares += np.nansum((block - mean) ** 2, axis=0)
    live = (count >= 2) & (squares > 0)
    if not live.any():
        return math.inf
    sd0 = np.sqrt(squares[live] / count[live])
    sd1 = np.sqrt(squares[live] / (count[live] - 1))
    sd_error = np.minimum(np.abs(sd0 - 1.0), np.abs(sd1 - 1.0))
    return float(max(np.abs(mean[live]).max(), sd_error.max()))


def _own_scaled(X: FloatArray) -> FloatArray:
    """``X`` standardised by its own column means and sds (a constant column only centred)."""
    with warnings.catch_warnings():  # a column with no value stays missing
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(X, axis=0)
        scaled: FloatArray = (X - np.nanmean(X, axis=0)) / np.where(sd > 0, sd, 1.0)
    return scaled


def _filled(X: FloatArray) -> FloatArray:
    """``X`` with each missing value replaced by its column's mean (0 for a column with no value)."""
    missing = np.isnan(X)
    if not missing.any():
        return X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nan_to_num(np.nanmean(X, axis=0))
    return np.where(missing, means, X)


_LOG_LOSS_FLOOR = 1e-6
"""Probability floor of the per-row log-loss (a row the model calls impossible costs about 13.8)."""


def _paired_fit(model: Any, given: FloatArray, scaled: FloatArray, y: IntArray, name: str) -> OwnScaleFix:
    """Per-row log-loss and accuracy of a fitted ``model`` on the same rows as given and own-standardised."""
    column = {label: i for i, label in enumerate(model.classes_.tolist())}
    known = np.array([label in column for label in y.tolist()])
    index = np.array([column.get(label, 0) for label in y.tolist()])
    losses, right = [], []
    for X in (given, scaled):
        probs = model.predict_proba(X)
        p = np.where(known, probs[np.arange(len(y)), index], 0.0)  # a class the model never saw: probability 0
        losses.append(-np.log(np.maximum(p, _LOG_LOSS_FLOOR)))
        right.append(model.classes_[probs.argmax(axis=1)] == y)
    change = losses[0] - losses[1]
    spread = float(change.std(ddof=1)) if len(change) > 1 else 0.0
    z = float(change.mean()) / (spread / math.sqrt(len(change))) if spread > 0 else 0.0
    return OwnScaleFix(
        name,
        float(losses[0].mean()),
        float(losses[1].mean()),
        float(right[0].mean()),
        float(right[1].mean()),
        z,
        len(y),
        float(np.unique(y, return_counts=True)[1].max() / len(y)) if len(y) else 0.0,
    )


def own_scale_fix(X_fit: FeatureArray, y_fit: IntArray, X_other: FeatureArray, y_other: IntArray) -> OwnScaleFix | None:
    """Score models fitted on ``(X_fit, y_fit)`` on ``X_other`` as given and standardised by its own
    statistics; the one the standardisation helps most (one that confirms a missing scaler first), or
    None when the fitting rows hold one class.

    A linear model (its probabilities move with a row's location along its weights) and
    gradient-boosted trees (the domain classifier's settings; they split on raw thresholds), on at
    most :data:`FIX_ROWS` rows of each split, missing values filled with their column's mean.
    Either one suffices: on a real shift both fits worsen (no model confirmed a missing scaler on
    any of 97 corpus shifts, batches 26-41), while a missing scaler can help a linear model and
    still be one: fitted on noisy labels, its weights lean on noise features, and the unscaled
    informative features (sd 1.3-3.5) outweigh them on the validation rows (corpus seeds 26991,
    30701: z -8.2 and -5.1 for the linear model, the trees +1.1 and +4.5). Requiring both left 13
    of 112 corpus missing scalers read as distribution shifts; either, 4.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 3))
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> fix = own_scale_fix(X[:300], y[:300], X[300:] * 5.0 + 2.0, y[300:])  # never standardised
    >>> fix.log_loss_own_scaled < fix.log_loss_as_given, fix.z > 0
    (True, True)
    """
    if len(np.unique(y_fit)) < 2:
        return None
    fit_rows = sample_rows(len(X_fit), FIX_ROWS, what="rows of the standardised split for the fix check")
    rows = sample_rows(len(X_other), FIX_ROWS, what="rows of the other split for the fix check", seed=1)
    X = _filled(np.asarray(X_fit[fit_rows], dtype=np.float64))
    given = np.asarray(X_other[rows], dtype=np.float64)
    scaled = _filled(_own_scaled(given))
    given = _filled(given)
    models = {
        "linear": LogisticRegression(max_iter=500),
        "trees": boosted_trees(),
    }
    fits = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # an unconverged fit still scores both versions alike
        for name, model in models.items():
            model.fit(X, y_fit[fit_rows])
            fits.append(_paired_fit(model, given, scaled, y_other[rows], name))
    return max(fits, key=lambda fit: (fit.confirms_missing_scaler, fit.z))
