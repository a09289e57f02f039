"""Run fault scenarios through :func:`gapdoctor.diagnose` and score the diagnoses.

A scenario is a hit when the first *reported* finding (score >= 0.5) names its true
cause; a healthy run is a hit when nothing is reported (its top cause is ``"none"``).
Top-3: the true cause is among the first three distinct reported causes. Scenarios
that fail their own symptom check are reported as invalid and left out of the
accuracy; a search scenario on a build without ``gapdoctor.diagnose_search`` is
counted as a miss ("not diagnosable on this build").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.scenario import HEALTHY, SCENARIO_VERSION, Scenario, ScenarioData, check_symptom, load_or_build
from gapdoctor.findings import Diagnosis

__all__ = ["BenchResult", "ScenarioResult", "run_bench"]

Status = Literal["diagnosed", "invalid", "not_diagnosable", "errored"]
NOT_DIAGNOSABLE = "n/a"


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario."""

    name: str
    cause: str
    description: str
    status: Status
    symptom: str
    symptom_figures: dict[str, float]
    top: str
    ranked: list[tuple[str, float]]
    build_seconds: float
    cached: bool
    diagnose_seconds: float
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        """True when the scenario counts towards accuracy (it passed its symptom check)."""
        return self.status != "invalid"

    @property
    def hit(self) -> bool:
        """True when the top reported cause is the true cause (``"none"`` for healthy runs)."""
        return self.scored and self.top == self.cause

    @property
    def hit3(self) -> bool:
        """True when the true cause is among the first three reported causes."""
        if self.cause == HEALTHY:
            return self.hit
        reported = [c for c, s in self.ranked if s >= 0.5][:3]
        return self.scored and self.status == "diagnosed" and self.cause in reported

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "name": self.name,
            "cause": self.cause,
            "description": self.description,
            "status": self.status,
            "symptom": self.symptom,
            "symptom_figures": self.symptom_figures,
            "top": self.top,
            "hit": self.hit,
            "hit3": self.hit3,
            "ranked": [{"cause": c, "score": round(s, 4)} for c, s in self.ranked],
            "build_seconds": round(self.build_seconds, 3),
            "cached": self.cached,
            "diagnose_seconds": round(self.diagnose_seconds, 4),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class BenchResult:
    """Every scenario's outcome and the summary figures."""

    results: list[ScenarioResult]
    seconds: float = 0.0

    @property
    def scored(self) -> list[ScenarioResult]:
        """Scenarios that passed their symptom check."""
        return [r for r in self.results if r.scored]

    @property
    def top1(self) -> float:
        """Fraction of scored scenarios whose top reported cause is the true one."""
        scored = self.scored
        return sum(r.hit for r in scored) / len(scored) if scored else 0.0

    @property
    def top3(self) -> float:
        """Fraction of scored scenarios whose true cause is among the first three reported."""
        scored = self.scored
        return sum(r.hit3 for r in scored) / len(scored) if scored else 0.0

    @property
    def healthy(self) -> int:
        """Number of scored healthy runs."""
        return sum(r.cause == HEALTHY for r in self.scored)

    @property
    def false_alarms(self) -> int:
        """Healthy runs on which something was reported."""
        return sum(r.cause == HEALTHY and r.top != HEALTHY for r in self.scored)

    def confusion(self) -> dict[str, dict[str, int]]:
        """true cause -> top reported cause -> count, over scored scenarios."""
        table: dict[str, dict[str, int]] = {}
        for r in self.scored:
            row = table.setdefault(r.cause, {})
            row[r.top] = row.get(r.top, 0) + 1
        return table

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary: summary figures and one entry per scenario."""
        diagnose_times = [r.diagnose_seconds for r in self.results if r.status == "diagnosed"]
        return {
            "version": SCENARIO_VERSION,
            "gapdoctor_version": gapdoctor.__version__,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "scenarios": len(self.results),
            "scored": len(self.scored),
            "hits": sum(r.hit for r in self.results),
            "invalid": [r.name for r in self.results if not r.scored],
            "not_diagnosable": [r.name for r in self.results if r.status == "not_diagnosable"],
            "errored": [r.name for r in self.results if r.status == "errored"],
            "healthy": self.healthy,
            "false_alarms": self.false_alarms,
            "false_alarm_rate": round(self.false_alarms / self.healthy, 4) if self.healthy else None,
            "confusion": self.confusion(),
            "diagnose_seconds_mean": round(sum(diagnose_times) / len(diagnose_times), 4) if diagnose_times else None,
            "diagnose_seconds_max": round(max(diagnose_times), 4) if diagnose_times else None,
            "build_seconds_total": round(sum(r.build_seconds for r in self.results), 2),
            "cached": sum(r.cached for r in self.results),
            "seconds": round(self.seconds, 2),
            "results": [r.to_dict() for r in self.results],
        }


def _ranked(diagnosis: Diagnosis) -> list[tuple[str, float]]:
    """Distinct causes in the diagnosis' order, each with its best score."""
    best: dict[str, float] = {}
    for finding in diagnosis.findings:
        best[finding.cause] = max(best.get(finding.cause, 0.0), float(finding.score))
    return list(best.items())


def reference_model() -> Any:
    """The model the bench's "with experiments" mode re-trains: scaled logistic regression.

    Scenarios record their MLP's curves and probabilities, not the MLP itself; the confirming
    experiments re-train this fixed, fast reference model with each intervention instead
    (dropping flagged rows, dropping leaking features, a re-split...). Its verdicts speak for
    the data and the pipeline, not for the MLP's capacity.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _diagnose(
    scenario: Scenario, data: ScenarioData, experiments: bool = False
) -> tuple[Status, Diagnosis | None, str]:
    if scenario.is_search:
        diagnose_search = getattr(gapdoctor, "diagnose_search", None)
        if diagnose_search is None:
            return "not_diagnosable", None, "gapdoctor.diagnose_search does not exist on this build"
        return "diagnosed", diagnose_search(data.trials, metric=data.metric), ""
    if experiments:
        settings = gapdoctor.ExperimentSettings(cache_dir=None, progress=False, n_bootstrap=200)
        kwargs = data.diagnose_kwargs()
        return "diagnosed", gapdoctor.diagnose(**kwargs, model=reference_model(), experiments=settings), ""
    return "diagnosed", gapdoctor.diagnose(**data.diagnose_kwargs()), ""


def run_scenario(scenario: Scenario, cache: Path | None, *, experiments: bool = False) -> ScenarioResult:
    """Build (or load) one scenario, verify its symptom, diagnose it.

    Parameters
    ----------
    scenario : Scenario
    cache : Path or None
        Cache directory; None builds without caching.
    experiments : bool, default=False
        Also run the confirming experiments with :func:`reference_model`.

    Returns
    -------
    ScenarioResult
    """
    started = time.perf_counter()
    data, cached = load_or_build(scenario, cache)
    build_seconds = time.perf_counter() - started
    symptom = check_symptom(scenario, data)
    status: Status = "invalid"
    diagnosis = None
    note = symptom.reason
    started = time.perf_counter()
    if symptom.valid:
        try:
            status, diagnosis, why = _diagnose(scenario, data, experiments)
            note = why or note
        except Exception as error:  # the bench reports a crashing diagnosis and goes on
            status, note = "errored", f"{type(error).__name__}: {error}"
    diagnose_seconds = time.perf_counter() - started
    ranked = [] if diagnosis is None else _ranked(diagnosis)
    if status == "diagnosed" and diagnosis is not None:
        top = diagnosis.reported[0].cause if diagnosis.reported else HEALTHY
    else:
        top = NOT_DIAGNOSABLE
    return ScenarioResult(
        name=scenario.name,
        cause=scenario.cause,
        description=scenario.description,
        status=status,
        symptom=note,
        symptom_figures=symptom.figures,
        top=top,
        ranked=ranked,
        build_seconds=build_seconds,
        cached=cached,
        diagnose_seconds=diagnose_seconds,
        facts=data.facts,
    )


def run_bench(
    *,
    cause: str | None = None,
    fast: bool = False,
    cache: Path | None = None,
    on_scenario: Callable[[Scenario, ScenarioResult | None], None] | None = None,
    threads: int = 1,
    experiments: bool = False,
) -> BenchResult:
    """Run the fault-scenario bench.

    Parameters
    ----------
    cause : str, optional
        Only the scenarios of this cause (``"none"``: the healthy runs).
    fast : bool, default=False
        Only the fast subset (one scenario per cause, one healthy run).
    cache : Path, optional
        Scenario cache directory; None builds every scenario afresh without caching.
    on_scenario : callable, optional
        Called as ``on_scenario(scenario, None)`` before a scenario and
        ``on_scenario(scenario, result)`` after it (a progress bar).
    threads : int, default=1
        BLAS/OpenMP threads while training and diagnosing (pinned with threadpoolctl).
    experiments : bool, default=False
        "With experiments" mode: each diagnosis also re-trains :func:`reference_model` with
        the fix for each leading cause, and confirmations re-rank the findings.

    Returns
    -------
    BenchResult
    """
    started = time.perf_counter()
    results = []
    with threadpool_limits(limits=threads):
        for scenario in select_scenarios(cause=cause, fast=fast):
            if on_scenario is not None:
                on_scenario(scenario, None)
            result = run_scenario(scenario, cache, experiments=experiments)
            results.append(result)
            if on_scenario is not None:
                on_scenario(scenario, result)
    return BenchResult(results=results, seconds=time.perf_counter() - started)
