"""small_validation_set on real runs: a 30-row set, stuck, hiding an improvement a 1000-row held-out
set sees; the same 30 rows under a run they show improving; a converged model on a large set; healthy
900-row digits and 68-row wine splits."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.stats.accumulators import binomial_interval
from tests import metric_scenarios


def hidden_improvement(seed: int) -> tuple[dict[str, Any], list[float]]:
    """Digits, an MLP in its slow phase still improving, validated on 30 rows; 1000 held-out rows watch it."""
    return metric_scenarios.tiny_validation_run(seed)


def second_half_gain(curve: list[float] | np.ndarray) -> float:
    """The bench's stuck-or-improving statistic: the last quarter's mean over the quarter before the midpoint."""
    values = np.asarray(curve, dtype=float)
    quarter, half = max(2, len(values) // 4), len(values) // 2
    return float(values[-quarter:].mean() - values[half - quarter : half].mean())


@cache
def rising_tiny_validation(seed: int) -> dict[str, Any]:
    """The 30 validation rows of :func:`hidden_improvement` under a slow SGD learner stopped after 40
    epochs: its accuracy on them rises over the second half of the run (not stuck)."""
    X, y = load_digits(return_X_y=True)
    X_rest, _, y_rest, _ = train_test_split(X, y, test_size=1000, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=30, stratify=y_rest, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    with threadpool_limits(limits=1):
        run = train_by_epoch(
            scaler.transform(X_train),
            y_train,
            scaler.transform(X_val),
            y_val,
            epochs=40,
            hidden=(32,),
            solver="sgd",
            lr=0.002,
            momentum=0.5,
            seed=seed,
        )
    return {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}


@cache
def healthy_wine_sgd(seed: int) -> dict[str, Any]:
    """Wine, 110 training and 68 validation rows, a 16-unit MLP trained by plain SGD: accuracy near 1 while
    the loss still falls (the bench's healthy/wine-sgd recipe, on other seeds' splits too)."""
    X, y = load_wine(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=110, test_size=68, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    with threadpool_limits(limits=1):
        run = train_by_epoch(
            scaler.transform(X_train),
            y_train,
            scaler.transform(X_val),
            y_val,
            epochs=40,
            hidden=(16,),
            lr=2e-3,
            solver="sgd",
            batch_size=16,
            seed=seed,
        )
    return {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}


@cache
def converged_large(seed: int) -> dict[str, Any]:
    """Digits, 900 training rows and about 900 validation rows, trained well past convergence."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=900, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    with threadpool_limits(limits=1):
        run = train_by_epoch(
            scaler.transform(X_train), y_train, scaler.transform(X_val), y_val, epochs=80, hidden=(64,), seed=seed
        )
    return {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_tiny_set_hiding_a_real_improvement_is_reported_first(seed: int) -> None:
    scenario, held_out = hidden_improvement(seed)
    # the ground truth: over the second half 1000 held-out rows still gain, the 30 rows do not (stuck)
    assert second_half_gain(held_out) > 0.002
    assert second_half_gain(scenario["history"]["val_accuracy"]) <= 0.0
    top = gapdoctor.diagnose(**scenario).top
    assert top is not None and top.cause == "small_validation_set" and top.score >= 0.5
    figures = top.evidence
    assert figures["n_val"] == 30 and figures["movement_inside_noise"] == "yes"
    assert figures["val_loss_drop_last_epochs"] > figures["val_loss_drop_needed"] > 0
    assert figures["second_half_trend"] <= figures["second_half_rise_needed"]
    assert "an improvement exists" in top.summary


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_same_tiny_set_showing_the_progress_is_not_reported(seed: int) -> None:
    # before: small_validation_set 0.81-0.82 on these runs, whose 30 rows rise 1-5 rows over the second half
    scenario = rising_tiny_validation(seed)
    assert second_half_gain(scenario["history"]["val_accuracy"]) > 0.02  # the bench's "healthy" threshold
    diagnosis = gapdoctor.diagnose(**scenario)
    found = [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    assert found and all(f.score < 0.5 for f in found)
    assert found[0].evidence["second_half_trend"] > found[0].evidence["second_half_rise_needed"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_healthy_wine_run_near_its_ceiling_is_not_reported(seed: int) -> None:
    # before: small_validation_set 0.62 on all three (68 rows, accuracy about 0.985; the bench's healthy/wine-sgd)
    scenario = healthy_wine_sgd(seed)
    assert second_half_gain(scenario["history"]["val_accuracy"]) >= 0.0
    diagnosis = gapdoctor.diagnose(**scenario)
    assert not diagnosis.reported, [(f.cause, round(f.score, 2)) for f in diagnosis.findings]
    found = [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    # the room the metric has left bounds the improvement the set could be hiding
    assert all(f.evidence["room_to_ceiling"] == round(1 - f.evidence["val_metric_low"], 4) for f in found)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_converged_model_on_a_large_set_is_not_reported(seed: int) -> None:
    scenario = converged_large(seed)
    metric = scenario["history"]["val_accuracy"]
    assert max(metric[-20:]) - min(metric[-20:]) < 0.03  # the metric is flat: the old check's trigger
    found = [f for f in gapdoctor.diagnose(**scenario).findings if f.cause == "small_validation_set"]
    assert all(f.score < 0.5 for f in found)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_healthy_run_is_not_reported(seed: int) -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.digits_healthy(seed))
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "small_validation_set")


def test_tiny_validation_set_figures() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(**scenario)
    top = next(f for f in diagnosis.findings if f.cause == "small_validation_set")
    figures = top.evidence
    assert figures["n_val"] == 30
    assert figures["interval_method"].startswith("exact binomial")
    hits = round(figures["val_metric"] * 30)
    low, high = binomial_interval(hits, 30)
    assert (figures["val_metric_low"], figures["val_metric_high"]) == (round(low, 4), round(high, 4))
    assert figures["smallest_detectable_change"] > 0.05
    assert figures["movement_inside_noise"] == "yes"
    assert figures["val_size_for_1pt_change"] > 1000
    assert figures["min_class_support"] <= 3
    band = top.data["metric_band"]
    assert len(band["epochs"]) == len(band["values"]) == len(band["low"]) == metric_scenarios.TINY_VALIDATION_EPOCHS
    assert all(lo <= v <= hi for lo, v, hi in zip(band["low"], band["values"], band["high"], strict=True))
    assert any("cross-validation" in fix for fix in top.fixes)


def test_history_and_labels_alone_suffice() -> None:
    scenario, _ = hidden_improvement(0)
    diagnosis = gapdoctor.diagnose(history=scenario["history"], y_val=scenario["y_val"])
    found = [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    assert found and found[0].score >= 0.5 and found[0].evidence["metric_from"] == "history val_accuracy"


def test_bootstrap_interval_for_f1() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(y_val=scenario["y_val"], val_probs=scenario["val_probs"], metric="f1")
    finding = next(f for f in diagnosis.findings if f.cause == "small_validation_set")
    assert finding.evidence["interval_method"] == "bootstrap over validation rows"
    # 30 of 30 right on seed 0: F1 = 1 is the interval's top, a wide interval below it
    assert finding.evidence["val_metric_low"] < finding.evidence["val_metric"] <= finding.evidence["val_metric_high"]
    assert finding.evidence["val_metric_high"] - finding.evidence["val_metric_low"] > 0.05


def test_a_900_row_validation_set_does_not_fire() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.digits_healthy())
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "small_validation_set")


def test_skipped_without_a_metric_to_measure() -> None:
    diagnosis = gapdoctor.diagnose(y_val=np.array([0, 1] * 20))
    run = next(c for c in diagnosis.checks if c.cause == "small_validation_set")
    assert run.status == "skipped" and "val_probs" in run.reason


def test_history_and_the_validation_size_suffice() -> None:
    history = hidden_improvement(0)[0]["history"]
    diagnosis = gapdoctor.diagnose(history=history, val_size=30)
    found = [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    assert found and found[0].score >= 0.5
    assert found[0].evidence["n_val"] == 30 and "min_class_support" not in found[0].evidence
    large = gapdoctor.diagnose(history=history, val_size=20_000)
    assert all(f.score < 0.5 for f in large.findings if f.cause == "small_validation_set")


@pytest.mark.parametrize("bad", [0, -3, 2.5, "60", True])
def test_bad_val_size_names_the_argument(bad: object) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"^val_size: "):
        gapdoctor.diagnose(history={"val_accuracy": [0.5, 0.6]}, val_size=bad)  # type: ignore[arg-type]


def test_val_size_that_contradicts_y_val_names_the_argument() -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"^val_size: is 61 but y_val has 60"):
        gapdoctor.diagnose(y_val=np.array([0, 1] * 30), val_size=61)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unrealistic_enlargement_says_what_the_set_can_show(seed: int) -> None:
    scenario = metric_scenarios.tiny_validation(seed)
    top = next(f for f in gapdoctor.diagnose(**scenario).findings if f.cause == "small_validation_set")
    needed, detectable = top.evidence["val_size_for_1pt_change"], top.evidence["smallest_detectable_change"]
    assert needed > 10 * 30  # over 10x the set: enlarging it is not advice to give
    advice = top.fixes[0]
    assert not advice.startswith("Enlarge") and "not a realistic fix" in advice
    assert f"can show changes in accuracy of {100 * detectable:.2g} points or more, not 1-point changes" in advice
    assert f"about {needed:,} rows" in advice and "more than the training set" in advice
    moved = top.evidence["movement_last_epochs"]
    assert f"The last {top.evidence['last_epochs']} epochs moved it by {100 * moved:.2g} points" in advice
    assert not any("validation rows are needed" in fix for fix in top.fixes)  # nor for the movement seen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_realistic_enlargement_is_still_advised_and_the_training_set_bounds_it(seed: int) -> None:
    scenario = metric_scenarios.digits_healthy(seed)
    alone = gapdoctor.diagnose(y_val=scenario["y_val"], val_probs=scenario["val_probs"])
    finding = next(f for f in alone.findings if f.cause == "small_validation_set")
    needed, n = finding.evidence["val_size_for_1pt_change"], finding.evidence["n_val"]
    assert n < needed <= 10 * n and needed > len(scenario["y_train"])
    assert finding.fixes[0].startswith(f"Enlarge the validation set to about {needed:,} rows")
    # the same predictions with the training labels: more rows than the training set has is not possible
    both = gapdoctor.diagnose(y_train=scenario["y_train"], y_val=scenario["y_val"], val_probs=scenario["val_probs"])
    bounded = next(f for f in both.findings if f.cause == "small_validation_set")
    assert "more than the training set" in bounded.fixes[0] and not bounded.fixes[0].startswith("Enlarge")


def test_a_single_class_validation_set_is_a_statement_not_a_finding() -> None:
    # before: "small_validation_set 0.65" for 30 rows of one class
    y_val = np.zeros(30, dtype=np.int64)
    diagnosis = gapdoctor.diagnose(
        y_train=np.r_[y_val, 1], y_val=y_val, val_probs=np.tile([0.7, 0.3], (30, 1)), metric="accuracy"
    )
    assert not [f for f in diagnosis.findings if f.cause == "small_validation_set"]
    run = next(c for c in diagnosis.checks if c.name == "small_validation_set.sampling_noise")
    assert run.status == "skipped" and "single class" in run.reason and "cannot be judged" in run.reason
