"""Observed symptoms: each rule fires on the curve or the data it describes and not on its near miss,
healthy draws need the plainer symptom, and a finding is right when injected or observed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gapdoctor.bench.corpus.batch import diagnose_one
from gapdoctor.bench.corpus.draws import draw_params
from gapdoctor.bench.corpus.generate import ATTEMPT_STRIDE, KINDS, causes_for_seed, draw_scenario
from gapdoctor.bench.corpus.symptoms import (
    LABEL_NOISE_SHARE,
    OBSERVABLE,
    OVERFIT_VAL_RISE,
    SATURATION_MARGIN,
    finding_truth,
    observe_symptoms,
    row_step,
)
from gapdoctor.bench.scenario import ScenarioData

EPOCHS = 60


def _data(
    val_loss: np.ndarray[Any, Any] | None = None,
    train_loss: np.ndarray[Any, Any] | None = None,
    val_accuracy: float = 0.8,
    n_val: int = 300,
    facts: dict[str, Any] | None = None,
) -> ScenarioData:
    t = np.arange(EPOCHS, dtype=float)
    train = 1.0 * np.exp(-t / 15) + 0.05 if train_loss is None else train_loss
    val = 0.5 + 0.3 * np.exp(-t / 10) if val_loss is None else val_loss
    history = {
        "train_loss": train.tolist(),
        "val_loss": val.tolist(),
        "val_accuracy": [val_accuracy] * EPOCHS,
    }
    y_val = np.arange(n_val) % 2
    arrays = {"y_val": y_val, "val_probs": np.full((n_val, 2), 0.5)}
    return ScenarioData(history=history, arrays=arrays, metric="accuracy", facts=facts or {"n_train": 500})


def _u_shaped(rise: float) -> np.ndarray[Any, Any]:
    """A validation loss that falls to 0.5 at epoch 20, then climbs linearly to 0.5 * (1 + rise)."""
    t = np.arange(EPOCHS, dtype=float)
    return np.where(t < 20, 0.5 + 0.02 * (20 - t), 0.5 + 0.5 * rise * (t - 20) / (EPOCHS - 21))


def test_overfitting_needs_the_validation_loss_to_rise_while_training_loss_falls() -> None:
    assert observe_symptoms(_data(_u_shaped(0.4)), healthy=False)["overfitting"]["observed"]
    assert not observe_symptoms(_data(), healthy=False)["overfitting"]["observed"]  # still falling
    flat_train = np.full(EPOCHS, 0.3)
    rising = observe_symptoms(_data(_u_shaped(0.4), flat_train), healthy=False)["overfitting"]
    assert not rising["observed"] and rising["train_loss_fall"] == 0.0  # the model stopped fitting: not overfitting


def test_a_healthy_draw_needs_a_plainer_rise() -> None:
    mild = _data(_u_shaped(1.6 * OVERFIT_VAL_RISE))  # its smoothed end sits between 1x and 2x the threshold
    figures = observe_symptoms(mild, healthy=False)["overfitting"]
    assert OVERFIT_VAL_RISE <= figures["val_loss_rise"] < 2 * OVERFIT_VAL_RISE and figures["observed"]
    assert not observe_symptoms(mild, healthy=True)["overfitting"]["observed"]


@pytest.mark.parametrize(("accuracy", "observed"), [(1 - SATURATION_MARGIN / 2, True), (0.9, False)])
def test_saturation_is_a_metric_near_its_ceiling(accuracy: float, observed: bool) -> None:
    assert observe_symptoms(_data(val_accuracy=accuracy), healthy=False)["metric_saturation"]["observed"] is observed


def test_a_small_validation_set_is_one_where_a_row_moves_the_metric_two_points() -> None:
    assert observe_symptoms(_data(n_val=40), healthy=False)["small_validation_set"]["observed"]
    assert not observe_symptoms(_data(n_val=40), healthy=True)["small_validation_set"]["observed"]  # needs <= 25
    assert not observe_symptoms(_data(n_val=300), healthy=False)["small_validation_set"]["observed"]
    # F1 counts the positives: 500 rows with 10 positives are a small set for it, not for accuracy
    y = np.array([0] * 490 + [1] * 10)
    assert row_step("f1", y) == pytest.approx(0.1) and row_step("accuracy", y) == pytest.approx(0.002)
    assert row_step("balanced_accuracy", y) == pytest.approx(0.05)


def test_label_noise_counts_flipped_and_wrong_pseudo_labels() -> None:
    def share(facts: dict[str, Any]) -> dict[str, Any]:
        return observe_symptoms(_data(facts=facts), healthy=False)["label_noise"]

    assert share({"n_train": 1000, "flipped": 150})["observed"]
    assert not share({"n_train": 1000, "flipped": 50})["observed"]
    pseudo = share({"n_train": 1000, "pseudo_rows": 900, "pseudo_label_error_rate": 0.4})
    assert pseudo["observed"] and pseudo["wrong_label_share"] == pytest.approx(0.36)
    assert not share({"n_train": 1000, "pseudo_rows": 900, "pseudo_label_error_rate": 0.05})["observed"]
    assert LABEL_NOISE_SHARE == 0.10


def test_optimization_is_a_training_loss_that_climbs_back() -> None:
    t = np.arange(EPOCHS, dtype=float)
    smooth = np.exp(-t / 15) + 0.05
    spiky = smooth.copy()
    spiky[30:36] = 1.0  # a divergence spike: the loss climbs back to its start
    assert observe_symptoms(_data(train_loss=spiky), healthy=False)["optimization"]["observed"]
    assert not observe_symptoms(_data(train_loss=smooth), healthy=False)["optimization"]["observed"]


def test_a_search_has_no_curves_and_its_trials_val_size_decides_the_small_set() -> None:
    trials = [{"params": {}, "value": 0.8, "val_size": 30}] * 6
    data = ScenarioData(history={}, arrays={}, metric="accuracy", trials=trials, facts={})
    seen = observe_symptoms(data, healthy=False)
    assert set(seen) == set(OBSERVABLE) and seen["small_validation_set"]["observed"]
    assert not any(seen[c]["observed"] for c in ("overfitting", "metric_saturation", "optimization"))


def test_a_finding_is_right_when_injected_or_observed() -> None:
    seen = {"overfitting": {"observed": True}, "label_noise": {"observed": False}}
    assert finding_truth("overfitting", ["label_noise"], seen) == "observed"
    assert finding_truth("label_noise", ["label_noise"], seen) == "injected"
    assert finding_truth("distribution_shift", [], seen) == "wrong"  # no rule: right only where injected


def _wine_label_noise_seed() -> int:
    """The first label-noise corpus seed whose first draw trains on wine (178 rows: a quick build)."""
    first = KINDS.index("label_noise")
    for seed in range(first, 5000, len(KINDS)):
        if draw_params(causes_for_seed(seed), seed * ATTEMPT_STRIDE, ("sklearn_mlp",))["dataset"] == "wine":
            return seed
    raise AssertionError("no label-noise seed on wine")


def test_a_built_label_noise_run_observes_its_wrong_labels_and_stores_the_truths(corpus_cache: Path) -> None:
    scenario = draw_scenario(_wine_label_noise_seed(), cache=corpus_cache, models=("sklearn_mlp",))
    line = diagnose_one(scenario)
    assert line["observed"]["label_noise"]["observed"]
    assert line["observed"]["label_noise"]["wrong_label_share"] >= LABEL_NOISE_SHARE
    for finding in line["findings"]:
        expected = finding_truth(finding["cause"], ["label_noise"], line["observed"])
        assert finding["truth"] == expected
        assert (finding["truth"] == "injected") == (finding["cause"] == "label_noise")
