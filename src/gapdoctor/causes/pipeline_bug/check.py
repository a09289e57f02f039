"""Pipeline bugs: the data reaching the model is not what the user thinks it is.

Four bugs, each a check that names the split at fault and the fix:

- label encoding differs between splits: the validation confusion matrix is close to a
  permutation; the assignment that maximises accuracy (Hungarian algorithm) gives the
  mapping and the accuracy under it;
- features and labels misaligned in one split: the features predict the labels in one
  split and say nothing about them in the other (while their distributions agree), or
  the model is confident on validation rows, right only at chance rate, and no feature follows their labels,
  or the validation labels agree with the model's own predictions for the rows a few away far better than
  with their own rows' (:func:`~gapdoctor.causes.pipeline_bug.offsets.prediction_offset`);
- a split preprocessed differently: every feature of one split is an affine map of the
  other (standardised or min-max scaled on one side only, different units), or one split
  is standardised exactly and the few features of the other that differ are rescaled
  affine maps that standardising by its own statistics undoes at no cost in accuracy;
- unshuffled training data: the labels arrive in long runs (a runs test on the order
  the training loop saw them; :mod:`gapdoctor.causes.pipeline_bug.unshuffled`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gapdoctor.causes.pipeline_bug.chance import beyond_chance_z, labels_follow_features, relabelled_accuracy
from gapdoctor.causes.pipeline_bug.gain import corrected_mapping_gain, realigned_gain
from gapdoctor.causes.pipeline_bug.lost_association import lost_association
from gapdoctor.causes.pipeline_bug.offsets import LabelOffset, prediction_offset
from gapdoctor.causes.pipeline_bug.own_loss import loss_falls_to_its_end, loss_reads_labels_as_given
from gapdoctor.causes.pipeline_bug.preprocessing_text import verdict_text
from gapdoctor.causes.pipeline_bug.result import (
    LabelEncoding,
    MisalignedRows,
    SplitPreprocessing,
)
from gapdoctor.causes.pipeline_bug.score import (
    PERMUTATION_FIXES,
    at_chance,
    confidence_ratio,
    label_encoding_score,
    misaligned_score,
    offset_ratio,
    rescaling_score,
    retention_ratio,
)
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample
from gapdoctor.stats.rescaling import compared_splits
from gapdoctor.stats.splits import compare_features, feature_plot_data, feature_texts


def _unseen_kept(confusion: np.ndarray[Any, Any], evidence: Evidence) -> np.ndarray[Any, Any]:
    """The confusion matrix to relabel, each validation class the training split never held kept as it is.

    A model predicts the classes it was trained on: the rows of a class it never saw land on some
    trained class, and pairing them says nothing about how either split was encoded
    (``distribution_shift.label_shift`` names those classes).
    """
    if evidence.y_train is None:
        return confusion
    unseen = np.flatnonzero(np.bincount(evidence.y_train, minlength=len(confusion)) == 0)
    if not len(unseen):
        return confusion
    kept = confusion.astype(np.float64)
    kept[unseen, :] = 0.0
    kept[unseen, unseen] = float(confusion.sum()) + 1.0  # the assignment keeps them on their own column
    return kept


@register(
    name="pipeline_bug.label_encoding",
    cause="pipeline_bug",
    requires=("y_val", "val_probs"),
    description="Validation confusion matrix close to a permutation: labels encoded differently per split.",
)
def label_encoding(evidence: Evidence) -> list[Finding]:
    """Solve the assignment on the validation confusion matrix; report the best relabelling."""
    evidence = validation_sample(evidence, VALIDATION_PASS_ROWS)
    confusion = evidence.val_confusion
    assert confusion is not None
    if evidence.n_classes < 2:
        raise SkipCheck("needs at least two classes")
    given_rows, model_cols = linear_sum_assignment(_unseen_kept(confusion, evidence), maximize=True)
    n = int(confusion.sum())
    correct_given = int(np.trace(confusion))
    correct_best = int(confusion[given_rows, model_cols].sum())
    moved = [int(i) for i in given_rows if model_cols[i] != i]
    if not moved or correct_best <= correct_given:
        return []
    gain = (correct_best - correct_given) / n
    # McNemar on the rows of the remapped classes: right only under the new mapping vs only as given
    right_remapped = int(sum(confusion[i, model_cols[i]] for i in moved))
    right_as_given = int(sum(confusion[i, i] for i in moved))
    z = (right_remapped - right_as_given) / math.sqrt(right_remapped + right_as_given)
    # ... and beyond what the margins give any pairing: a model predicting one class for a split of
    # (almost) one other class is "relabelled" to a high accuracy with no relation to the labels
    # (a covariate shift, a collapsed model); a permuted encoding keeps the model informative
    z_chance = beyond_chance_z(confusion, moved, model_cols)
    train_inconsistent, train_gain = False, None
    loss_on_given = bool(loss_reads_labels_as_given(evidence, model_cols))  # the loop scored the labels given
    if evidence.train_confusion is not None:  # the model agrees with the training labels?
        train_confusion = evidence.train_confusion
        train_rows, train_cols = linear_sum_assignment(train_confusion, maximize=True)
        # ... unless it is the very relabelling validation needs: predictions in another class order on both splits
        train_inconsistent = bool(np.any(train_cols[train_rows] != train_rows)) and not np.array_equal(
            train_cols[train_rows], model_cols[given_rows]
        )
        # the same relabelling on the training rows: what it gains there is the model's, not the encoding's
        mapped = int(train_confusion[given_rows, model_cols].sum())
        train_gain = (mapped - int(np.trace(train_confusion))) / max(int(train_confusion.sum()), 1)
    fixed_share = gain / max(1.0 - correct_given / n, 1e-12)  # of the validation errors as given
    score = label_encoding_score(
        gain,
        min(z, z_chance),
        train_inconsistent=train_inconsistent,
        train_gain=train_gain or 0.0,
        fixed_share=fixed_share,
        loss_on_given=loss_on_given,
        learning_given=loss_on_given and len(moved) == len(given_rows) and loss_falls_to_its_end(evidence),
    )
    if score < MIN_FINDING_SCORE:
        return []
    classes = [str(c) for c in evidence.classes]
    pairs = [f"val '{classes[i]}' = model '{classes[model_cols[i]]}'" for i in moved]
    result = LabelEncoding(
        split="y_val",
        val_accuracy_as_given=round(correct_given / n, 4),
        val_accuracy_best_mapping=round(correct_best / n, 4),
        gain_z=round(z, 2),
        beyond_chance_z=round(z_chance, 2),
        classes_remapped=len(moved),
        mapping_text="; ".join(pairs[:10]),
        mapping={"classes": classes, "val_label_to_true": [classes[j] for j in model_cols]},
        train_accuracy_gain_same_mapping=None if train_gain is None else round(train_gain, 4),
    )
    summary = (
        f"Validation labels look encoded differently from training: relabelling {len(moved)} class(es) "
        f"raises validation accuracy from {correct_given / n:.1%} to {correct_best / n:.1%} ({pairs[0]}"
        + (", ..." if len(pairs) > 1 else "")
        + ")."
        + _training_sentence(gain, train_gain, fixed_share)
    )
    fixes = (
        "Fit one label encoder on the training labels and reuse it (transform, never fit) for y_val; "
        f"the mapping found: {'; '.join(pairs[:5])}.",
        "Check class-index files / folder-name sorting of each split (e.g. ImageFolder class_to_idx).",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=score,
            summary=summary,
            fixes=fixes,
            check=LabelEncoding.CHECK,
            result=result,
            gain=corrected_mapping_gain(result, evidence),
        )
    ]


def _training_sentence(gain: float, train_gain: float | None, fixed_share: float) -> str:
    """What the same relabelling does to the training rows, when it gains there half as much as on validation."""
    if train_gain is None or train_gain <= gain / 2:
        return ""
    raised = f" The same relabelling raises the training rows' out-of-fold accuracy by {train_gain:.1%}"
    if fixed_share >= PERMUTATION_FIXES:
        return (
            f"{raised} too: the predictions' class order may differ from the labels' on both splits (probability "
            "columns in another order than the label encoder's)."
        )
    return f"{raised} and fixes {fixed_share:.0%} of the validation errors: much of it is the model's own confusion."


def _rows_text(offset: LabelOffset) -> str:
    """How many rows the labels are shifted by, in words ("1 row", "5 rows")."""
    return f"{abs(offset.offset)} row{'s' if abs(offset.offset) > 1 else ''}"


@register(
    name="pipeline_bug.misaligned_rows",
    cause="pipeline_bug",
    requires=("y_val",),
    description="Features predict the labels in one split only, confident predictions at chance accuracy, or "
    "validation labels that fit the predictions for rows a few away.",
)
def misaligned_rows(evidence: Evidence) -> list[Finding]:
    """Features and labels joined in the wrong order in one split."""
    has_features = evidence.X_train is not None and evidence.X_val is not None and evidence.y_train is not None
    if not has_features and evidence.val_probs is None:
        raise SkipCheck("needs X_train, y_train and X_val, or val_probs")
    strength, split = 0.0, "y_val"
    informative: int | None = None
    medians: dict[str, float] = {}
    retained: float | None = None
    transfer_shown: tuple[float, float] | None = None
    offset: LabelOffset | None = None
    found = lost_association(evidence)
    if found is not None:
        retention, lost_in, informative, medians, transfer, offset = found
        retained = round(retention, 4)
        transfer_shown = (round(transfer.accuracy, 4), round(transfer.chance, 4))
        strength = retention_ratio(retention)
        split = f"y_{lost_in}"
    shifted: int | None = None
    if evidence.X_train is not None and evidence.X_val is not None:
        shifted = int(compare_features(evidence.X_train, evidence.X_val).shifted.sum())
    confidence_shown: float | None = None
    best_shown: float | None = None
    chance_shown: float | None = None
    if evidence.val_probs is not None and evidence.val_confusion is not None and evidence.y_val is not None:
        val = relabelled_accuracy(evidence.val_confusion)
        confidence = float(evidence.val_probs.max(axis=1).mean())
        confidence_shown, best_shown, chance_shown = round(confidence, 4), round(val.share, 4), round(val.chance, 4)
        # labels the model cannot learn out of fold either (heavy label noise on a few rows) leave both splits
        # at chance: nothing singles out the validation rows; validation labels that follow their own
        # features are in order with them (the model learnt something else)
        explained = val.at_chance and (
            (evidence.train_confusion is not None and relabelled_accuracy(evidence.train_confusion).at_chance)
            or labels_follow_features(evidence)
        )
        # predictions of one class for every row are at chance whatever the labels' order: they say nothing of
        # it (a validation split pinned to one class is pipeline_bug.collapsed_predictions' reading)
        constant = int(np.count_nonzero(evidence.val_confusion.sum(axis=0))) < 2
        if val.at_chance and not explained and not constant:  # no better than chance, even relabelled
            probs_strength = confidence_ratio(confidence, val.high)
            if probs_strength > strength:
                strength, split = probs_strength, "y_val"
        elif not val.at_chance and found is not None:
            # The model learnt y_train and predicts y_val above chance (even relabelled): the
            # labels of both splits follow their features, so neither split is out of order.
            # Misaligned y_val leaves the model at chance on it; misaligned y_train leaves it
            # nothing to learn. Heavy label noise weakens the association yet keeps this.
            strength = 0.0
    score = misaligned_score(strength, shifted=bool(shifted))  # a covariate shift can explain both symptoms
    # the offset test on the model's own predictions needs no feature that predicts the label on its own
    own = (
        None
        if evidence.val_probs is None or evidence.y_val is None
        else prediction_offset(evidence.y_val, evidence.val_probs.argmax(axis=1))
    )
    own_ratio = 0.0 if own is None else offset_ratio(own.accuracy, own.aligned_accuracy)
    own_score = misaligned_score(own_ratio, shifted=bool(shifted))
    by_predictions = own is not None and own_score >= score
    if by_predictions:
        score, offset, split = own_score, own, "y_val"
    if score < MIN_FINDING_SCORE:
        return []
    x_split = "X" + split[1:]
    summary = (
        f"Features and labels look misaligned in {split}: the features that predict the labels in the other "
        f"split say (almost) nothing about {split}, while the feature distributions agree."
    )
    if transfer_shown is not None:
        accuracy, chance = transfer_shown
        summary = (
            f"Features and labels look misaligned in {split}: a model of the features that predict the labels in "
            f"the other split is right on {accuracy:.1%} of {split} even relabelled ({chance:.1%} by chance), "
            "while the feature distributions agree."
        )
        if offset is not None:
            rows = _rows_text(offset)
            summary += (
                f" Paired with the features {rows} {'earlier' if offset.offset < 0 else 'later'}, the labels are "
                f"right on {offset.accuracy:.1%} (as given {offset.aligned_accuracy:.1%}): "
                f"{split} is shifted by {rows}."
            )
    # the probabilities alone point to it
    if found is None and confidence_shown is not None and best_shown is not None and chance_shown is not None:
        near = (
            f"only at chance rate ({best_shown:.1%} vs {chance_shown:.1%})"
            if at_chance(best_shown, chance_shown)
            else f"on {best_shown:.1%}, an interval reaching down to the chance rate of {chance_shown:.1%}"
        )
        summary = (
            f"The model is confident on validation rows (mean max probability {confidence_shown:.2f}) "
            f"yet right {near}: {split} looks out of order with {x_split}."
        )
    if by_predictions and offset is not None:
        rows = _rows_text(offset)
        summary = (
            f"Paired with the model's prediction {rows} {'earlier' if offset.offset < 0 else 'later'}, "
            f"the validation labels are right on {offset.accuracy:.1%} (as given {offset.aligned_accuracy:.1%}, "
            f"on the same {offset.rows:,} rows): y_val is shifted by {rows} against X_val."
        )
    result = MisalignedRows(
        informative_features=informative,
        median_label_association=medians,
        association_retained=retained,
        transfer_accuracy=None if transfer_shown is None else transfer_shown[0],
        transfer_accuracy_chance=None if transfer_shown is None else transfer_shown[1],
        features_shifted=shifted,
        val_mean_confidence=confidence_shown,
        val_accuracy_best_mapping=best_shown,
        val_accuracy_chance=chance_shown,
        split=split,
        label_offset=None if offset is None else offset.offset,
        offset_accuracy=None if offset is None else round(offset.accuracy, 4),
        offset_p_value=None if offset is None else offset.p_value,
        offset_read_on=None if offset is None else "model predictions" if by_predictions else "transfer model",
    )
    fixes = (
        f"Join {x_split} and {split} on an explicit row key (id), not on position; check for a sort, "
        "shuffle, filter or dropna applied to one of them only.",
        "Print a few rows of the split with their labels and check them by eye.",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=score,
            summary=summary,
            fixes=fixes,
            check=MisalignedRows.CHECK,
            result=result,
            gain=realigned_gain(offset) if by_predictions and offset is not None else None,
        )
    ]


@register(
    name="pipeline_bug.split_preprocessing",
    cause="pipeline_bug",
    requires=("X_train", "X_val"),
    description="Every feature of one split an affine map of the other: preprocessed differently.",
)
def split_preprocessing(evidence: Evidence) -> list[Finding]:
    """Per-feature affine relation between the splits (same shape, other location and scale)."""
    splits = compared_splits(evidence)
    X_train, X_val, comparison, verdict = splits.X_train, splits.X_val, splits.comparison, splits.rescaling
    score = rescaling_score(verdict.strength)
    if score < MIN_FINDING_SCORE:
        return []
    bad = verdict.split
    ok = "X_train" if bad == "X_val" else "X_val"
    text = verdict_text(verdict, ok, bad)
    order = sorted(verdict.features.tolist(), key=lambda j: -float(comparison.effect[j]))
    affine = feature_texts(
        evidence,
        "affine",
        order[:5],
        lambda j: f"val = {comparison.slope[j]:.4g} x train + {comparison.intercept[j]:.4g}",
    )
    labels = [f"val = {comparison.slope[j]:.3g} x train + {comparison.intercept[j]:.3g}" for j in order[:6]]
    result = SplitPreprocessing(
        split=bad,
        pattern=verdict.pattern,
        features_rescaled=len(verdict.features),
        features_tested=len(comparison.strength),
        affine=affine,
        standardisation_error=None if verdict.fix is None else verdict.standardisation_error,
        fix_model=None if verdict.fix is None else verdict.fix.model,
        fix_log_loss_as_given=None if verdict.fix is None else round(verdict.fix.log_loss_as_given, 4),
        fix_log_loss_own_scaled=None if verdict.fix is None else round(verdict.fix.log_loss_own_scaled, 4),
        fix_z=None if verdict.fix is None else round(verdict.fix.z, 2),
        fix_rows=None if verdict.fix is None else verdict.fix.rows,
        features=feature_plot_data(
            X_train, X_val, evidence.feature_names, order[:6], labels, [float(comparison.slope[j]) for j in order]
        ),
    )
    fixes = (
        f"Fit the preprocessing (scaler, normaliser, unit conversion) once on the training rows and apply "
        f"the same fitted object to {ok} and {bad}, e.g. a scikit-learn Pipeline.",
        "Check the units and the loading code of each split (same columns, same conversion).",
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=score,
            summary=f"{bad} looks preprocessed differently from {ok}: {text}.",
            fixes=fixes,
            check=SplitPreprocessing.CHECK,
            result=result,
        )
    ]
