"""Labels learnt but wrong: how much more a source's labels agree with themselves than with the truth.

A teacher's pseudo labels are a function of the features: a model fitted on some of them
predicts the others far better than it predicts the truth. Correct labels carry the task's own
noise, so a model fitted on them predicts held-out training labels about as well as validation
labels. For a label source ``S``, models fitted on ``m`` of its rows (5-fold: each fold model on
4/5 of the draw) give

- its *self-agreement* ``A(S, S)``: the share of the draw's held-out rows whose given label the
  fold models predict, and
- its *validation accuracy* ``A(S, val)``: the share of validation rows (whose labels no teacher
  has seen) those same fold models get right,

and the source's gap ``A(S, S) - A(S, val)``. The statistic is the source's gap minus the
trusted reference's gap, each measured with ``m`` rows (the smaller of the two, so the learning
curve cancels): the share of the source's labels that a model learns as if right but that do
not hold on validation. A shift between training and validation, a broken validation pipeline,
leakage or label noise spread over every source moves both gaps alike and cancels; a teacher's
consistent errors raise the source's gap alone.

Why not the agreement of the source with a model fitted on the trusted rows: a teacher is
usually fitted on those same rows, so such a model agrees with it, errors included. On the
calibration corpus's 29 pseudo-labelled runs, a logistic regression fitted on the trusted rows
disagreed with the pseudo labels *less* often than with the trusted rows' own labels
(cross-validated) in 15, and significantly more often (p < 0.01, two judges) in only 2; the
statistic here passed its test in 12, and in 1 of 337 null controls (every other scenario, its
rows split at random into two equally clean sources; the trusted-fit test: 6) — see
``benchmarks/pseudo_label_agreement.py``.

The reference is the trusted source (:func:`~gapdoctor.causes.pseudo_label_noise.teaching.trusted_source`)
or, when no name reads as trusted, the other sources pooled. Two judges (logistic regression
and 7-nearest neighbours on standardised features, as in the teaching module); the smaller
one-sided p-value is Bonferroni-corrected for the judges and sources tested. The standard
error treats the two gaps as independent and each from one draw of rows, which overstates it
(the shared validation rows correlate them positively; averaging draws only lowers the spread).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from gapdoctor.causes.pseudo_label_noise.teaching import judges, sources_to_compare
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.budget import DOMAIN_ROWS, SEED

__all__ = ["SourceAgreement", "agreement_of"]

_FOLDS = 5  # fold models on 4/5 of a draw: the usual out-of-fold estimate
_DRAWS = 5  # draws of the fit size from the larger group: as many fits as the smaller group's 5 folds
_MIN_ROWS = 20  # rows a source (and its reference) needs: below it a 5-fold gap is mostly noise
_TRAIN_ROWS = DOMAIN_ROWS  # rows per draw: the in-house fits cost no more than the domain classifier's
_VAL_ROWS = 5_000  # validation rows scored: an accuracy on 5k rows has sd < 0.007


class SourceAgreement(TypedDict):
    """One source against its reference: each one's self-agreement and validation accuracy, and the test."""

    source: str
    reference: str
    rows_per_fit: int
    self_agreement: float
    val_accuracy: float
    reference_self_agreement: float
    reference_val_accuracy: float
    excess: float
    low: float
    high: float
    p_value: float
    judge: str


def _features(X: NDArray[Any], rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """The features of ``rows`` as float64, missing values as 0 (only those rows are converted)."""
    return np.nan_to_num(np.asarray(X[rows], dtype=np.float64))


_Predict = Callable[[NDArray[np.float64]], NDArray[np.int64]]


def _fitted(make: Callable[[], Pipeline], X: NDArray[np.float64], y: NDArray[np.int64]) -> _Predict:
    """A judge fitted on (X, y); a single class is predicted everywhere."""
    if len(np.unique(y)) < 2:
        only = y[0]
        return lambda Z: np.full(len(Z), only)
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a judge, not the user's model: 500 steps suffice
        model.fit(X, y)
    return lambda Z: np.asarray(model.predict(Z))


def _gap(
    make: Callable[[], Pipeline],
    X: NDArray[Any],
    y: NDArray[np.int64],
    rows: NDArray[np.int64],
    fit_rows: int,
    X_val: NDArray[np.float64],
    y_val: NDArray[np.int64],
) -> tuple[float, float, float]:
    """(self-agreement, validation accuracy, variance of their difference) of judges fitted on ``fit_rows`` rows.

    A group with few rows beyond ``fit_rows`` is cross-validated (5 folds of its rows, each
    validation row scored by one fold model); a larger one gets :data:`_DRAWS` random draws of
    ``fit_rows`` rows, each judge scored on (up to :data:`_VAL_ROWS` of) the group's other rows.
    """
    rng = np.random.default_rng(SEED)
    if len(rows) - fit_rows < _MIN_ROWS:
        ok_self, ok_val = np.zeros(len(rows)), np.zeros(len(y_val))
        fold_of_row = rng.permutation(len(rows)) % _FOLDS
        fold_of_val = rng.permutation(len(y_val)) % _FOLDS
        for i in range(_FOLDS):
            held, scored = fold_of_row == i, fold_of_val == i
            predict = _fitted(make, _features(X, rows[~held]), y[rows[~held]])
            ok_self[held] = predict(_features(X, rows[held])) == y[rows[held]]
            ok_val[scored] = predict(X_val[scored]) == y_val[scored]
        variance = ok_self.var() / len(rows) + ok_val.var() / len(y_val)
        return float(ok_self.mean()), float(ok_val.mean()), float(variance)
    agree, right, variances = [], [], []
    for _ in range(_DRAWS):
        order = rng.permutation(rows)
        fit, rest = order[:fit_rows], order[fit_rows:][:_VAL_ROWS]
        predict = _fitted(make, _features(X, fit), y[fit])
        ok_self, ok_val = predict(_features(X, rest)) == y[rest], predict(X_val) == y_val
        agree.append(ok_self.mean())
        right.append(ok_val.mean())
        variances.append(ok_self.var() / len(rest) + ok_val.var() / len(y_val))
    gaps = np.subtract(agree, right)
    draw_spread = float(np.var(gaps, ddof=1)) / _DRAWS  # the draw of the fitted rows, averaged over draws
    return float(np.mean(agree)), float(np.mean(right)), float(np.mean(variances)) + draw_spread


def _reference_rows(sources: NDArray[np.str_], name: str, trusted: str | None) -> NDArray[np.int64]:
    """The trusted source's rows, or every other source's when none reads as trusted."""
    return np.flatnonzero(sources == trusted if trusted is not None else sources != name)


def agreement_of(evidence: Evidence, min_rows: int = _MIN_ROWS) -> list[SourceAgreement]:
    """Each usable source's excess gap over its reference, strongest evidence per source; [] without X and y_val."""
    compared = sources_to_compare(evidence, min_rows, "validation rows scored by the source-fitted models")
    if compared is None:
        return []
    X, y, s, Xv, yv = compared.X, compared.y, compared.sources, compared.X_val, compared.y_val
    usable, trusted = compared.usable, compared.trusted
    pairs = [
        (name, trusted or "the other sources", np.flatnonzero(s == name), _reference_rows(s, name, trusted))
        for name in usable
        if name != trusted
    ]
    tests = len(pairs) * len(judges())
    results: dict[str, SourceAgreement] = {}
    with threadpool_limits(1):
        for judge, make in judges().items():
            for name, reference, rows, ref_rows in pairs:
                fit_rows = min(_TRAIN_ROWS, len(rows), len(ref_rows)) * (_FOLDS - 1) // _FOLDS
                own, ref = _gap(make, X, y, rows, fit_rows, Xv, yv), _gap(make, X, y, ref_rows, fit_rows, Xv, yv)
                excess = (own[0] - own[1]) - (ref[0] - ref[1])
                se = math.sqrt(max(own[2] + ref[2], 1e-12))
                p = min(1.0, float(sps.norm.sf(excess / se)) * tests)
                if name in results and results[name]["p_value"] <= p:
                    continue
                results[name] = {
                    "source": name,
                    "reference": reference,
                    "rows_per_fit": int(fit_rows),
                    "self_agreement": own[0],
                    "val_accuracy": own[1],
                    "reference_self_agreement": ref[0],
                    "reference_val_accuracy": ref[1],
                    "excess": excess,
                    "low": excess - 1.96 * se,
                    "high": excess + 1.96 * se,
                    "p_value": p,
                    "judge": judge,
                }
    return list(results.values())
