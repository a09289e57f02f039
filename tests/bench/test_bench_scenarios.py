"""Scenarios are deterministic from their seed, survive the cache unchanged, and check their symptom."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gapdoctor.bench.catalogue import SCENARIOS, select_scenarios
from gapdoctor.bench.scenario import (
    HEALTHY,
    Scenario,
    ScenarioData,
    cache_dir,
    check_symptom,
    load_or_build,
)

ALL_SCENARIOS = os.environ.get("GAPDOCTOR_BENCH_ALL") == "1"


def _same(a: ScenarioData, b: ScenarioData) -> None:
    assert a.history == b.history
    assert a.metric == b.metric
    assert a.trials == b.trials
    assert sorted(a.arrays) == sorted(b.arrays)
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)


def _cheap() -> list[Scenario]:
    names = {"metric_saturation/digits-0-vs-1", "healthy/breast-cancer-auc", "pipeline_bug/wine-label-encoding"}
    return [s for s in SCENARIOS if s.name in names]


@pytest.mark.parametrize("scenario", _cheap(), ids=lambda s: s.name)
def test_same_seed_same_arrays_and_cache_round_trip(scenario: Scenario, tmp_path: Path) -> None:
    built, cached = load_or_build(scenario, tmp_path)
    assert not cached
    loaded, cached = load_or_build(scenario, tmp_path)
    assert cached
    _same(built, loaded)
    _same(built, scenario.build(scenario.seed))
    assert check_symptom(scenario, built).valid


def test_cache_holds_npz_and_json_only(tmp_path: Path) -> None:
    scenario = _cheap()[0]
    load_or_build(scenario, tmp_path)
    suffixes = sorted(p.suffix for p in tmp_path.iterdir())
    assert suffixes == [".json", ".npz"]
    with np.load(next(tmp_path.glob("*.npz")), allow_pickle=False) as stored:
        assert "X_train" in stored.files


def test_cache_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GAPDOCTOR_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path / "bench"
    assert cache_dir(tmp_path / "x") == tmp_path / "x"


def test_symptom_check_rejects_a_run_that_still_improves() -> None:
    rising = [0.5 + 0.01 * i for i in range(20)]
    falling = [1.0 - 0.04 * i for i in range(20)]
    data = ScenarioData(history={"train_loss": falling, "val_accuracy": rising}, arrays={}, metric="accuracy")
    faulty = Scenario("x/rising", "overfitting", "", lambda seed: data)
    healthy = Scenario("x/healthy", HEALTHY, "", lambda seed: data)
    assert not check_symptom(faulty, data).valid
    assert check_symptom(healthy, data).valid
    flat = ScenarioData(history={"train_loss": falling, "val_accuracy": [0.8] * 20}, arrays={}, metric="accuracy")
    assert check_symptom(faulty, flat).valid
    assert not check_symptom(healthy, flat).valid


def test_symptom_check_rejects_a_run_whose_training_loss_does_not_fall() -> None:
    data = ScenarioData(history={"train_loss": [1.0] * 20, "val_accuracy": [0.8] * 20}, arrays={}, metric="accuracy")
    symptom = check_symptom(Scenario("x/flat", "overfitting", "", lambda seed: data), data)
    assert not symptom.valid and "training loss" in symptom.reason


def test_unknown_cause_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown cause"):
        select_scenarios(cause="overfit")


@pytest.mark.skipif(not ALL_SCENARIOS, reason="builds all scenarios twice (minutes): set GAPDOCTOR_BENCH_ALL=1")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_scenario_is_deterministic_and_shows_its_symptom(scenario: Scenario) -> None:
    first = scenario.build(scenario.seed)
    _same(first, scenario.build(scenario.seed))
    symptom = check_symptom(scenario, first)
    assert symptom.valid, symptom.reason
