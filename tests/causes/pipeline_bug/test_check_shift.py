"""pipeline_bug.split_preprocessing: a covariate shift on a standardised training split is not a skipped scaler.

Recorded inputs of two never-read corpus runs (seeds 3181 and 2573: breast cancer and wine, training rows
below a quantile of one feature, validation rows above another, 14% and 38% of the training labels
flipped), read byte-for-byte from ``tests/data/corpus/shift_not_a_scaler_seed*.npz`` (the splits
:func:`gapdoctor.diagnose` received from the corpus generator, ``python -m gapdoctor.bench.corpus``).
The training split is standardised exactly and the shifted validation split is not; before, that read
as "X_val was not passed through the fitted scaler" at 0.93, ahead of the shift. A third (seed 7661, wine,
38% flipped, ``tests/data/record_misread_splits.py``) is one whose own standardisation lowers the
log-loss yet leaves the model 17% accurate on a validation split of one class.
"""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer

import gapdoctor
from gapdoctor.stats.standardisation import FIX_LOSS_Z, STANDARDISED_TOLERANCE, own_scale_fix, standardisation_error
from tests.data.recording import corpus_inputs


def _splits(seed: int) -> dict[str, Any]:
    return corpus_inputs(f"shift_not_a_scaler_seed{seed}")


@pytest.mark.parametrize("seed", [3181, 2573])
def test_a_shift_whose_own_standardisation_changes_nothing_is_not_a_skipped_scaler(seed: int) -> None:
    splits = _splits(seed)
    # the premise the old rule read: a standardised training split, a validation split that is not
    assert standardisation_error(splits["X_train"]) <= STANDARDISED_TOLERANCE
    assert standardisation_error(splits["X_val"]) > 0.3
    fix = own_scale_fix(splits["X_train"], splits["y_train"], splits["X_val"], splits["y_val"])
    # standardising the validation split by its own statistics restores no model: the fit of each stays
    # (seed 3181), or the log-loss falls with no model above the most common label (2573: 36 rows of one class)
    assert fix is not None and not fix.confirms_missing_scaler
    assert abs(fix.z) < FIX_LOSS_Z or fix.accuracy_own_scaled <= fix.majority_share
    diagnosis = gapdoctor.diagnose(**splits)
    assert not any(f.cause == "pipeline_bug" and f.score >= 0.5 for f in diagnosis.findings)
    shift = next(f for f in diagnosis.findings if f.check == "distribution_shift.covariate")
    assert shift.score >= 0.5


def test_the_same_validation_split_in_raw_units_is_still_a_skipped_scaler() -> None:
    # (seed 2573's validation rows are all of one class: no model fit there tells a scaler's gain, before or now)
    splits = _splits(3181)
    raw = load_breast_cancer(return_X_y=True)[0]
    in_units = splits["X_val"] * raw.std(axis=0) + raw.mean(axis=0)  # as if the scaler were never applied
    diagnosis = gapdoctor.diagnose(**{**splits, "X_val": in_units})
    finding = next(f for f in diagnosis.findings if f.check == "pipeline_bug.split_preprocessing")
    assert finding.score >= 0.5 and "X_val" in finding.summary


def test_a_standardisation_that_only_softens_confident_errors_is_not_a_skipped_scaler() -> None:
    splits = _splits(7661)
    assert standardisation_error(splits["X_train"]) <= STANDARDISED_TOLERANCE
    fix = own_scale_fix(splits["X_train"], splits["y_train"], splits["X_val"], splits["y_val"])
    assert fix is not None and fix.gains_fit  # the log-loss falls beyond its noise ...
    assert fix.accuracy_own_scaled < 0.3 and fix.majority_share == 1.0  # ... but no model is restored
    assert not fix.confirms_missing_scaler
    diagnosis = gapdoctor.diagnose(**splits)
    assert not any(f.cause == "pipeline_bug" and f.score >= 0.5 for f in diagnosis.findings)
    assert diagnosis.top is not None and diagnosis.top.cause == "distribution_shift"


def test_a_skipped_scaler_that_helps_a_linear_model_fitted_on_noisy_labels_is_still_one() -> None:
    # corpus seed 30701 (tests/data/record_misread_splits.py): the validation split left raw, 34% of the
    # training labels flipped; the raw informative features outweigh the noise features a linear model
    # fitted on those labels leans on, so standardising them worsens its fit while restoring the trees'
    splits = corpus_inputs("scaler_missed_noisy_labels_seed30701")
    assert standardisation_error(splits["X_train"]) <= STANDARDISED_TOLERANCE
    fix = own_scale_fix(splits["X_train"], splits["y_train"], splits["X_val"], splits["y_val"])
    assert fix is not None and fix.model == "trees" and fix.confirms_missing_scaler
    diagnosis = gapdoctor.diagnose(**splits)
    finding = next(f for f in diagnosis.findings if f.check == "pipeline_bug.split_preprocessing")
    assert finding.score >= 0.5 and "X_val was not passed through the fitted scaler" in finding.summary
    assert diagnosis.top is not None and diagnosis.top.check == "pipeline_bug.split_preprocessing"
    # before: the shift headlined at 0.98, no pipeline finding; now the rescaled features are not read as one
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "distribution_shift")
