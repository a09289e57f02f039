"""How ``distribution_shift``'s measured statistics become its strength of evidence: its one scoring declaration.

Covariate shift rests on two statistics, each at the low end of its 99.9% interval (so that a
small split's noise does not fire): each feature's two-sample effect (BH-corrected, a ratio to
its reporting point in :func:`gapdoctor.stats.splits.compare_features`) and a cross-validated
domain classifier's AUC. Label shift rests on the total variation distance
between the class priors with a chi-square test. Ratios to the reporting points below are
mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

import math

import numpy as np

from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.scoring import strength_from_ratio
from gapdoctor.stats.splits import FeatureComparison

__all__ = [
    "AUC_REPORTABLE",
    "FEATURES_FOLLOW_Z",
    "FEATURE_Z",
    "PRIOR_REPORTABLE",
    "PRIOR_SIGNIFICANCE",
    "REPORTED_RATIO",
    "UNSEEN_REPORTABLE",
    "covariate_score",
    "domain_ratio",
    "feature_effect_floors",
    "feature_ratios",
    "label_shift_score",
]

AUC_REPORTABLE = 0.05
"""Domain-classifier AUC whose strict lower bound is 0.05 above chance: a reportable shift."""
_CHANCE_AUC = 0.5
PRIOR_REPORTABLE = 0.1
"""Total variation distance between the class priors reported at 0.5 ..."""
PRIOR_SIGNIFICANCE = 0.001
"""... when the chi-square test of homogeneity gives p below this (no evidence otherwise)."""
UNSEEN_REPORTABLE = 0.05
"""Share of the validation rows whose class the training split never held reported at 0.5, whatever the
test says: no model trained on that split predicts those rows right."""
FEATURES_FOLLOW_Z = 1.96
"""Normal quantile of the 95% interval on the share of the prior change the features carry
(:mod:`gapdoctor.causes.distribution_shift.priors`): a label shift moves the features with the
class mix (share about 1); wrong training labels move the prior alone (share about 0). Only when
the interval's upper end falls below 1 (the features shown NOT to carry the whole change) is the
priors' distance cut to the part the features carry (distance x share, the label shift's own
size); a weak classifier's wide interval discounts nothing."""
FEATURE_Z = 3.29
"""Normal quantile of the 99.9% interval at whose low end a feature's effect is scored (the domain
AUC's ``strict_low`` uses the same). The test's significance says a feature moved; this says by
at least how much: one of 65 features moving 0.34 sd on 143 validation rows is significant
(p_adj 1e-4) yet within 0.04 sd of no shift, and on a random split the domain classifier saw
nothing (AUC 0.49). In the corpus, such lone features with a domain AUC interval reaching 0.5
named a real shift 0 times in 8; with the interval above 0.5, 180 of 181."""
REPORTED_RATIO = 1.0
"""A ratio of a statistic to its reporting point at or above this is reported (score 0.5)."""


def domain_ratio(strict_low: float, *, explained_share: float = 0.0) -> float:
    """The domain classifier's strict AUC lower bound above chance, over its reporting point.

    ``explained_share`` is the share of the shifted features a whole-split rescaling explains:
    the separability it causes is not evidence of a shift.
    """
    ratio = max(0.0, strict_low - _CHANCE_AUC) / AUC_REPORTABLE
    if explained_share:
        ratio *= max(0.0, 1.0 - explained_share)
    return ratio


def _share_beyond_noise(comparison: FeatureComparison) -> FloatArray:
    """Each feature's effect at the low end of its 99.9% interval, as a share of the effect (0 to 1)."""
    se = math.sqrt(1.0 / max(comparison.n_train, 1) + 1.0 / max(comparison.n_val, 1))
    margin = FEATURE_Z * se * np.where(comparison.discrete, 0.5, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(comparison.effect > 0, 1.0 - margin / comparison.effect, 0.0)
    return np.asarray(np.clip(kept, 0.0, 1.0), dtype=np.float64)


def feature_effect_floors(comparison: FeatureComparison) -> FloatArray:
    """Each feature's effect (sd or TVD) at the low end of its 99.9% interval (see :func:`feature_ratios`)."""
    return np.asarray(comparison.effect * _share_beyond_noise(comparison), dtype=np.float64)


def feature_ratios(comparison: FeatureComparison) -> FloatArray:
    """Each feature's effect at the low end of its 99.9% interval, over its reporting point.

    The effect's standard error is taken as a location shift's, ``sqrt(1/n_train + 1/n_val)`` pooled
    standard deviations for a continuous feature, and half that (the largest a difference of two
    shares can have) for a discrete one's total variation distance. Zero where the test is not
    significant (``comparison.strength`` is zero there).
    """
    return np.asarray(comparison.strength * _share_beyond_noise(comparison), dtype=np.float64)


def covariate_score(ratio: float) -> float:
    """Strength of evidence of covariate shift from the stronger of the feature and domain ratios."""
    return strength_from_ratio(ratio)


def label_shift_score(
    distance: float, p_value: float, *, share: float | None = None, high: float = 1.0, unseen: float = 0.0
) -> float:
    """Strength of evidence of label shift from the priors' distance and its test.

    ``share`` (None when not measured) is the share of the prior change the features carry and
    ``high`` its interval's upper end: below 1, only ``distance x share`` counts. ``unseen`` is the
    share of the validation rows whose class the training split never held (:data:`UNSEEN_REPORTABLE`).
    """
    ratio = distance / PRIOR_REPORTABLE if p_value < PRIOR_SIGNIFICANCE else 0.0
    if share is not None and high < 1.0:
        ratio *= min(1.0, max(0.0, share))
    return strength_from_ratio(max(ratio, unseen / UNSEEN_REPORTABLE))
