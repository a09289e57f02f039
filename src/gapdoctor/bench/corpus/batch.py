"""The corpus batch: build (or read from the cache) N scenarios, and diagnose each into a JSON line.

``python -m gapdoctor.bench.corpus build --n 400 --jobs 1 [--cache DIR]`` draws corpus seeds
``0..n-1`` (``--start`` shifts them) and writes a manifest (one JSON line per seed: families,
causes, the symptom check passed, rejections); ``--reported-first`` keeps only the seeds whose first draw
lies on the held-out families (:func:`~gapdoctor.bench.corpus.generate.reported_first`: a blind batch of
the report side, nearly half of the seeds); ``... diagnose`` runs
:func:`gapdoctor.diagnose` (a search: :func:`gapdoctor.diagnose_search`) on every accepted
scenario and writes one JSON line each: families, true causes, the symptoms its data show
(:mod:`~gapdoctor.bench.corpus.symptoms`), and the findings with their scores, evidence and
``truth`` (``injected``, ``observed`` or ``wrong``) — the input of the scoring-policy fit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.corpus.generate import CorpusScenario, causes_for_seed, draw_scenario
from gapdoctor.bench.corpus.symptoms import finding_truth, observe_symptoms

__all__ = ["build_corpus", "diagnose_corpus", "diagnose_one"]

FINDING_KEYS = ("cause", "score", "weak", "check", "summary", "evidence")
"""What a diagnose line keeps of each finding (rows, fixes and plot data are left out)."""


def _errored(seed: int, error: Exception) -> dict[str, Any]:
    """The line of a seed whose build raised: the batch records it and goes on."""
    return {
        "name": f"corpus/seed{seed}",
        "seed": seed,
        "causes": list(causes_for_seed(seed)),
        "families": {},
        "accepted": False,
        "rejections": [],
        "build_seconds": 0.0,
        "status": "errored",
        "error": f"{type(error).__name__}: {error}",
    }


def _build_one(
    seed: int, cache: Path | None, models: tuple[str, ...] | None, datasets: tuple[str, ...] | None = None
) -> dict[str, Any]:
    with threadpool_limits(limits=1):
        try:
            return draw_scenario(seed, cache=cache, models=models, datasets=datasets).summary()
        except Exception as error:  # one broken draw must not end a batch of hundreds
            return _errored(seed, error)


def diagnose_one(scenario: CorpusScenario) -> dict[str, Any]:
    """Diagnose one corpus scenario; its JSON line (families, causes, findings with scores and evidence).

    Parameters
    ----------
    scenario : CorpusScenario

    Returns
    -------
    dict
        ``observed``: each observable symptom and whether the scenario's data show it;
        each finding's ``truth``: its cause was injected, its symptom is observed, or
        neither (``"wrong"``). ``status`` is ``"diagnosed"``, ``"rejected"`` (no attempt showed the symptom; not
        diagnosed) or ``"errored"`` (the diagnosis raised; ``error`` says what).
    """
    line = scenario.summary()
    line.update(status="rejected", findings=[], top=None, diagnose_seconds=0.0)
    if not scenario.accepted:
        return line
    started = time.perf_counter()
    try:
        data = scenario.data
        if data.trials is not None:
            diagnosis = gapdoctor.diagnose_search(data.trials, metric=data.metric)
        else:
            diagnosis = gapdoctor.diagnose(**data.diagnose_kwargs())
    except Exception as error:  # a crashing diagnosis is recorded, and the batch goes on
        line.update(status="errored", error=f"{type(error).__name__}: {error}")
        return line
    observed = observe_symptoms(data, healthy=not scenario.causes)
    findings = [
        {**{k: f.to_dict()[k] for k in FINDING_KEYS}, "truth": finding_truth(f.cause, scenario.causes, observed)}
        for f in diagnosis.findings
    ]
    reported = diagnosis.reported
    line.update(
        status="diagnosed",
        observed=observed,
        findings=findings,
        top=reported[0].cause if reported else "none",
        diagnose_seconds=round(time.perf_counter() - started, 4),
    )
    return line


def _diagnose_seed(
    seed: int, cache: Path | None, models: tuple[str, ...] | None, datasets: tuple[str, ...] | None = None
) -> dict[str, Any]:
    with threadpool_limits(limits=1):
        try:
            scenario = draw_scenario(seed, cache=cache, models=models, datasets=datasets)
        except Exception as error:  # one broken draw must not end a batch of hundreds
            return _errored(seed, error)
        return diagnose_one(scenario)


def _run(work: Callable[[int], dict[str, Any]], seeds: Sequence[int], jobs: int) -> Iterator[dict[str, Any]]:
    if jobs <= 1:
        for seed in seeds:
            yield work(seed)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(work, seeds)


def build_corpus(
    seeds: Sequence[int],
    *,
    cache: Path | None,
    jobs: int = 1,
    models: tuple[str, ...] | None = None,
    datasets: tuple[str, ...] | None = None,
) -> Iterator[dict[str, Any]]:
    """Build (or read from ``cache``) the scenarios of ``seeds``; yields each one's summary, in order.

    Parameters
    ----------
    seeds : sequence of int
        Corpus seeds (a ``range``, or :func:`~gapdoctor.bench.corpus.generate.reported_first`'s list).
    cache : Path or None
    jobs : int, default=1
        Worker processes (each on one BLAS thread).
    models : tuple of str, optional
        Model families to draw from (default: those installed).
    datasets : tuple of str, optional
        Data-set families to draw from (default: the default ones; mnist1d only when named).
    """
    yield from _run(partial(_build_one, cache=cache, models=models, datasets=datasets), seeds, jobs)


def diagnose_corpus(
    seeds: Sequence[int],
    *,
    cache: Path | None,
    jobs: int = 1,
    models: tuple[str, ...] | None = None,
    datasets: tuple[str, ...] | None = None,
) -> Iterator[dict[str, Any]]:
    """Build or read each scenario of ``seeds`` and diagnose it; yields the JSON lines, in order."""
    yield from _run(partial(_diagnose_seed, cache=cache, models=models, datasets=datasets), seeds, jobs)


def write_lines(lines: Iterator[dict[str, Any]], path: Path, on_line: Callable[[dict[str, Any]], None]) -> int:
    """Write JSON lines to ``path`` as they come; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")
            out.flush()
            on_line(line)
            count += 1
    return count
