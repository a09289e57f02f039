"""What confident learning would report if the labels were exactly as uncertain as the model says.

Confident learning counts the rows whose given label the out-of-sample model contradicts
with confidence. A model that is unsure (an early-stopped or undertrained network, classes
that overlap) contradicts many labels without any being wrong: its errors sit where it
doubts. The reference for that is the model's own probabilities: draw every row's label
from its predicted distribution and run confident learning on those labels. Its expected
result is computed here in closed form, without drawing: a row's confident class depends on
its probabilities and the per-class thresholds only, never on its label, so the expected
confident joint is the sum, over the rows whose confident class is ``j``, of their predicted
distributions (column ``j``); the thresholds are the expected mean self-confidence
(``sum p_ik^2 / sum p_ik``); the calibration and the noise rate then follow as in
:func:`~gapdoctor.causes.label_noise.confident_learning.find_label_issues`.

Given labels that the model contradicts *less* often than labels drawn from its own
probabilities would be are no evidence of wrong labels: the model is less sure than it need
be, and its disagreements are its doubts. The label-noise check uses this rate where it compares
out-of-fold probabilities with a validation control read from another model (the final one,
trained on more rows): an estimate that clears the control but not this rate is the
out-of-fold models' doubt (corpus healthy runs, early-stopped MLPs: estimate 0.33-0.81x this
rate, yet 1.7-3.8x the control). Wrong labels under a model that learned the true classes are
contradicted *confidently*, far more often than its probabilities expect (out-of-fold MLPs on
the calibration corpus with 10-40% flipped labels: 1.8-13x this rate). A model calibrated to the
noisy labels (a logistic regression cannot memorise them) sits near 1x, a little above on the
cases measured (1.03-1.5x: synthetic binary, digits and breast cancer, 10-30% symmetric flips).

What this rate cannot tell is a *weaker* out-of-fold model from wrong labels (a known limitation,
measured in tests/causes/label_noise/test_check_fit_gap_dropout.py): logistic out-of-fold models
under a dropout MLP on make_classification (3 classes, 2 clusters each) score 0.38, 0.67 and 0.73 on
clean labels (seeds 0-2), their 25%-flip twins 0.63, 0.72 and 0.64. The linear models err
confidently on whole clusters, a little beyond their doubt (estimate 1.04-1.11x this rate), while on
flipped labels they are calibrated to them (1.01-1.03x; over seeds 0-11, clean 0.88-1.28x and
flipped 0.97-1.11x): the doubt does not separate them, and even read as doubt it would only raise
the floor to the control's exact upper bound (19-20%, below the 22.6-23.4% floor already used).
Nothing else measured separates them: the models' error matches their expected error (mean
``1 - max p``, within 2 points in all six runs, 5 over seeds 0-11); their most confident quarter of
each predicted class disagrees with clean labels 19-32% of the time (37-43% on flipped ones), so it
bounds no noise below the 11-23 points the estimate exceeds the control by; the noise
rate the out-of-fold error implies over the final model's validation error,
``(error - val_error) / (1 - val_error * k / (k - 1))``, reads 5%, 18% and 21% on the clean runs
against 26-32% on the flipped ones; and the final MLP is underconfident on validation either way
(mean ``1 - max p`` 0.49-0.52 against 26-29% errors on clean labels).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from gapdoctor.causes.label_noise.confident_learning import (
    THRESHOLD_TOLERANCE,
    class_thresholds,
    joint_noise_rate,
    row_chunks,
)
from gapdoctor.inputs.probabilities import needs_renormalising, probability_rows
from gapdoctor.stats.array_types import FloatArray, IntArray, ProbabilityArray

__all__ = ["own_uncertainty_rate"]


def _read(probs: ProbabilityArray, part: slice | IntArray) -> FloatArray:
    p = probability_rows(probs, part, renormalise=False)
    return probability_rows(probs, part, renormalise=True) if needs_renormalising(p) else p


def own_uncertainty_rate(probs: ProbabilityArray, *, chunk_rows: int = 65_536, rows: IntArray | None = None) -> float:
    """Confident learning's expected noise rate on labels drawn from ``probs`` themselves.

    Parameters
    ----------
    probs : ndarray of shape (n, k)
        Validated out-of-sample probabilities; read one chunk at a time.
    chunk_rows : int, default=65536
    rows : ndarray of int, optional
        Sorted row ids to read (the sample the confident-learning pass read); all rows when omitted.

    Returns
    -------
    float
        The expected estimated share of wrong labels when every label is drawn from its row's
        predicted distribution: 0 for a model certain of every row, high for an unsure one.

    Examples
    --------
    >>> sure = np.array([[0.99, 0.01], [0.01, 0.99]] * 50)
    >>> unsure = np.array([[0.6, 0.4], [0.4, 0.6]] * 50)
    >>> round(own_uncertainty_rate(sure), 3), round(own_uncertainty_rate(unsure), 3)
    (0.01, 0.4)
    """
    n, k = probs.shape
    parts = list(row_chunks(n, chunk_rows)) if rows is None else [rows[s] for s in row_chunks(len(rows), chunk_rows)]
    squares, mass = np.zeros(k), np.zeros(k)
    for part in parts:
        p = _read(probs, part)
        squares += (p * p).sum(axis=0)
        mass += p.sum(axis=0)
    # the expected mean self-confidence of each class (a ratio of expectations): confident learning's threshold
    thresholds = class_thresholds(squares, cast(IntArray, mass))  # a class's expected row count: its mass
    joint, unconfident = np.zeros((k, k)), np.zeros(k)
    for part in parts:
        p = _read(probs, part)
        reached = p >= thresholds - THRESHOLD_TOLERANCE
        confident = np.where(reached, p, -1.0).argmax(axis=1)  # the most probable class reached
        has = reached.any(axis=1)
        one_hot = np.zeros_like(p)
        one_hot[np.flatnonzero(has), confident[has]] = 1.0
        joint += p.T @ one_hot  # column j gains the label distribution of the rows confident in j
        unconfident += p[~has].sum(axis=0)
    label_counts = joint.sum(axis=1) + unconfident
    np.fill_diagonal(joint, np.maximum(np.diag(joint), 1.0))  # every class keeps one correct row, as calibrated there
    calibrated = joint / np.maximum(joint.sum(axis=1, keepdims=True), 1e-300) * label_counts[:, None]
    return float(joint_noise_rate(calibrated))
