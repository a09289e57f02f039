"""The fast subset runs through the bench runner; the JSON has the documented keys and consistent counts."""

from __future__ import annotations

import json
from pathlib import Path

import gapdoctor
from gapdoctor.bench.catalogue import SCENARIOS, select_scenarios
from gapdoctor.bench.runner import BenchResult, run_bench
from gapdoctor.bench.scenario import HEALTHY


def test_catalogue_has_three_variants_per_cause_and_five_healthy_runs() -> None:
    for cause in gapdoctor.CAUSES:
        assert sum(s.cause == cause for s in SCENARIOS) >= 3, cause
    assert sum(s.cause == HEALTHY for s in SCENARIOS) >= 5
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


def test_fast_subset_is_one_scenario_per_cause() -> None:
    fast = select_scenarios(fast=True)
    assert sorted(s.cause for s in fast) == sorted([*gapdoctor.CAUSES, HEALTHY])


def test_fast_subset_scenarios_pass_their_own_symptom_check(fast_bench: BenchResult) -> None:
    invalid = {r.name: r.symptom for r in fast_bench.results if not r.scored}
    assert invalid == {}


def test_bench_json_has_documented_keys_and_consistent_counts(fast_bench: BenchResult) -> None:
    out = json.loads(json.dumps(fast_bench.to_dict()))
    for key in ("top1", "top3", "false_alarms", "healthy", "results", "confusion"):
        assert key in out
    assert len(out["results"]) == len(select_scenarios(fast=True))
    assert out["healthy"] == 1
    assert 0 <= out["false_alarms"] <= out["healthy"]
    assert 0.0 <= out["top1"] <= out["top3"] <= 1.0
    hits = sum(r["hit"] for r in out["results"])
    assert out["top1"] == round(hits / out["scored"], 4)
    assert sum(sum(row.values()) for row in out["confusion"].values()) == out["scored"]
    for entry in out["results"]:
        assert entry["cause"] in (*gapdoctor.CAUSES, HEALTHY)
        assert isinstance(entry["diagnose_seconds"], float)
        scores = [c["score"] for c in entry["ranked"]]
        assert all(0.0 <= s <= 1.0 for s in scores)
        if entry["status"] == "diagnosed" and entry["top"] != HEALTHY:
            assert entry["top"] == next(c["cause"] for c in entry["ranked"] if c["score"] >= 0.5)


def test_healthy_run_hit_means_nothing_reported(fast_bench: BenchResult) -> None:
    healthy = next(r for r in fast_bench.results if r.cause == HEALTHY)
    reported = [c for c, s in healthy.ranked if s >= 0.5]
    assert healthy.hit == (reported == [])
    assert fast_bench.false_alarms == (0 if healthy.hit else 1)


def test_search_scenario_is_diagnosed_or_marked_not_diagnosable(fast_bench: BenchResult) -> None:
    search = next(r for r in fast_bench.results if r.cause == "search_noise")
    expected = "diagnosed" if hasattr(gapdoctor, "diagnose_search") else "not_diagnosable"
    assert search.status in (expected, "errored")
    if search.status == "not_diagnosable":
        assert not search.hit and search.top == "n/a"


def test_second_run_reads_every_scenario_from_the_cache(fast_bench: BenchResult, bench_cache: Path) -> None:
    again = run_bench(cause="overfitting", fast=True, cache=bench_cache)
    assert [r.cached for r in again.results] == [True]
    first = next(r for r in fast_bench.results if r.cause == "overfitting")
    assert again.results[0].ranked == first.ranked


def test_with_experiments_mode_confirms_injected_label_noise(tmp_path: Path) -> None:
    from gapdoctor.bench.runner import _diagnose
    from gapdoctor.bench.scenario import load_or_build

    (scenario,) = [s for s in SCENARIOS if s.name == "label_noise/digits-25pct-flipped"]
    data, _ = load_or_build(scenario, tmp_path)
    status, diagnosis, _ = _diagnose(scenario, data, experiments=True)
    assert status == "diagnosed" and diagnosis is not None
    noise = next(f for f in diagnosis.findings if f.cause == "label_noise")
    assert noise.experiment is not None and noise.experiment["verdict"] == "confirmed"
    assert noise.experiment["after"] > noise.experiment["before"]  # dropping the flagged rows helps
    assert diagnosis.top is not None and diagnosis.top.cause == "label_noise"


# The fast subset's scenarios that the merged checks name correctly today (RESULTS.md lists the
# misses and why). A ratchet: a change that loses one of these fails here; add names as misses
# are fixed, never remove one to make a change pass. The scenarios are read from the data
# recorded in tests/data/bench/ (see the fast_bench fixture), so this holds on any CPU.
DIAGNOSED_TODAY = {
    "label_noise/digits-25pct-flipped",
    "distribution_shift/digits-ink",
    "small_validation_set/digits-30-rows",
    "optimization/digits-adam-lr-0.1",
    "pipeline_bug/breast-cancer-unscaled-validation",
    "search_noise/breast-cancer-alpha-30-rows",
    "healthy/digits-slow",
}


def test_every_cause_scenario_through_the_whole_diagnosis_keeps_its_hits(fast_bench: BenchResult) -> None:
    hits = {r.name for r in fast_bench.results if r.hit}
    assert hits >= DIAGNOSED_TODAY, sorted(DIAGNOSED_TODAY - hits)
    assert fast_bench.false_alarms == 0
