"""label_noise: the final model's fit gap as a second test beside the validation control.

Real runs on scikit-learn's wine data: an MLP (256 units, no weight decay, 80 epochs) on 90
training rows, 88 clean validation rows, out-of-fold probabilities of the same recipe. With 18%
of the training labels flipped, the model memorises them, its confident errors on validation rise
(a 15% control) and main's floor (the control plus 1.96 standard errors of a 90-row estimate,
26-27%) swallowed an estimate of 26%: label noise scored 0.10 on seeds 0 and 1 and overfitting,
its symptom, headed (held-out corpus seeds 49 and 129 read the same way). At its best validation
epoch the same model fits its own training labels 2.6-3.5 standard errors worse than the
validation labels, which no clean run does: combined with the control (Stouffer), the estimate
clears it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import flip_labels, out_of_fold_probs, train_by_epoch
from gapdoctor.causes.label_noise.fit_gap import best_epoch_gap, fit_gap_of
from gapdoctor.causes.label_noise.score import CONTROL_Z, control_z
from gapdoctor.inputs.evidence import build_evidence
from tests.seeds import each_seed


def _wine_run(seed: int, flipped: float) -> gapdoctor.Diagnosis:
    X, y = load_wine(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=90, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    y_given, _ = flip_labels(y_train, flipped, 3, np.random.default_rng(seed))
    options: dict[str, Any] = {"epochs": 80, "hidden": (256,), "lr": 3e-3, "alpha": 0.0, "batch_size": 32}
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_given, X_val, y_val, seed=seed, **options)
        train_probs = out_of_fold_probs(X_train, y_given, seed=seed, **options)
    return gapdoctor.diagnose(
        history=run.history,
        y_train=y_given,
        y_val=y_val,
        train_probs=train_probs,
        val_probs=run.val_probs,
        metric="accuracy",
    )


def _confident_learning(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding:
    return next(f for f in diagnosis.findings if f.check == "label_noise.confident_learning")


SPLITS = range(8)
"""Random wine splits the mild-flip test counts over: at 90 training rows a split decides whether the
flips are memorised early (seed 3: no gap at all) or the control swallows the estimate anyway, so the
test asserts a share of splits, not each one (found in 5 of 8 when recorded; 0 and 1 scored 0.10
before the fit gap)."""
FOUND_AT_LEAST = 4


def test_mild_flips_that_the_control_swallows_are_reported_by_the_fit_gap() -> None:
    found = []
    for seed in SPLITS:
        diagnosis = _wine_run(seed, 0.18)
        finding = _confident_learning(diagnosis)
        if finding.score < 0.5:
            continue
        found.append(seed)
        evidence = finding.evidence
        # the model fits its own training labels worse than the validation ones at its best epoch ...
        assert evidence["fit_gap_z"] > CONTROL_Z * (np.sqrt(2) - 1), finding.summary
        assert "worse than the validation labels" in finding.summary
        # ... so the estimate need not clear the control by 1.96 standard errors of a 90-row estimate
        assert evidence["floor_pct"] < evidence["noise_rate_pct"]
        assert diagnosis.top is not None and diagnosis.top.cause == "label_noise", diagnosis.render()
    assert len(found) >= FOUND_AT_LEAST, f"label noise reported on splits {found} of {list(SPLITS)}"


@each_seed
def test_the_clean_twin_leaves_the_control_bar_and_raises_no_label_noise(seed: int) -> None:
    diagnosis = _wine_run(seed, 0.0)
    finding = next((f for f in diagnosis.findings if f.check == "label_noise.confident_learning"), None)
    if finding is None:  # nothing flagged at all (seeds 3-6)
        return
    # a clean run fits its training rows at least as well, up to sampling noise: the bar stays where it was
    assert control_z(finding.evidence.get("fit_gap_z")) == CONTROL_Z, finding.summary
    assert finding.score < 0.5, finding.summary


def test_the_fit_gap_needs_both_accuracy_curves() -> None:
    y = [0, 1] * 100
    losses_only = {"train_loss": [0.7, 0.5, 0.4, 0.3], "val_loss": [0.7, 0.5, 0.45, 0.5]}
    assert best_epoch_gap(build_evidence(history=losses_only, y_train=y, y_val=y)) is None
    accuracies = {"train_accuracy": [0.5, 0.7, 0.75, 0.8], "val_accuracy": [0.5, 0.8, 0.85, 0.8]}
    assert best_epoch_gap(build_evidence(history=accuracies, y_train=y)) is None  # no validation rows to weigh it by
    assert best_epoch_gap(build_evidence(history=accuracies, y_train=y, y_val=y)) is not None
    # ... and a gap the training curve never closes (0.78 against 0.82 at the end) is no test
    assert fit_gap_of(build_evidence(history=accuracies, y_train=y, y_val=y)) is None


def test_a_gap_against_the_null_lowers_the_control_bar_and_a_reversed_one_does_not() -> None:
    assert control_z(-3.0) == control_z(0.0) == control_z(None) == CONTROL_Z
    assert control_z(1.5) < CONTROL_Z
    assert control_z(CONTROL_Z * np.sqrt(2)) == 0.0
