"""In-sample label means: a feature that *is* the training label share of the rows sharing its value.

A target encoding fitted on all training rows (``df.groupby(key)[label].transform("mean")``)
gives every training row the share of a class among the training rows of its key, its own row
included. Pooling the keys that share a value keeps that share, so on the training split the
feature fingerprints itself exactly: among the training rows with value ``v``, the share of
class ``c`` is ``a + b v`` for one line, on every value, to the row. An honest feature with
repeated values (a pixel, a count, a category code) has a label share per value that scatters
around any line by sampling noise; validation rows, whose labels were not in the encoding, do
too. The evidence does not need many validation rows, which the association-loss test does:
83 training rows of 38 ids fingerprint an encoding the 48 validation rows cannot show lost.

How strong the fingerprint is: a value held by ``n`` rows of which ``m`` are of the class hits
the line's count by chance with probability at most the binomial's largest mass at ``m``,
``C(n, m) (m/n)^m (1 - m/n)^(n - m)`` (whatever the class's true share at that value); the
values are independent given their sizes, so the chance of the whole fingerprint is at most
the product, leaving out the two largest factors (the line's two parameters are fitted).
Values where the class is absent or alone (factor 1) add no evidence. A feature whose
association with the label is lost in validation is one more, independent, piece of evidence
of the same leak (the one-sided p-value of :class:`~gapdoctor.stats.association.AssociationLoss`'s
z); once the fit alone is significant (``FINGERPRINT_FAMILY_ALPHA``), both are combined by
Fisher's method and corrected (Bonferroni) over every feature and class tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps
from scipy.special import gammaln

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray

__all__ = ["FINGERPRINT_FAMILY_ALPHA", "MAX_CELLS", "InSampleMean", "in_sample_label_mean"]

_HEAD_ROWS = 2_000  # the first look: a column with more distinct values than half these rows is continuous
_MIN_LEVELS = 3  # a line through two values always fits: a third value is the first that can miss it
_MAX_TABLE_CELLS = 10_000_000  # (value, class) counts of one column at most (memory of the table)
_HIT_TOLERANCE = 0.1  # a value is on the line when its class count is within this many rows of the line's
_LOWEST_LOG10_P = -300.0  # p-values below 1e-300 are reported as 1e-300 (the smallest printable float)
_FLAT = 1e-6  # a line whose share changes less than this over the column's range has no slope (a constant share)
_FITTED_PARAMETERS = 2  # the line's intercept and slope: the two most likely values' factors are left out
FINGERPRINT_FAMILY_ALPHA = 0.05
"""The fit alone must be this unlikely by chance, corrected over the (column, class) pairs tested,
before the association loss adds to it: Fisher's method rejects when either p-value is small, and a
feature that lost its association for another reason (a shift, a misalignment) would otherwise count
as an encoding on any chance fit of a few values (digits' edge pixels: 3 values, 1e-1.5 at best)."""
MAX_CELLS = 200_000_000
"""Training cells (rows x candidate columns) the fingerprint reads at most: the share per value must
be counted on every training row (a sample of a key's rows no longer averages to its value), so
columns past this budget are not examined."""


@dataclass(frozen=True)
class InSampleMean:
    """The strongest in-sample label mean found: the column, the class, and the evidence.

    ``features`` are every column found (the strongest first; a target encoding of k classes
    is k - 1 columns); ``log10_p_exact`` the fingerprint's chance alone, ``log10_p_family``
    combined with the association loss and corrected over the ``tests`` (column, class) pairs;
    ``strongest_fit_log10_p`` the smallest chance alone of every fit, gated or not.
    """

    feature: int
    features: tuple[int, ...]
    label_class: int
    levels: int
    log10_p_exact: float
    log10_p_family: float
    tests: int
    strongest_fit_log10_p: float


def _log_max_mass(n: FloatArray, m: FloatArray) -> FloatArray:
    """Log of the binomial's largest probability of ``m`` of ``n`` (at share ``m / n``)."""
    share = m / n
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = np.where(m > 0, m * np.log(np.where(share > 0, share, 1.0)), 0.0)
        miss = np.where(n > m, (n - m) * np.log(np.where(share < 1, 1.0 - share, 1.0)), 0.0)
    out: FloatArray = gammaln(n + 1) - gammaln(m + 1) - gammaln(n - m + 1) + hit + miss
    return out


def _line(levels: FloatArray, share: FloatArray, rows: FloatArray) -> tuple[float, float] | None:
    """The row-weighted least-squares line through (value, class share), when it has a slope."""
    design = np.c_[np.ones_like(levels), levels] * np.sqrt(rows)[:, None]
    (intercept, slope), *_ = np.linalg.lstsq(design, share * np.sqrt(rows), rcond=None)
    if not np.isfinite(slope) or abs(slope) * float(levels.max() - levels.min()) < _FLAT:
        return None
    return float(intercept), float(slope)


def _on_line(values: FloatArray, labels: IntArray, label_class: int, line: tuple[float, float]) -> bool:
    """Whether the class count at every distinct value of ``values`` is the line's (within the tolerance)."""
    levels, inverse, rows = np.unique(values, return_inverse=True, return_counts=True)
    hits = np.bincount(inverse, weights=(labels == label_class).astype(np.float64), minlength=len(levels))
    expected = (line[0] + line[1] * levels) * rows
    return bool(np.all(np.abs(hits - expected) <= _HIT_TOLERANCE))


def _candidates(X_train: FeatureArray) -> list[int]:
    """Columns with repeated values in their first rows, within the cell budget."""
    out, cells = [], 0
    for j in range(X_train.shape[1]):
        head = np.asarray(X_train[:_HEAD_ROWS, j], dtype=np.float64)
        head = head[np.isfinite(head)]
        if len(np.unique(head)) > 0.5 * len(head):
            continue
        cells += len(X_train)
        if cells > MAX_CELLS:
            break
        out.append(j)
    return out


def in_sample_label_mean(
    X_train: FeatureArray,
    y_train: IntArray,
    X_val: FeatureArray,
    y_val: IntArray,
    n_classes: int,
    loss_z: FloatArray,
    *,
    alpha: float = FINGERPRINT_FAMILY_ALPHA,
) -> InSampleMean | None:
    """The column whose training values are exactly a label share of their rows, strongest evidence first.

    ``loss_z`` is each feature's association-loss z (training over validation); ``alpha`` the
    family-wise level the fit alone must reach (infinite to see every fit, as the corpus probe
    ``benchmarks/leakage_label_means.py`` does). None when no
    column fits its line on every training value, or when its validation rows fit it too
    (then both splits carry their own labels: no train-only signal).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y_t, y_v = rng.integers(0, 2, 300), rng.integers(0, 2, 200)
    >>> keys_t, keys_v = rng.integers(0, 60, 300), rng.integers(0, 60, 200)
    >>> mean = {k: y_t[keys_t == k].mean() for k in np.unique(keys_t)}
    >>> enc_t = np.array([mean[k] for k in keys_t])
    >>> enc_v = np.array([mean.get(k, y_t.mean()) for k in keys_v])
    >>> X_t, X_v = np.c_[rng.normal(size=300), enc_t], np.c_[rng.normal(size=200), enc_v]
    >>> found = in_sample_label_mean(X_t, y_t, X_v, y_v, 2, np.zeros(2))
    >>> found.feature, found.log10_p_family < -5
    (1, True)
    """
    classes = range(n_classes) if n_classes > 2 else range(1, 2)  # binary: class 0 mirrors class 1
    columns = _candidates(X_train)
    found: list[tuple[float, int, int, int]] = []  # (log p exact, feature, class, levels)
    tests = 0
    for j in columns:
        column = np.asarray(X_train[:, j], dtype=np.float64)
        finite = np.isfinite(column)
        levels, inverse, rows = np.unique(column[finite], return_inverse=True, return_counts=True)
        if not _MIN_LEVELS <= len(levels) <= 0.5 * finite.sum() or len(levels) * n_classes > _MAX_TABLE_CELLS:
            continue  # too few values to miss a line, or mostly single rows (a share of one row is 0 or 1)
        cells = np.bincount(inverse * n_classes + y_train[finite], minlength=len(levels) * n_classes)
        table = cells.reshape(len(levels), n_classes).astype(np.float64)  # rows of each class at each value
        for c in classes:
            tests += 1
            hits = table[:, c]
            line = _line(levels, hits / rows, rows.astype(np.float64))
            if line is None or np.any(np.abs(hits - (line[0] + line[1] * levels) * rows) > _HIT_TOLERANCE):
                continue
            val = np.asarray(X_val[:, j], dtype=np.float64)
            if _on_line(val[np.isfinite(val)], y_val[np.isfinite(val)], c, line):
                continue  # validation carries its own labels too: no train-only signal
            masses = np.sort(_log_max_mass(rows.astype(np.float64), hits))[::-1]
            found.append((float(masses[_FITTED_PARAMETERS:].sum()), j, c, len(levels)))
    strongest = min((f[0] for f in found), default=0.0) / np.log(10)
    found = [f for f in found if f[0] + np.log(max(tests, 1)) <= np.log(alpha)]
    if not found:
        return None
    family = []
    for log_p, j, _, _ in found:
        log_p_loss = float(sps.norm.logsf(loss_z[j]))
        combined = float(sps.chi2.logsf(-2.0 * (log_p + log_p_loss), 4))  # Fisher's method, two p-values
        family.append(float(np.clip((combined + np.log(tests)) / np.log(10), _LOWEST_LOG10_P, 0.0)))
    ranked = sorted(range(len(found)), key=lambda i: family[i])
    log_p, j, c, n_levels = found[ranked[0]]
    features = tuple(dict.fromkeys(found[i][1] for i in ranked))
    return InSampleMean(j, features, c, n_levels, float(log_p / np.log(10)), family[ranked[0]], tests, strongest)
