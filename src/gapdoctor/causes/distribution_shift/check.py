"""Distribution shift: validation data drawn from a different distribution than training.

Covariate shift is tested two ways. Per feature, a two-sample test (Kolmogorov-Smirnov
for continuous features, chi-square for categorical or low-cardinality ones) with an
effect size (Wasserstein distance in pooled standard deviations, or total variation
distance), Benjamini-Hochberg-corrected across features. Jointly, a domain classifier
(gradient-boosted trees, cross-validated) tries to tell training rows from validation
rows: an AUC near 0.5 means the splits are exchangeable; its interval and the features
whose permutation costs the most AUC say how and where they differ.

Features whose label association exists in training and not in validation (see
:func:`gapdoctor.stats.association.association_loss`) are left out of both tests: they carry
the training labels (target encoding fitted on training rows, in-sample stacking), and
their values differ between the splits because of it — ``preprocessing_leakage``'s
evidence, not a shift. The finding names them (``excluded_<rank>``).

When every feature of one split is an affine rescaling of the other (standardised on
one side only, different units), the difference is a preprocessing bug, not a shift:
this check then scores low and ``pipeline_bug`` reports it.

Label shift compares class priors with a chi-square test, and asks whether the features
moved with them (:mod:`gapdoctor.causes.distribution_shift.priors`): wrong training labels
(heavy flips, a biased pseudo-labeller) move the training prior while the rows stay alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from gapdoctor.causes.distribution_shift.priors import FeaturesFollow, features_follow_priors
from gapdoctor.causes.distribution_shift.result import CovariateShift, LabelShift
from gapdoctor.causes.distribution_shift.score import (
    FEATURES_FOLLOW_Z,
    REPORTED_RATIO,
    covariate_score,
    domain_ratio,
    feature_effect_floors,
    feature_ratios,
    label_shift_score,
)
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import FeatureArray
from gapdoctor.stats.association import association_loss
from gapdoctor.stats.budget import DOMAIN_ROWS
from gapdoctor.stats.metrics import rank_auc
from gapdoctor.stats.rescaling import compared_splits
from gapdoctor.stats.splits import feature_plot_data, feature_texts, homogeneity_test, name_of, subsample
from gapdoctor.stats.trees import boosted_trees

_IMPORTANCE_FEATURES = 30  # permutation importance for at most this many features
_LABELLED_MIN_ROWS = 20  # rows per split to judge a feature's label association (as preprocessing_leakage)


@dataclass(frozen=True)
class DomainClassifier:
    """Cross-validated train-vs-validation classifier: AUC, its 95% interval, importances.

    ``strict_low`` is the lower end of the 99.9% interval: the score uses it, so that a
    small split's noisy AUC (cross-validated trees on a few hundred rows) does not fire.
    """

    auc: float
    low: float
    high: float
    strict_low: float
    importance: dict[int, float]
    n_rows: int


def _auc_interval(auc: float, n_pos: int, n_neg: int, z: float = 1.96) -> tuple[float, float]:
    """Hanley-McNeil interval for an AUC (95% at the default ``z``)."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / max(n_pos * n_neg, 1)
    half = z * math.sqrt(max(var, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


def domain_classifier(
    X_train: FeatureArray, X_val: FeatureArray, candidates: list[int], columns: list[int] | None = None
) -> DomainClassifier:
    """Fit gradient-boosted trees to tell the splits apart (3-fold, one thread).

    ``candidates`` are the features whose permutation importance is measured when the
    splits are separable; ``columns`` the features it may use (all by default).
    Importances are keyed by the feature's index in ``X_train``.
    """
    used = list(range(X_train.shape[1])) if columns is None else columns
    position = {j: i for i, j in enumerate(used)}
    a = X_train[subsample(len(X_train), DOMAIN_ROWS, what="X_train rows for the domain classifier")][:, used]
    a = a.astype(np.float64, copy=False)
    b = X_val[subsample(len(X_val), DOMAIN_ROWS, seed=1, what="X_val rows for the domain classifier")][:, used]
    b = b.astype(np.float64, copy=False)
    candidates = [j for j in candidates if j in position]
    X = np.vstack([a, b])
    X[:, np.isnan(X).all(axis=0)] = 0.0  # a column never observed: constant, as the booster cannot bin it
    is_val = np.r_[np.zeros(len(a), dtype=np.int64), np.ones(len(b), dtype=np.int64)]
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = np.zeros(len(X))
    drops: dict[int, list[float]] = {j: [] for j in candidates}
    rng = np.random.default_rng(0)
    models = []
    with threadpool_limits(1):
        for fit_rows, test_rows in folds.split(X, is_val):
            model = boosted_trees()
            model.fit(X[fit_rows], is_val[fit_rows])
            scores[test_rows] = model.predict_proba(X[test_rows])[:, 1]
            models.append((model, test_rows))
        auc = rank_auc(is_val == 1, scores)
        low, high = _auc_interval(auc, len(b), len(a))
        if low > 0.5:  # separable: which features separate the splits
            for model, test_rows in models:
                fold_auc = rank_auc(is_val[test_rows] == 1, scores[test_rows])
                for j in candidates:
                    shuffled = X[test_rows].copy()
                    shuffled[:, position[j]] = rng.permutation(shuffled[:, position[j]])
                    drop = fold_auc - rank_auc(is_val[test_rows] == 1, model.predict_proba(shuffled)[:, 1])
                    drops[j].append(drop)
    importance = {j: float(np.mean(v)) for j, v in drops.items() if v}
    strict_low, _ = _auc_interval(auc, len(b), len(a), z=3.29)
    return DomainClassifier(auc, low, high, strict_low, importance, len(X))


def _carrying_training_labels(evidence: Evidence, shifted: list[int]) -> dict[int, tuple[float, float]]:
    """Features whose label association exists in training and not in validation, largest loss first.

    They carry the training labels (target encoding fitted on the training rows, stacking
    done in-sample): their values differ between the splits *because* of it, so they are
    preprocessing leakage's evidence, not a shift. Those found among every feature
    (``preprocessing_leakage``'s test), and among the ``shifted`` features (chosen without
    the labels, so tested among themselves only). feature -> (epsilon² in training, in
    validation); empty without both splits' labels or with fewer than ``_LABELLED_MIN_ROWS`` rows.
    """
    y_train, y_val = evidence.y_train, evidence.y_val
    if evidence.X_train is None or evidence.X_val is None or y_train is None or y_val is None:
        return {}
    if evidence.n_classes < 2 or min(len(y_train), len(y_val)) < _LABELLED_MIN_ROWS:
        return {}
    loss = association_loss(evidence.X_train, y_train, evidence.X_val, y_val, evidence.n_classes)
    found = sorted(
        {*loss.carrying_training_labels(), *loss.collapsed_among(shifted)}, key=lambda j: -float(loss.lost[j])
    )
    return {j: (float(loss.train[j]), float(loss.val[j])) for j in found}


@register(
    name="distribution_shift.covariate",
    cause="distribution_shift",
    requires=("X_train", "X_val"),
    description="Per-feature two-sample tests and a domain classifier: do the splits' features differ?",
)
def covariate_shift(evidence: Evidence) -> list[Finding]:
    """Per-feature two-sample tests (BH-corrected) and a cross-validated domain classifier."""
    splits = compared_splits(evidence)
    X_train, X_val, comparison, rescaling = splits.X_train, splits.X_val, splits.comparison, splits.rescaling
    deferred: set[int] = set()
    if rescaling.fires:  # a whole split rescaled: every feature difference is explained by it
        whole_split = rescaling.pattern in ("standardised", "min-max")
        explained = np.arange(len(comparison.strength)) if whole_split else rescaling.features
        deferred = {int(j) for j in explained if comparison.shifted[j]}
    excluded = _carrying_training_labels(evidence, [int(j) for j in np.flatnonzero(comparison.shifted)])
    left_out = deferred | set(excluded)
    at_low_end = feature_ratios(comparison)  # each effect at the low end of its 99.9% interval, over 0.1
    feature_strength = np.where([j in left_out for j in range(len(comparison.strength))], 0.0, at_low_end)

    by_effect = [int(j) for j in np.argsort(-comparison.strength) if int(j) not in excluded]
    kept = [j for j in range(X_train.shape[1]) if j not in excluded]
    if not kept:
        raise SkipCheck("every feature carries the training labels (see preprocessing_leakage): nothing to compare")
    domain = domain_classifier(X_train, X_val, by_effect[:_IMPORTANCE_FEATURES], kept if excluded else None)
    explained_share = 0.0
    if deferred:  # the rescaling explains the separability it causes
        n_shifted = max(int(comparison.shifted[kept].sum()), 1)  # the shifted features the classifier saw
        explained_share = len(deferred) / n_shifted
    domain_strength = domain_ratio(domain.strict_low, explained_share=explained_share)
    strength = max(float(feature_strength.max(initial=0.0)), domain_strength)
    score = covariate_score(strength)

    shifted = [int(j) for j in np.argsort(-feature_strength) if feature_strength[j] >= REPORTED_RATIO]
    separating = sorted(domain.importance, key=lambda j: -domain.importance[j])
    top_separating = [j for j in separating if domain.importance[j] > 0.005][:5]
    shifted_text = feature_texts(
        evidence,
        "shifted",
        shifted[:5],
        lambda j: (
            f"{'TVD' if comparison.discrete[j] else 'W/sd'} {comparison.effect[j]:.3g}, "
            f"p_adj {comparison.p_adjusted[j]:.2g}"
        ),
    )
    separating_text = feature_texts(
        evidence, "separating", top_separating, lambda j: f"AUC drop {domain.importance[j]:.3f}"
    )
    excluded_text = feature_texts(
        evidence,
        "excluded",
        list(excluded)[:5],
        lambda j: f"label association train {excluded[j][0]:.3f} vs val {excluded[j][1]:.3f}",
    )
    if score < MIN_FINDING_SCORE and not shifted:
        return []

    names = [name_of(evidence, j) for j in (shifted or top_separating)[:3]]
    if strength < REPORTED_RATIO:
        summary = (
            f"Training and validation features look exchangeable: domain-classifier AUC {domain.auc:.2f} "
            f"[{domain.low:.2f}, {domain.high:.2f}], {len(shifted)} feature(s) shifted."
        )
        within = [j for j in by_effect if comparison.shifted[j] and j not in deferred]  # significant, too small
        if within:
            j = within[0]
            unit = "TVD" if comparison.discrete[j] else "sd"
            floor = feature_effect_floors(comparison)[j]
            summary += (
                f" {len(within)} feature(s) differ significantly, by too little to be sure of a reportable 0.1 "
                f"{unit} on {comparison.n_val:,} validation rows (most: {name_of(evidence, j)}, "
                f"{comparison.effect[j]:.2f} {unit}, 99.9% interval from {floor:.2f})."
            )
    else:
        summary = (
            f"Validation features differ from training: a classifier tells the splits apart with AUC "
            f"{domain.auc:.2f} [{domain.low:.2f}, {domain.high:.2f}]; {len(shifted)} of "
            f"{len(comparison.strength)} features shifted" + (f" (most: {', '.join(names)})." if names else ".")
        )
    if deferred:
        summary += f" {len(deferred)} feature(s) differ only by a rescaling (see pipeline_bug)."
    if excluded:
        summary += (
            f" {len(excluded)} feature(s) left out: their label association exists in training only "
            "(see preprocessing_leakage)."
        )
    plot_order = (shifted or top_separating or by_effect)[:6]
    labels = [
        f"{'TVD' if comparison.discrete[j] else 'Wasserstein/sd'} {comparison.effect[j]:.2f}, "
        f"p_adj {comparison.p_adjusted[j]:.1e}"
        for j in plot_order
    ]
    result = CovariateShift(
        domain_auc=round(domain.auc, 4),
        domain_auc_low=round(domain.low, 4),
        domain_auc_high=round(domain.high, 4),
        domain_rows=domain.n_rows,
        features_tested=len(comparison.strength),
        features_shifted=len(shifted),
        features_shifted_share=round(len(shifted) / max(len(comparison.strength), 1), 4),
        correction="Benjamini-Hochberg",
        features_explained_by_rescaling=len(deferred) if deferred else None,
        features_excluded_as_leakage=len(excluded) if excluded else None,
        excluded=excluded_text,
        shifted=shifted_text,
        separating=separating_text,
        features=feature_plot_data(
            X_train,
            X_val,
            evidence.feature_names,
            plot_order,
            labels,
            [float(comparison.effect[j]) for j in plot_order],
        ),
    )
    fixes = (
        *cause_info("distribution_shift").fixes[:1],
        f"Inspect the most shifted features ({', '.join(names) or 'see evidence'}): were they measured "
        "or filtered differently in the validation data?",
        *cause_info("distribution_shift").fixes[1:],
    )
    return [
        Finding(
            cause="distribution_shift",
            score=score,
            summary=summary,
            fixes=fixes,
            check=CovariateShift.CHECK,
            result=result,
        )
    ]


@register(
    name="distribution_shift.label_shift",
    cause="distribution_shift",
    requires=("y_train", "y_val"),
    description="Class priors of the two splits compared with a test of homogeneity (rare classes pooled).",
)
def label_shift(evidence: Evidence) -> list[Finding]:
    """Class priors per split, a chi-square test of homogeneity and the total variation distance."""
    assert evidence.y_train is not None and evidence.y_val is not None
    k = evidence.n_classes
    if k < 2:
        raise SkipCheck("needs at least two classes")
    counts = np.vstack([np.bincount(evidence.y_train, minlength=k), np.bincount(evidence.y_val, minlength=k)])
    _, p = homogeneity_test(counts)  # rare classes pooled: valid on small validation splits
    priors = counts / counts.sum(axis=1, keepdims=True)
    distance = 0.5 * float(np.abs(priors[0] - priors[1]).sum())
    unseen = np.flatnonzero((counts[0] == 0) & (counts[1] > 0))  # validation classes no training row holds
    unseen_share = float(priors[1, unseen].sum())
    follow: FeaturesFollow | None = None
    if (
        evidence.X_train is not None
        and evidence.X_val is not None
        and label_shift_score(distance, p) >= MIN_FINDING_SCORE
    ):
        follow = features_follow_priors(evidence.X_train, evidence.X_val, evidence.y_val, priors[0] - priors[1], k)
    score = (
        label_shift_score(distance, p, unseen=unseen_share)
        if follow is None
        else label_shift_score(
            distance, p, share=follow.share, high=follow.high(FEATURES_FOLLOW_Z), unseen=unseen_share
        )
    )
    if score < MIN_FINDING_SCORE:
        return []
    moved = np.argsort(-np.abs(priors[1] - priors[0]))[:5]
    unseen_text = ", ".join(str(evidence.classes[c]) for c in unseen[:10]) + (", ..." if len(unseen) > 10 else "")
    result = LabelShift(
        prior_tvd=round(distance, 4),
        chi2_p=float(f"{p:.3g}"),
        prior={f"prior_{evidence.classes[c]}": f"train {priors[0, c]:.3f} -> val {priors[1, c]:.3f}" for c in moved},
        prior_change_in_features=None if follow is None else round(follow.share, 3),
        prior_change_in_features_low=None if follow is None else round(follow.low(FEATURES_FOLLOW_Z), 3),
        prior_change_in_features_high=None if follow is None else round(follow.high(FEATURES_FOLLOW_Z), 3),
        unseen_classes=unseen_text or None,
        unseen_share=round(unseen_share, 4) if len(unseen) else None,
    )
    c = int(moved[0])
    summary = (
        f"Class priors differ between the splits (total variation {distance:.2f}, test of homogeneity p={p:.2g}): "
        f"class {evidence.classes[c]!s} is {priors[0, c]:.1%} of training but {priors[1, c]:.1%} of validation."
    )
    fixes: tuple[str, ...] = (
        "Re-split with stratification by label if the difference is accidental.",
        "If validation priors are the deployment priors: re-weight classes or adjust the decision "
        "threshold / predicted probabilities to the validation priors (prior shift correction).",
    )
    if len(unseen):
        summary = (
            f"Validation holds {'a class' if len(unseen) == 1 else 'classes'} the training split never has "
            f"({unseen_text}: {unseen_share:.1%} of the validation rows), which no model trained on it predicts "
            f"right; the class priors differ overall by a total variation of {distance:.2f}."
        )
        fixes = (
            "Shuffle the rows before splitting, and split stratified by label: data stored in class order and cut "
            "at the end (Keras' validation_split takes the last rows, before any shuffling) leave whole classes "
            "out of training.",
            "Check that both splits use one label set and encoder.",
        )
    return [
        Finding(
            cause="distribution_shift",
            score=score,
            summary=summary,
            fixes=fixes,
            check=LabelShift.CHECK,
            result=result,
        )
    ]
