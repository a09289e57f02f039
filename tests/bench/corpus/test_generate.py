"""Corpus draws: deterministic from the seed, cached in the bench's format, each checked for its symptom."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gapdoctor import CAUSES, GapdoctorInputError
from gapdoctor.bench import scenario as bench_scenario
from gapdoctor.bench.corpus import generate
from gapdoctor.bench.corpus.draws import draw_params
from gapdoctor.bench.corpus.generate import (
    ATTEMPT_STRIDE,
    DRAWN_AXES,
    KINDS,
    SYMPTOM_CHECKS,
    CorpusScenario,
    causes_for_seed,
    draw_scenario,
    first_draw_families,
    reported_first,
)
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.bench.scenario import HEALTHY, ScenarioData, Symptom
from tests.bench.corpus.conftest import CHEAP_MODELS, cheap_seed

ALL_CAUSES = os.environ.get("GAPDOCTOR_CORPUS_ALL") == "1"


def _same(a: ScenarioData, b: ScenarioData) -> None:
    assert a.history == b.history
    assert a.trials == b.trials
    assert a.facts == b.facts
    assert sorted(a.arrays) == sorted(b.arrays)
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)


def _check_consistent(drawn: CorpusScenario) -> None:
    """Accepted scenarios passed the bench's symptom check (and their causes' own); rejections are counted."""
    assert drawn.symptom_check in SYMPTOM_CHECKS
    attempts = drawn.attempt_seed - drawn.seed * ATTEMPT_STRIDE
    assert len(drawn.rejections) == attempts
    scenario = generate._bench_scenario(drawn.causes, drawn.attempt_seed, drawn.params)
    assert generate._symptom(drawn.causes, scenario, drawn.data).valid == drawn.accepted
    expected = "search_ranking" if "search_noise" in drawn.causes else "stuck_validation"
    assert drawn.symptom_check == (expected if drawn.causes else "improving_validation")


def test_kinds_rotate_over_every_cause_healthy_and_pairs() -> None:
    drawn = [causes_for_seed(seed) for seed in range(len(KINDS))]
    assert sorted(c[0] for c in drawn if len(c) == 1) == sorted(CAUSES)
    assert drawn.count(()) == 2 and sum(len(c) == 2 for c in drawn) == 2


def test_same_seed_same_arrays_and_cache_read_back(tmp_path: Path) -> None:
    seed = cheap_seed("pipeline_bug")
    built = draw_scenario(seed, models=CHEAP_MODELS, cache=tmp_path)
    assert not built.cached
    again = draw_scenario(seed, models=CHEAP_MODELS, cache=None)
    _same(built.data, again.data)
    read = draw_scenario(seed, models=CHEAP_MODELS, cache=tmp_path)
    assert read.cached and read.summary()["families"] == built.summary()["families"]
    _same(built.data, read.data)
    assert sorted({p.suffix for p in tmp_path.iterdir()}) == [".json", ".npz"]
    for path in tmp_path.glob("*.npz"):
        with np.load(path, allow_pickle=False) as stored:
            assert "y_val" in stored.files


@pytest.mark.parametrize("kind", ["metric_saturation", "healthy", "pair"])
def test_a_cause_a_healthy_run_and_a_pair_are_drawn_and_checked(kind: str, corpus_cache: Path) -> None:
    seed = cheap_seed(kind)
    drawn = draw_scenario(seed, models=CHEAP_MODELS, cache=corpus_cache)
    _check_consistent(drawn)
    assert drawn.families["kind"] == {"healthy": "healthy", "pair": "pair"}.get(kind, "cause")
    assert drawn.families["causes"] == ("+".join(drawn.causes) or HEALTHY)
    assert set(drawn.families) >= {"dataset", "model", "severity", "optimiser", "epochs", "class_balance", "val_size"}


def test_a_search_is_drawn_with_trials(corpus_cache: Path) -> None:
    drawn = draw_scenario(cheap_seed("search_noise"), models=("logistic",), cache=corpus_cache)
    _check_consistent(drawn)
    assert drawn.data.trials is not None and len(drawn.data.trials) >= 6
    assert drawn.families["model"] == "logistic"


def test_a_failed_symptom_is_rejected_redrawn_and_counted(monkeypatch: pytest.MonkeyPatch, corpus_cache: Path) -> None:
    seed = cheap_seed("healthy")
    real = bench_scenario.check_symptom
    seen: list[int] = []

    def first_attempt_fails(scenario: bench_scenario.Scenario, data: ScenarioData) -> Symptom:
        seen.append(scenario.seed)
        if len(seen) == 1:
            return Symptom(False, "forced rejection", {})
        return real(scenario, data)

    monkeypatch.setattr(generate, "check_symptom", first_attempt_fails)
    drawn = draw_scenario(seed, models=CHEAP_MODELS, cache=corpus_cache)
    assert seen[:2] == [seed * ATTEMPT_STRIDE, seed * ATTEMPT_STRIDE + 1]
    assert drawn.rejections[0] == f"attempt {seed * ATTEMPT_STRIDE}: forced rejection"
    assert drawn.summary()["rejections"][0].endswith("forced rejection")


def test_every_attempt_failing_leaves_the_scenario_rejected(
    monkeypatch: pytest.MonkeyPatch, corpus_cache: Path
) -> None:
    monkeypatch.setattr(generate, "check_symptom", lambda scenario, data: Symptom(False, "forced", {}))
    drawn = draw_scenario(cheap_seed("healthy"), models=CHEAP_MODELS, cache=corpus_cache, max_attempts=2)
    assert not drawn.accepted and len(drawn.rejections) == 1


@pytest.mark.skipif(not ALL_CAUSES, reason="builds one scenario per cause (minutes): set GAPDOCTOR_CORPUS_ALL=1")
@pytest.mark.parametrize("kind", sorted(set(KINDS)))
def test_every_kind_is_drawn_and_checked(kind: str, corpus_cache: Path) -> None:
    drawn = draw_scenario(KINDS.index(kind), cache=corpus_cache)
    _check_consistent(drawn)


def test_reported_first_keeps_exactly_the_seeds_whose_first_draw_is_held_out() -> None:
    seeds = range(300, 460)
    kept = reported_first(seeds, models=CHEAP_MODELS)
    first = {s: draw_params(causes_for_seed(s), s * ATTEMPT_STRIDE, CHEAP_MODELS)["dataset"] for s in seeds}
    assert kept == [s for s in seeds if first[s] in DEFAULT_HELD_OUT["dataset"]]  # in order, none missed
    assert 0.2 < len(kept) / len(seeds) < 0.6  # wine and breast cancer of four bundled sets and three generators
    # another split: the seeds whose first draw trains a logistic regression on wine or iris
    both = reported_first(seeds, {"dataset": ("wine", "iris"), "model": ("logistic",)}, CHEAP_MODELS)
    assert both and all(first_draw_families(s, CHEAP_MODELS)["model"] == "logistic" for s in both)
    assert {first[s] for s in both} <= {"wine", "iris"}


def test_first_draw_families_are_the_built_scenarios_when_the_first_draw_is_accepted(corpus_cache: Path) -> None:
    checked = 0
    for seed in range(cheap_seed("healthy"), 5000, len(KINDS)):  # healthy seeds on a small set: quick builds
        first = first_draw_families(seed, CHEAP_MODELS)
        if first["dataset"] not in ("wine", "iris") or first["model"] != "logistic":
            continue
        drawn = draw_scenario(seed, models=CHEAP_MODELS, cache=corpus_cache)
        if drawn.attempt_seed == seed * ATTEMPT_STRIDE:  # accepted at its first draw: the same families
            assert {axis: drawn.families[axis] for axis in DRAWN_AXES} == first
            checked += 1
        if checked == 2:
            break
    assert checked == 2


@pytest.mark.parametrize("axis", ["epochs", "val_size"])
def test_reported_first_refuses_an_axis_only_a_built_run_has(axis: str) -> None:
    with pytest.raises(GapdoctorInputError, match="held_out"):
        reported_first(range(10), {axis: ("small", "short")}, CHEAP_MODELS)
