"""Preprocessing leakage: features that carry the training labels, and rows shared by the splits.

Two checks:

- train-only signal: per feature, how much of its rank variance the label explains
  (Kruskal-Wallis epsilon²) in each split. A feature that separates the classes in the
  training split and far less in validation was built with the training labels (target
  encoding fitted on all training rows, statistics fitted on the wrong rows, future
  information). A feature that keeps most of its association but loses a significant part of
  it, while its distribution is the same in both splits, was fitted in-sample (a stacked
  model prediction or k-NN label mean computed on the rows it describes: each training row
  helped make its own value). A column whose training values are exactly the label share of
  the training rows that share its value is an in-sample target encoding whatever the
  validation split shows (:mod:`~gapdoctor.causes.preprocessing_leakage.label_means`).
  Each loss's uncertainty is the larger of a Fisher-z approximation and its spread over
  random re-splits of the rows (:mod:`~gapdoctor.causes.preprocessing_leakage.resplit`):
  a few rows of a rare class can make or unmake a feature's association by the luck of the
  split. With label sources (``sources_train``) the training association
  is the lowest of the sources: rows labelled by a model from the features carry labels that
  follow the features, which is no evidence of features that follow the labels. Identifier-like
  columns (dense unique integers) that predict the label betray data sorted by label before
  ids were given.
- duplicates: validation rows that are exact or near copies of training rows, found
  by hashing rows (exact) and quantised-grid buckets in standardised units (near, see
  :mod:`gapdoctor.causes.preprocessing_leakage.duplicates`); linear in rows, bounded memory. The rate is judged
  against the duplicate rate inside the training split, so data with a small feature
  space (where duplicates are natural) do not raise it.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from gapdoctor.causes.preprocessing_leakage.duplicates import (
    BASELINE_ROWS,
    NEAR_TOLERANCE,
    exact_duplicate_pairs,
    find_duplicates,
    near_duplicate_pairs,
)
from gapdoctor.causes.preprocessing_leakage.identifiers import identifier_like
from gapdoctor.causes.preprocessing_leakage.label_means import in_sample_label_mean
from gapdoctor.causes.preprocessing_leakage.neighbour_means import in_sample_neighbour_mean
from gapdoctor.causes.preprocessing_leakage.resplit import resplit_loss
from gapdoctor.causes.preprocessing_leakage.result import DuplicatedRows, TrainOnlySignal
from gapdoctor.causes.preprocessing_leakage.score import (
    duplicates_score,
    gap_ratio,
    identifier_ratio,
    in_sample_mean_ratio,
    in_sample_neighbours_ratio,
    signal_score,
    weakened_ratio,
)
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, REPORT_THRESHOLD, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval, excess_low
from gapdoctor.stats.array_types import FeatureArray, IntArray
from gapdoctor.stats.association import (
    COLLAPSE_FAMILY_ALPHA,
    COLLAPSE_MIN_LOSS,
    MISALIGNED_RETENTION,
    AssociationLoss,
    association_loss,
    association_noise_level,
    association_retained,
    association_rows,
    label_association,
    loss_from_associations,
)
from gapdoctor.stats.budget import ASSOCIATION_ROWS, DUPLICATE_CELLS, sample_rows
from gapdoctor.stats.splits import compare_features, feature_plot_data, feature_texts, name_of, splits_of, subsample

__all__ = ["NEAR_TOLERANCE", "duplicates", "exact_duplicate_pairs", "near_duplicate_pairs", "train_only_signal"]

_NATURAL_TOO_HIGH = 0.5  # within-training duplicate share past which cross-split copies cannot be judged
_MIN_SOURCE_ROWS = 20  # a label source with fewer training rows is not measured on its own (the check's own floor)


def _label_loss(evidence: Evidence, X_train: FeatureArray, X_val: FeatureArray, k: int) -> AssociationLoss:
    """Each feature's label association lost from training to validation, its spread measured by re-splits.

    With label sources, the training association is the lowest over the sources with at
    least ``_MIN_SOURCE_ROWS`` rows, with the standard error of that source's rows: a leak
    built with the training labels is in every source's rows; labels a model produced from
    the features follow the features in that source's rows only. Then the screened features
    are re-split on those rows (:func:`~gapdoctor.causes.preprocessing_leakage.resplit.resplit_loss`).
    """
    y_train, y_val = evidence.y_train, evidence.y_val
    assert y_train is not None and y_val is not None
    loss = association_loss(X_train, y_train, X_val, y_val, k)
    rows_t = subsample(len(y_train), ASSOCIATION_ROWS)  # the rows label_association measured
    rows_of = np.zeros(X_train.shape[1], dtype=np.int64)  # feature -> source measured (0: all rows)
    source_rows = [rows_t]
    sources = evidence.sources_train
    if sources is not None:
        names, source_of = np.unique(sources, return_inverse=True)
        counts = np.bincount(source_of, minlength=len(names))
        measured = [i for i in range(len(names)) if counts[i] >= _MIN_SOURCE_ROWS]
        if len(measured) >= 2:
            per_source = []
            for i in measured:
                rows = np.flatnonzero(source_of == i)
                rows = rows[subsample(len(rows), ASSOCIATION_ROWS)]
                source_rows.append(rows)
                per_source.append(label_association(X_train[rows], y_train[rows], k))
            lowest = np.argmin(np.vstack(per_source), axis=0)
            train = np.vstack(per_source)[lowest, np.arange(len(lowest))]
            rows_of = lowest + 1
            loss = loss_from_associations(train, loss.val, counts[np.asarray(measured)][lowest], len(y_val), k)
    rows_v = subsample(len(y_val), ASSOCIATION_ROWS)
    return resplit_loss(loss, X_train, y_train, X_val, y_val, k, [source_rows[i] for i in rows_of], rows_v)


def _weakened(loss: AssociationLoss, X_train: FeatureArray, X_val: FeatureArray) -> list[int]:
    """Features fitted in-sample: a significant, sizeable loss, most of the association kept, same distribution.

    Significant as a collapse is (Bonferroni over the features at ``COLLAPSE_FAMILY_ALPHA``) and
    at least ``COLLAPSE_MIN_LOSS`` epsilon², but not collapsed; a feature whose own distribution
    differs between the splits (:func:`~gapdoctor.stats.splits.compare_features`) is left out:
    its association may change because the rows differ (a shift), not because it was fitted on
    the training labels. Largest loss (Fisher-z scale, low end) first.
    """
    z_needed = float(sps.norm.isf(COLLAPSE_FAMILY_ALPHA / max(len(loss.z), 1)))
    candidate = (loss.z >= z_needed) & (loss.lost >= COLLAPSE_MIN_LOSS) & ~loss.collapsed
    if not candidate.any():
        return []
    candidate &= ~compare_features(X_train, X_val).shifted
    return sorted(np.flatnonzero(candidate).tolist(), key=lambda j: -float(loss.fisher_lost_low[j]))


def _misaligned(loss: AssociationLoss, retention: float, informative: IntArray) -> bool:
    """Every informative feature lost its signal (not a few built columns): rows misaligned, see pipeline_bug.

    The median kept share is below ``MISALIGNED_RETENTION`` and the loss reads as misaligned rows
    (:meth:`~gapdoctor.stats.association.AssociationLoss.misaligned`).
    """
    return retention < MISALIGNED_RETENTION and loss.misaligned(informative)


@register(
    name="preprocessing_leakage.train_only_signal",
    cause="preprocessing_leakage",
    requires=("X_train", "y_train", "X_val", "y_val"),
    description="Features that predict the label far better on training rows than on validation rows.",
)
def train_only_signal(evidence: Evidence) -> list[Finding]:
    """Per-feature label association in each split; identifier-like columns that predict the label."""
    X_train, X_val = splits_of(evidence)
    y_train, y_val = evidence.y_train, evidence.y_val
    assert y_train is not None and y_val is not None
    k = evidence.n_classes
    if k < 2 or len(y_train) < 20 or len(y_val) < 20:
        raise SkipCheck("needs two classes and at least 20 rows per split")
    loss = _label_loss(evidence, X_train, X_val, k)
    assoc_t, assoc_v, gap = loss.train, loss.val, loss.lost
    noise_t = association_noise_level(association_rows(len(y_train)), k)
    order = loss.order()
    retention, informative = association_retained(assoc_t, assoc_v, noise_t)
    ids = [j for j in identifier_like(X_train, X_val) if max(assoc_t[j], assoc_v[j]) > max(3 * noise_t, 0.02)]

    # the lost association the data vouch for: the low end of its 95% interval
    lost_low = max((float(loss.lost_low[j]) for j in order), default=0.0)
    misaligned = _misaligned(loss, retention, informative)
    gap_strength = gap_ratio(lost_low, misaligned=misaligned)
    weakened = _weakened(loss, X_train, X_val)
    fisher_low = float(loss.fisher_lost_low[weakened[0]]) if weakened else 0.0
    weak_strength = weakened_ratio(fisher_low, misaligned=misaligned)
    id_strength = identifier_ratio(max((max(assoc_t[j], assoc_v[j]) for j in ids), default=0.0))
    mean = in_sample_label_mean(X_train, y_train, X_val, y_val, k, loss.z)
    mean_strength = in_sample_mean_ratio(mean.log10_p_family) if mean else 0.0
    stack = in_sample_neighbour_mean(X_train, y_train, k, loss.z)
    stack_strength = in_sample_neighbours_ratio(stack.log10_p_family) if stack else 0.0
    score = signal_score(gap_strength, id_strength, weak_strength, mean_strength, stack_strength)
    if score < MIN_FINDING_SCORE:
        return []
    stacked = stack is not None and stack_strength > max(gap_strength, id_strength, weak_strength, mean_strength)
    encoded = not stacked and mean is not None and mean_strength > max(gap_strength, id_strength, weak_strength)
    in_sample = not encoded and not stacked and weak_strength > max(gap_strength, id_strength)
    about = (  # what the texts name
        [*stack.features, *(j for j in order if j not in stack.features)]
        if stack is not None and stacked
        else [*mean.features, *(j for j in order if j not in mean.features)]
        if mean is not None and encoded
        else weakened
        if in_sample
        else order
        if gap_strength >= id_strength
        else ids
    )
    names = [name_of(evidence, j) for j in about[:3]]
    if stack is not None and stacked:
        j = stack.feature
        summary = (
            f"{names[0]} is, on every training row rebuilt, the share of class {stack.label_class} among the "
            f"row's {stack.k} nearest training rows counting the row itself ({stack.differing} rows where that "
            f"changes the value; family-wise p = {10**stack.log10_p_family:.1e}; epsilon² {assoc_t[j]:.2f} in "
            f"training vs {assoc_v[j]:.2f} in validation): an in-sample k-NN stacking feature, each training "
            "row's own label included."
        )
        fixes = (
            f"Rebuild {names[0]} out-of-fold: each training row's neighbours from the other folds "
            "(cross_val_predict of the k-NN model), as validation rows get it.",
            *cause_info("preprocessing_leakage").fixes[1:],
        )
    elif mean is not None and encoded:
        j = mean.feature
        summary = (
            f"On every one of its {mean.levels} training values, {names[0]} is exactly the share of class "
            f"{mean.label_class} among the training rows with that value (family-wise p = "
            f"{10**mean.log10_p_family:.1e}; epsilon² {assoc_t[j]:.2f} in training vs {assoc_v[j]:.2f} in "
            "validation): it is a label mean computed on the training rows themselves (an in-sample "
            "target encoding), each row's own label included."
        )
        fixes = (
            f"Rebuild {names[0]} out-of-fold: encode each training row with the label means of the other "
            "folds (sklearn's TargetEncoder.fit_transform cross-fits), as validation rows get it.",
            *cause_info("preprocessing_leakage").fixes[1:],
        )
    elif in_sample:
        j = weakened[0]
        summary = (
            f"{names[0]} predicts the label better on training rows than on validation rows (epsilon² "
            f"{assoc_t[j]:.2f} vs {assoc_v[j]:.2f}; loss on the Fisher-z scale at least {fisher_low:.2f}, "
            f"z = {loss.z[j]:.1f}) while its distribution is the same in both: it was fitted in-sample "
            "(a stacked prediction or label statistic computed on the very rows it describes)."
        )
        fixes = (
            f"Rebuild {', '.join(names)} out-of-fold: each training row's value from a model or statistic "
            "fitted on the other folds (cross_val_predict), as validation rows get it.",
            *cause_info("preprocessing_leakage").fixes[1:],
        )
    elif gap_strength >= id_strength:
        j = order[0]
        by_chance = (
            f", {loss.chance_lost[j]:.2f} of it by chance at these split sizes; the rest's 95% interval"
            if loss.chance_lost[j] >= 0.005
            else ", 95% interval"
        )
        summary = (
            f"{len(order)} feature(s) predict the label on training rows far better than on validation rows "
            f"(most: {names[0]}, epsilon² {assoc_t[j]:.2f} vs {assoc_v[j]:.2f}, {gap[j]:.2f} lost{by_chance} "
            f"{loss.lost_low[j]:.2f} to {loss.lost_high[j]:.2f}): they were built with the training labels."
        )
        fixes = (
            f"Rebuild {', '.join(names)} inside the cross-validation: fit target encodings and statistics "
            "on training folds only (out-of-fold), never on the rows they encode.",
            *cause_info("preprocessing_leakage").fixes[1:],
        )
    else:
        summary = f"Identifier-like column(s) {', '.join(names)} predict the label: rows were ordered by label."
        fixes = (f"Drop {', '.join(names)} from the features.", *cause_info("preprocessing_leakage").fixes[::2])
    plot = about[:6]
    leaky = about if in_sample or encoded or stacked else order
    result = TrainOnlySignal(
        features_train_only_signal=len(order),
        identifier_like_features=len(ids),
        association="Kruskal-Wallis epsilon² (share of rank variance explained by the label)",
        leaky=feature_texts(evidence, "leaky", leaky[:5], lambda j: f"train {assoc_t[j]:.3f} vs val {assoc_v[j]:.3f}"),
        identifier=feature_texts(
            evidence, "identifier", ids[:3], lambda j: f"epsilon² {max(assoc_t[j], assoc_v[j]):.3f}"
        ),
        note="every informative feature lost its signal: more likely misaligned rows (pipeline_bug)"
        if misaligned
        else None,
        association_lost=round(float(gap[order[0]]), 4) if order else None,
        association_lost_low=round(float(loss.lost_low[order[0]]), 4) if order else None,
        association_lost_by_chance=round(float(loss.chance_lost[order[0]]), 4) if order else None,
        association_lost_high=round(float(loss.lost_high[order[0]]), 4) if order else None,
        informative_share_collapsed=round(loss.collapsed_share, 4) if order else None,
        features_fitted_in_sample=len(weakened) or None,
        fisher_lost_low=round(fisher_low, 4) if weakened else None,
        fisher_z=round(float(loss.z[weakened[0]]), 2) if weakened else None,
        label_mean_values=mean.levels if mean else None,
        label_mean_log10_p=round(mean.log10_p_family, 2) if mean else None,
        neighbour_mean_k=stack.k if stack else None,
        neighbour_mean_rows_differing=stack.differing if stack else None,
        neighbour_mean_log10_p=round(stack.log10_p_family, 2) if stack else None,
        features=feature_plot_data(
            X_train,
            X_val,
            evidence.feature_names,
            plot,
            [f"label association train {assoc_t[j]:.2f} / val {assoc_v[j]:.2f}" for j in plot],
            [float(gap[j]) for j in plot],
        ),
    )
    return [
        Finding(
            cause="preprocessing_leakage",
            score=score,
            summary=summary,
            fixes=fixes,
            check=TrainOnlySignal.CHECK,
            result=result,
        )
    ]


@register(
    name="preprocessing_leakage.duplicates",
    cause="preprocessing_leakage",
    requires=("X_train", "X_val"),
    description="Validation rows that are exact or near copies of training rows.",
)
def duplicates(evidence: Evidence) -> list[Finding]:
    """Exact (row hashing) and near (quantised-grid buckets) duplicates across the splits."""
    X_train, X_val = splits_of(evidence)
    n_features = max(X_train.shape[1], 1)
    rows_t = sample_rows(len(X_train), DUPLICATE_CELLS // n_features, what="X_train rows for the duplicate search")
    rows_v = sample_rows(len(X_val), DUPLICATE_CELLS // n_features, what="X_val rows for the duplicate search", seed=1)
    found = find_duplicates(X_train, X_val, train_rows=rows_t, val_rows=rows_v)
    exact_t, exact_v, near_t, near_v = found.exact_train, found.exact_val, found.near_train, found.near_val
    natural = found.natural
    n_dup_val = len(exact_v) + len(near_v)
    share = n_dup_val / len(rows_v)
    low, high = binomial_interval(n_dup_val, len(rows_v))
    # both rates are samples: on dense data (two moons, 50% with a near copy within training) 150 validation
    # rows sit 5.5 points either side of the training rate by chance, so the excess is read at its 95% low end
    excess = excess_low(share, len(rows_v), natural, min(len(rows_t), BASELINE_ROWS))
    score = duplicates_score(excess)
    if natural >= _NATURAL_TOO_HIGH and score < REPORT_THRESHOLD:
        raise SkipCheck(
            f"{natural:.0%} of training rows have a copy within training (and {share:.0%} of validation rows "
            "one in training): rows are not told apart by their features, so copies across the splits are "
            "expected and cannot show leakage; check that the features were loaded"
        )
    if score < MIN_FINDING_SCORE:
        return []
    train_rows = np.concatenate([exact_t, near_t])
    first = np.sort(np.unique(train_rows, return_index=True)[1])
    rows = train_rows[first]  # each duplicated training row once, exact copies first
    pairs = [(int(t), int(v), "exact") for t, v in zip(exact_t[:10], exact_v[:10], strict=True)]
    pairs += [
        (int(t), int(v), "near") for t, v in zip(near_t[: 10 - len(pairs)], near_v[: 10 - len(pairs)], strict=True)
    ]
    result = DuplicatedRows(
        val_rows_exact_duplicates=len(exact_v),
        val_rows_near_duplicates=len(near_v),
        val_share_duplicated=round(share, 4),
        val_share_duplicated_low=round(low, 4),
        val_share_duplicated_high=round(high, 4),
        train_share_duplicated_within_train=round(natural, 4),
        train_rows_examined_within_train=min(len(rows_t), BASELINE_ROWS),
        train_rows_duplicated_in_val=len(rows),
        near_tolerance_train_sd=NEAR_TOLERANCE,
        duplicate_pairs="; ".join(f"train {t} = val {v} ({kind})" for t, v, kind in pairs),
        excess_over_natural_low=round(excess, 4),
    )
    summary = (
        f"{n_dup_val} validation rows ({share:.1%}) are copies of training rows ({len(exact_v)} exact, "
        f"{len(near_v)} near), against {natural:.1%} duplicated within training ({100 * excess:.1f} points "
        "more at the low end of the 95% interval): validation partly measures memorisation."
    )
    fixes = (
        "De-duplicate before splitting, or split by group (a GroupKFold on the entity id) so copies of "
        "one entity stay in one split.",
        "Drop the listed validation rows and re-measure the validation metric.",
    )
    return [
        Finding(
            cause="preprocessing_leakage",
            score=score,
            summary=summary,
            fixes=fixes,
            rows=tuple(rows),
            check=DuplicatedRows.CHECK,
            result=result,
        )
    ]
