"""Plain labels for the evidence figures: one table, used by the terminal and HTML reports.

A check names its figures for machines (``val_size_for_1pt_change``); a person reads
"validation rows needed to see a 1-point change". :data:`EVIDENCE_LABELS` maps every
key a check emits to its label and the way its value is written (:data:`FORMATS`);
keys built per feature, class or source (``shifted_1``, ``prior_cat``,
``noise_rate_pct[pseudo]``) are matched by :data:`EVIDENCE_FAMILIES`. A key with no
label falls back to :func:`humanise` (the test suite fails when a check declares one).

The JSON output keeps the raw keys: they are the stable names; labels may be reworded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from gapdoctor.causes.payload import declared_labels

__all__ = ["EVIDENCE_FAMILIES", "EVIDENCE_LABELS", "FORMATS", "evidence_label", "format_evidence", "humanise"]

Format = Literal["text", "number", "metric", "count", "pct", "points", "share", "epoch", "p", "sd", "rate"]

FORMATS: dict[str, str] = {
    "text": "as given",
    "number": "4 significant digits",
    "metric": "a metric value, 4 significant digits",
    "count": "a whole number with thousands separators",
    "pct": "a value already in percent, with a % sign",
    "points": "a difference already in percentage points",
    "share": "a fraction of 1, shown in percent",
    "epoch": "an epoch counted from 1",
    "p": "a p-value",
    "sd": "a standard deviation or small spread, 3 significant digits",
    "rate": "a learning rate, 3 significant digits",
}
"""Every format a label may ask for, and what it writes."""

EVIDENCE_LABELS: dict[str, tuple[str, Format]] = {
    # --- shared
    "metric": ("metric", "text"),
    "n_val": ("validation rows", "count"),
    "epochs": ("epochs recorded", "count"),
    "pattern": ("pattern", "text"),
    "split": ("split concerned", "text"),
    "p_value": ("p-value", "p"),
    "note": ("note", "text"),
    "few_points": ("only this many evaluations", "count"),
    # --- overfitting
    "best_epoch": ("best epoch (stop here)", "epoch"),
    "gap_onset_epoch": ("epoch the train/validation gap starts growing", "epoch"),
    "gap_growth_per_epoch": ("gap growth per epoch", "number"),
    "train_loss_drop_after_turn_pct": ("training-loss fall after validation turned", "pct"),
    "val_plateau_epoch": ("epoch validation stopped improving", "epoch"),
    "train_loss_drop_late_pct": ("training-loss fall after the plateau", "pct"),
    "val_loss_final": ("final validation loss", "number"),
    "val_loss_min": ("lowest validation loss", "number"),
    "val_loss_min_epoch": ("epoch of lowest validation loss", "epoch"),
    "val_loss_rise_pct": ("validation-loss rise since its lowest", "pct"),
    "val_metric_best": ("best validation metric", "metric"),
    "val_metric_best_epoch": ("epoch of best validation metric", "epoch"),
    "val_metric_final": ("final validation metric", "metric"),
    "val_metric_plateau_epoch": ("epoch the validation metric levelled off", "epoch"),
    # a run logged by steps: the same points as training steps
    "best_step": ("best step (stop here)", "count"),
    "gap_onset_step": ("step the train/validation gap starts growing", "count"),
    "val_plateau_step": ("step validation stopped improving", "count"),
    "val_loss_min_step": ("step of lowest validation loss", "count"),
    "val_metric_best_step": ("step of best validation metric", "count"),
    "val_metric_plateau_step": ("step the validation metric levelled off", "count"),
    # --- optimization
    "train_loss_noise_vs_progress": ("training-loss noise relative to its progress", "number"),
    "epochs_with_rising_train_loss_pct": ("epochs where training loss rose", "pct"),
    "spikes": ("training-loss spikes", "count"),
    "train_loss_start": ("first training loss", "number"),
    "train_loss_final": ("final training loss", "number"),
    "train_loss_drop_pct": ("training-loss fall over the run", "pct"),
    "late_drop_pct": ("training-loss fall over the last epochs", "pct"),
    "stall_epoch": ("epoch training loss stalled", "epoch"),
    "first_spike_epoch": ("epoch of the first loss spike", "epoch"),
    "lr_max": ("highest learning rate", "rate"),
    "lr_final": ("final learning rate", "rate"),
    "lr_cut_epoch": ("epoch the learning rate was cut", "epoch"),
    "lr_schedule": ("learning-rate schedule", "text"),
    "train_loss_batch_noise_se": ("batch-to-batch noise of the training loss (std. error)", "sd"),
    "rises_expected_from_batch_noise_pct": ("rises expected from batch noise alone", "pct"),
    "val_still_improving": ("validation still improving", "text"),
    "train_loss_single_batches": ("training-loss values logged, one batch each", "count"),
    "rises_expected_from_curve_noise_pct": ("rises expected from the logged loss's own noise", "pct"),
    "rises_beyond_curve_noise_p": ("p-value of the rises beyond that noise", "p"),
    "diverged_at_epoch": ("epoch training loss turned NaN/infinite", "epoch"),
    "diverged_at_step": ("step training loss turned NaN/infinite", "count"),
    "train_loss_best_epoch": ("epoch of lowest training loss", "epoch"),
    "train_loss_best_step": ("step of lowest training loss", "count"),
    "stall_step": ("step training loss stalled", "count"),
    "first_spike_step": ("step of the first loss spike", "count"),
    "lr_cut_step": ("step the learning rate was cut", "count"),
    # --- label noise
    "noise_rate_pct": ("estimated share of wrong training labels", "pct"),
    "noise_rate_low_pct": ("wrong labels, 95% interval low", "pct"),
    "noise_rate_high_pct": ("wrong labels, 95% interval high", "pct"),
    "flagged_rows": ("training rows flagged as likely mislabelled", "count"),
    "training_rows": ("training rows", "count"),
    "out_of_fold_error_pct": ("out-of-fold error rate", "pct"),
    "floor_pct": ("share expected without label noise (floor)", "pct"),
    "validation_control_rate_pct": ("same estimate on validation (control)", "pct"),
    "most_common_confusion": ("most common wrong label", "text"),
    "overlap_caveat": ("caveat", "text"),
    "late_fitted_pct": ("training rows fitted late or never", "pct"),
    "late_fitted_low_pct": ("late-fitted rows, 95% interval low", "pct"),
    "late_fitted_high_pct": ("late-fitted rows, 95% interval high", "pct"),
    "late_fitted_rows": ("rows fitted late or never", "count"),
    "never_fitted_rows": ("rows never fitted", "count"),
    "tracked_rows": ("training rows tracked", "count"),
    "bulk_fitted_epoch": ("epoch by which most rows are fitted", "epoch"),
    "late_after_epoch": ("fitted after this epoch counts as late", "epoch"),
    "late_fitted_share_of_flagged_pct": ("flagged rows fitted late or never", "pct"),
    "low_aum_share_of_flagged_pct": ("flagged rows whose margin stayed below zero in training", "pct"),
    "low_aum_share_of_others_pct": ("other rows whose margin stayed below zero in training", "pct"),
    "mean_forgetting_events_flagged": ("times a flagged row was learned, then forgotten (mean)", "number"),
    "never_learned_rows": ("training rows never classified as labelled in any epoch", "count"),
    "clear_noise_rate_pct": ("share of training rows whose margin sits clearly on another class", "pct"),
    "clearly_flagged_rows": ("flagged rows whose margin sits clearly on another class", "count"),
    "fitted_margin_scale": ("typical margin of the rows the model has fitted", "number"),
    "late_fitted_share_of_others_pct": ("other rows fitted late or never", "pct"),
    # --- pseudo-label noise
    "noisiest_source": ("noisiest label source", "text"),
    "noisiest_noise_rate_pct": ("wrong labels in the noisiest source", "pct"),
    "reference_source": ("reference label source", "text"),
    "reference_noise_rate_pct": ("wrong labels in the reference source", "pct"),
    "excess_pct_points": ("excess over the reference", "points"),
    "flagged_in_noisiest": ("rows flagged in the noisiest source", "count"),
    "rows_in_noisiest": ("rows in the noisiest source", "count"),
    "flagged_by": ("rows flagged by", "text"),
    "blamed_by": ("source blamed on", "text"),
    "taught_accuracy_pct": ("validation accuracy taught by the blamed source's labels", "pct"),
    "taught_reference_accuracy_pct": ("validation accuracy taught by as many reference labels", "pct"),
    "taught_drop_pct_points": ("accuracy lost by learning from the blamed source", "points"),
    "taught_drop_low_pct_points": ("accuracy lost, 95% interval low", "points"),
    "taught_drop_high_pct_points": ("accuracy lost, 95% interval high", "points"),
    "taught_p_value": ("p-value of the accuracy lost", "p"),
    "taught_reference": ("labels the source was compared with", "text"),
    # --- metric mismatch
    "decision_rule": ("decision rule tuned", "text"),
    "default_rule": ("default decision rule", "text"),
    "best_rule": ("best decision rule", "text"),
    "val_metric_default": ("validation metric with the default rule", "metric"),
    "val_metric_default_low": ("default rule, 95% interval low", "metric"),
    "val_metric_default_high": ("default rule, 95% interval high", "metric"),
    "val_metric_best_in_sample": ("validation metric with the best rule (tuned on validation)", "metric"),
    "val_metric_best_low": ("best rule, 95% interval low", "metric"),
    "val_metric_best_high": ("best rule, 95% interval high", "metric"),
    "val_metric_cross_validated": ("validation metric with the rule cross-validated", "metric"),
    "cross_validated_gain": ("gain from tuning the rule (cross-validated)", "metric"),
    "cross_validated_gain_low": ("gain, 95% interval low", "metric"),
    "cross_validated_gain_high": ("gain, 95% interval high", "metric"),
    "minority_class_share_train": ("smallest class's share of training", "share"),
    "roc_auc": ("ROC AUC (ranking quality)", "metric"),
    "average_precision": ("average precision", "metric"),
    "expected_calibration_error": ("calibration error (expected)", "metric"),
    "val_loss_change_second_half": ("validation-loss change over the second half", "number"),
    "val_metric_change_second_half": ("validation-metric change over the second half", "metric"),
    # --- metric saturation
    "headroom": ("room left below the metric's ceiling", "metric"),
    "headroom_low": ("room left, 95% interval low", "metric"),
    "headroom_high": ("room left, 95% interval high", "metric"),
    "second_half_gain": ("metric gain over the second half", "metric"),
    "train_loss_drop_second_half_pct": ("training-loss fall over the second half", "pct"),
    "val_errors_left": ("validation errors left", "count"),
    "val_log_loss": ("validation log loss", "number"),
    "val_expected_calibration_error": ("validation calibration error (expected)", "metric"),
    "val_loss_change_second_half_pct": ("validation-loss change over the second half", "pct"),
    "val_suspected_label_errors": ("validation rows whose label looks wrong", "count"),
    "val_label_error_rate_est": ("estimated share of wrong validation labels", "share"),
    "accuracy_ceiling_est": ("estimated accuracy ceiling", "metric"),
    "val_suspect_confidence_rank": ("confidence of those rows, mean percentile among confident right rows", "share"),
    "val_suspect_rank_p_value": ("p-value that they are label errors", "p"),
    # --- small validation set
    "val_metric": ("validation metric", "metric"),
    "val_metric_low": ("validation metric, 95% interval low", "metric"),
    "val_metric_high": ("validation metric, 95% interval high", "metric"),
    "interval_method": ("interval computed by", "text"),
    "metric_from": ("metric measured from", "text"),
    "sampling_sd": ("sampling noise of the metric (std. dev.)", "sd"),
    "evidence_strength": ("the check's own strength of evidence, before the scoring policy", "number"),
    "smallest_detectable_change": ("smallest change this set can detect", "metric"),
    "val_size_for_1pt_change": ("validation rows needed to see a 1-point change", "count"),
    "val_size_for_movement_seen": ("validation rows needed to confirm the recent movement", "count"),
    "min_class_support": ("rows of the smallest class", "count"),
    "min_support_class": ("smallest class", "text"),
    "classes_under_30_rows": ("classes with under 30 validation rows", "count"),
    "last_epochs": ("recent epochs looked at", "count"),
    "movement_last_epochs": ("metric movement over those epochs", "metric"),
    "movement_inside_noise": ("movement within the noise", "text"),
    "second_half_trend": ("metric trend over the second half", "metric"),
    # --- distribution shift
    "domain_auc": ("how well a classifier tells train from validation (AUC)", "metric"),
    "domain_auc_low": ("train-vs-validation AUC, 95% interval low", "metric"),
    "domain_auc_high": ("train-vs-validation AUC, 95% interval high", "metric"),
    "domain_rows": ("rows used to tell the splits apart", "count"),
    "features_tested": ("features tested", "count"),
    "features_shifted": ("features whose distribution differs", "count"),
    "features_shifted_share": ("share of features that differ", "share"),
    "correction": ("multiple-testing correction", "text"),
    "features_explained_by_rescaling": ("differences explained by a rescaling", "count"),
    "features_excluded_as_leakage": ("differing features left out: they carry training labels", "count"),
    "prior_tvd": ("class-share difference (total variation)", "share"),
    "chi2_p": ("class-share difference p-value (test of homogeneity)", "p"),
    # --- pipeline bug
    "val_accuracy_as_given": ("validation accuracy with labels as given", "metric"),
    "val_accuracy_best_mapping": ("validation accuracy with labels remapped", "metric"),
    "val_accuracy_chance": ("accuracy by chance", "metric"),
    "val_mean_confidence": ("mean confidence on validation", "metric"),
    "gain_z": ("remapping gain (z-score)", "number"),
    "classes_remapped": ("classes remapped", "count"),
    "mapping": ("label mapping found", "text"),
    "features_rescaled": ("features rescaled between splits", "count"),
    "label_changes": ("label changes between neighbouring rows", "count"),
    "label_changes_expected": ("label changes expected if shuffled", "number"),
    "runs_z": ("ordering test (z-score)", "number"),
    "mean_run_length": ("mean run of equal labels", "number"),
    "mean_run_length_expected": ("mean run expected if shuffled", "number"),
    "informative_features": ("informative features", "count"),
    "association_retained": ("feature-label association kept across splits", "share"),
    # --- preprocessing leakage
    "features_train_only_signal": ("features predictive on training only", "count"),
    "identifier_like_features": ("identifier-like features", "count"),
    "association": ("association measured by", "text"),
    "association_lost": ("feature-label association lost in validation (epsilon²)", "number"),
    "association_lost_low": ("association lost, 95% interval low", "number"),
    "association_lost_high": ("association lost, 95% interval high", "number"),
    "association_lost_by_chance": ("association lost by chance at these split sizes", "number"),
    "informative_share_collapsed": ("share of informative features whose association collapsed", "share"),
    "features_fitted_in_sample": ("features fitted on the rows they describe (in-sample)", "count"),
    "fisher_lost_low": ("association lost on the Fisher-z scale, 95% interval low", "number"),
    "fisher_z": ("significance of the association lost (z)", "number"),
    "label_mean_values": ("training values of the column that is an in-sample label mean", "count"),
    "label_mean_log10_p": ("in-sample label mean by chance, log10 family-wise p", "number"),
    "val_rows_exact_duplicates": ("validation rows copied exactly from training", "count"),
    "val_rows_near_duplicates": ("validation rows nearly copied from training", "count"),
    "val_share_duplicated": ("share of validation copied from training", "share"),
    "val_share_duplicated_low": ("copied share, 95% interval low", "share"),
    "val_share_duplicated_high": ("copied share, 95% interval high", "share"),
    "train_share_duplicated_within_train": ("share of training duplicated within training", "share"),
    "train_rows_duplicated_in_val": ("training rows that reappear in validation", "count"),
    "train_rows_examined_within_train": ("training rows examined for duplicates", "count"),
    "near_tolerance_train_sd": ("near-copy tolerance (training std. devs.)", "number"),
    "duplicate_pairs": ("first copies (training row = validation row)", "text"),
    # --- subgroup failure
    "lagging": ("groups left behind", "text"),
    "worst": ("worst group", "text"),
    "worst_kind": ("worst group is a", "text"),
    "worst_value": ("metric of the worst group", "metric"),
    "worst_low": ("worst group, 95% interval low", "metric"),
    "worst_high": ("worst group, 95% interval high", "metric"),
    "worst_n": ("validation rows in the worst group", "count"),
    "others_median": ("median metric of the other groups", "metric"),
    "gap": ("gap to the other groups", "metric"),
    "worst_precision": ("precision of the worst class", "metric"),
    "worst_train_recall": ("recall of the worst class on training", "metric"),
    # --- search noise
    "n_trials": ("trials", "count"),
    "n_configurations": ("distinct configurations", "count"),
    "best_value": ("best trial's value", "metric"),
    "best_params": ("best trial's parameters", "text"),
    "value_sd": ("noise of one trial's value (std. dev.)", "sd"),
    "noise_source": ("noise estimated from", "text"),
    "difference_needed_95": ("difference needed to be sure (95%)", "metric"),
    "smallest_detectable_difference": ("smallest difference the search can detect", "metric"),
    "configurations_tied_with_best": ("configurations tied with the best", "count"),
    "runner_up_gap": ("gap between the best two", "metric"),
    "val_size": ("validation rows", "count"),
    "val_size_for_1pt_difference": ("validation rows needed to see a 1-point difference", "count"),
    "val_size_to_separate_top_two": ("validation rows needed to separate the best two", "count"),
    "trials_with_history": ("trials with curves", "count"),
    "values_equal_to_train_loss": ("trial values equal to their training loss", "count"),
    "spearman_value_vs_gap": ("rank correlation of value and train/validation gap", "number"),
    "trials_with_curves": ("trials with curves", "count"),
    "best_trial": ("best trial", "text"),
    "best_trial_gap": ("best trial's train/validation gap", "number"),
    "best_trial_gap_rank": ("best trial's gap rank (1 = largest)", "count"),
}
"""Raw evidence key -> (plain label, format). The JSON output keeps the raw key."""

EVIDENCE_FAMILIES: tuple[tuple[re.Pattern[str], str, Format], ...] = (
    (re.compile(r"shifted_(\d+)"), "shifted feature #{0}", "text"),
    (re.compile(r"separating_(\d+)"), "feature separating the splits #{0}", "text"),
    (re.compile(r"excluded_(\d+)"), "feature left out of the shift (carries training labels) #{0}", "text"),
    (re.compile(r"prior_(.+)"), "class {0}: share in training → validation", "text"),
    (re.compile(r"affine_(\d+)"), "rescaled feature #{0}", "text"),
    (re.compile(r"median_label_association_(.+)"), "median feature-label association in {0}", "number"),
    (re.compile(r"leaky_(\d+)"), "leaking feature #{0}", "text"),
    (re.compile(r"identifier_(\d+)"), "identifier-like feature #{0}", "text"),
    (re.compile(r"noise_rate_pct\[(.+)\]"), "wrong labels in source {0}", "pct"),
    (re.compile(r"confusion_pair_(\d+)"), "most common confusion #{0}", "text"),
)
"""Keys built per feature, class, source or rank: pattern -> (label template, format)."""


def humanise(key: str) -> str:
    """A readable fallback label for a key with none: underscores as spaces, units spelled.

    Examples
    --------
    >>> humanise("val_rows_seen_pct")
    'validation rows seen (%)'
    """
    words = str(key).split("_")
    unit = ""
    if len(words) > 1 and words[-1] == "pct":
        words, unit = words[:-1], " (%)"
    spelled = {"val": "validation", "n": "number of", "lr": "learning rate", "sd": "std. dev."}
    return " ".join(spelled.get(w, w) for w in words) + unit


def _lookup(key: str, check: str | None = None) -> tuple[str, Format] | None:
    if key in EVIDENCE_LABELS:
        return EVIDENCE_LABELS[key]
    for pattern, template, kind in EVIDENCE_FAMILIES:
        match = pattern.fullmatch(key)
        if match:
            return template.format(*match.groups()), kind
    declared = (declared_labels(check).get(key) if check else None) or declared_labels().get(key)  # its check's first
    if declared is not None and declared[1] in FORMATS:
        return declared[0], declared[1]  # type: ignore[return-value]
    return None


def has_label(key: str) -> bool:
    """True when ``key`` has a plain label (not the :func:`humanise` fallback)."""
    return _lookup(str(key)) is not None


def evidence_label(key: str, check: str | None = None) -> str:
    """The plain label of an evidence key (of a finding of ``check``, when given).

    Examples
    --------
    >>> evidence_label("val_size_for_1pt_change")
    'validation rows needed to see a 1-point change'
    >>> evidence_label("shifted_2")
    'shifted feature #2'
    >>> evidence_label("brand_new_figure")
    'brand new figure'
    """
    found = _lookup(str(key), check)
    return found[0] if found is not None else humanise(str(key))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def format_evidence(key: str, value: Any, check: str | None = None) -> str:
    """An evidence value written for a person, the way its key's format says (of a finding of ``check``, when given).

    Examples
    --------
    >>> format_evidence("val_size_for_1pt_change", 1093394)
    '1,093,394'
    >>> format_evidence("noise_rate_pct", 29.87)
    '29.87%'
    >>> format_evidence("val_share_duplicated", 0.125)
    '12.5%'
    >>> format_evidence("best_epoch", 12)
    'epoch 12'
    >>> format_evidence("p_value", 3.2e-07)
    '3.2e-07'
    """
    found = _lookup(str(key), check)
    kind: Format = found[1] if found is not None else "number"
    number = _number(value)
    if number is None or kind == "text":
        return str(value)
    if not math.isfinite(number):
        return "—" if math.isnan(number) else str(number)
    if kind == "count":
        return f"{number:,.0f}" if number == int(number) else f"{number:,.4g}"
    if kind == "pct":
        return f"{number:.4g}%"
    if kind == "points":
        return f"{number:.4g} points"
    if kind == "share":
        return f"{100 * number:.3g}%"
    if kind == "epoch":
        return f"epoch {number:g}"
    if kind == "p":
        return f"{number:.2g}"
    if kind in ("sd", "rate"):
        return f"{number:.3g}"
    return f"{number:.4g}"


def plain_evidence(evidence: Mapping[str, Any], check: str | None = None) -> list[tuple[str, str, str]]:
    """(plain label, formatted value, raw key) for every figure of a finding (of ``check``, when given), in order."""
    return [(evidence_label(str(k), check), format_evidence(str(k), v, check), str(k)) for k, v in evidence.items()]
