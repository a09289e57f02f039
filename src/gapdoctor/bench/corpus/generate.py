"""Draw corpus scenarios: which causes a seed gets, its recipe, its symptom check, its cache entry.

Corpus seed ``i`` gets a kind by rotation over :data:`KINDS` (each cause, healthy runs twice,
pairs twice), so any 16 consecutive seeds cover every cause; everything else (data set,
model, severity, settings, which pair) is drawn at random from the seed. A draw whose run
does not show its symptom is rejected and redrawn with new settings (same causes), at most
:data:`MAX_ATTEMPTS` times; the rejections are counted and kept with the scenario. The symptom is
the run-level one (:func:`~gapdoctor.bench.scenario.check_symptom`: training loss falls, validation
stuck) and, for a cause with a rule, the cause's own
(:mod:`~gapdoctor.bench.corpus.own_symptom`: a mismatch draw must leave metric to a decision rule,
a learning rate too high must show in the training loss...). A recipe that cannot be built, or a run
whose solver diverged (``FloatingPointError``: torch's outputs or scikit-learn's weights became
non-finite), has no run to check: it is noted and the next draw is tried.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.bench.corpus.build import RecipeInfeasible, build_scenario
from gapdoctor.bench.corpus.draws import PAIRS, draw_params
from gapdoctor.bench.corpus.families import available_models
from gapdoctor.bench.corpus.own_symptom import check_own_symptoms
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT, split_by_family
from gapdoctor.bench.scenario import HEALTHY, Scenario, ScenarioData, Symptom, cache_dir, check_symptom, load_or_build
from gapdoctor.causes.vocabulary import CAUSES
from gapdoctor.errors import GapdoctorInputError

__all__ = [
    "CORPUS_VERSION",
    "DRAWN_AXES",
    "KINDS",
    "MAX_ATTEMPTS",
    "SYMPTOM_CHECKS",
    "CorpusScenario",
    "causes_for_seed",
    "corpus_cache_dir",
    "draw_scenario",
    "families_of",
    "first_draw_families",
    "reported_first",
]

CORPUS_VERSION = "1"
"""Bump when a recipe or a builder changes: cached corpus scenarios of another version are rebuilt."""

KINDS: tuple[str, ...] = (*CAUSES, "healthy", "pair", "healthy", "pair")
"""The rotation of kinds over corpus seeds: seed i draws ``KINDS[i % len(KINDS)]``."""

MAX_ATTEMPTS = 4
"""Built draws per corpus seed that may fail their symptom check before the seed is given up as
rejected (each attempt redraws every setting; the causes stay)."""

MAX_DRAWS = 20
"""Draws per corpus seed, counting those that make no run (:class:`RecipeInfeasible`, a diverged
torch run): these are rejected too, but do not count towards :data:`MAX_ATTEMPTS`."""

ATTEMPT_STRIDE = 1000
"""Attempt ``a`` of corpus seed ``i`` draws and trains with seed ``i * ATTEMPT_STRIDE + a``."""

SYMPTOM_CHECKS = {
    "stuck_validation": "training loss falls >= 10% (last quarter vs first) while the validation metric "
    "gains <= 0.01 over the last half (bench.scenario.check_symptom, faulty run)",
    "improving_validation": "training loss falls >= 10% and the validation metric gains >= 0.02 over the "
    "last half (bench.scenario.check_symptom, healthy run)",
    "search_ranking": "trials with the lower half of training losses do not score better on validation "
    "(bench.scenario.check_symptom, search)",
}
"""The symptom check each scenario passed, by name (a search, a healthy run, every other run); an
injected cause with a rule in :data:`~gapdoctor.bench.corpus.own_symptom.OWN_SYMPTOM_RULES` must
pass that rule as well."""


def corpus_cache_dir(path: str | Path | None = None) -> Path:
    """The corpus cache: ``path``, else a ``corpus`` folder beside the bench cache."""
    return Path(path) if path is not None else cache_dir().parent / "corpus"


def causes_for_seed(seed: int) -> tuple[str, ...]:
    """The causes corpus seed ``seed`` injects: one cause, a pair (drawn from the seed) or none.

    Examples
    --------
    >>> causes_for_seed(0), causes_for_seed(12)
    (('overfitting',), ())
    """
    kind = KINDS[seed % len(KINDS)]
    if kind == "healthy":
        return ()
    if kind == "pair":
        pair = PAIRS[int(np.random.default_rng([seed, 13]).integers(len(PAIRS)))]
        return tuple(pair)
    return (kind,)


def _bucket(value: int, edges: tuple[int, int], names: tuple[str, str, str]) -> str:
    return names[0] if value < edges[0] else names[1] if value < edges[1] else names[2]


DRAWN_AXES = ("dataset", "model", "causes", "kind", "severity", "optimiser")
"""The family axes a draw fixes before anything is built (epochs, class balance and validation size
are read from the built run)."""


def _drawn_families(params: dict[str, Any]) -> dict[str, str]:
    causes = params["causes"]
    return {
        "dataset": params["dataset"],
        "model": params["model"],
        "causes": "+".join(causes) if causes else HEALTHY,
        "kind": "healthy" if not causes else "pair" if len(causes) > 1 else "cause",
        "severity": params.get("healthy_kind", params["severity"]),
        "optimiser": "adam" if "search" in params else params["train"]["solver"],
    }


def families_of(params: dict[str, Any], data: ScenarioData) -> dict[str, str]:
    """The family labels of a built scenario (what the corpus can be split by).

    dataset, model, causes (``"a+b"`` for a pair, ``"none"`` healthy), kind (cause, pair,
    healthy), severity (a healthy run: its healthy kind), optimiser, epochs (short < 30,
    medium < 80, long), class_balance, val_size (small < 50, medium < 200, large).
    """
    split = params.get("split", {})
    imbalanced = "imbalance" in split or split.get("kind") in ("label_shift", "rare_classes")
    if data.trials:
        n_val, epochs = int(data.trials[0]["val_size"]), int(params["search"]["epochs"])
    else:
        n_val, epochs = len(data.arrays["y_val"]), len(data.history["train_loss"])
    return {
        **_drawn_families(params),
        "epochs": _bucket(epochs, (30, 80), ("short", "medium", "long")),
        "class_balance": "imbalanced" if imbalanced else "balanced",
        "val_size": _bucket(n_val, (50, 200), ("small", "medium", "large")),
    }


def first_draw_families(
    seed: int, models: tuple[str, ...] | None = None, datasets: tuple[str, ...] | None = None
) -> dict[str, str]:
    """The :data:`DRAWN_AXES` labels of corpus seed ``seed``'s first draw, read without building it.

    ``models``, ``datasets``: as for :func:`draw_scenario` (default: the models installed, the default
    data sets); the draw depends on them.

    Examples
    --------
    >>> first_draw_families(12, ("sklearn_mlp",))["causes"], first_draw_families(12, ("sklearn_mlp",))["model"]
    ('none', 'sklearn_mlp')
    """
    models = available_models() if models is None else tuple(models)
    return _drawn_families(draw_params(causes_for_seed(seed), seed * ATTEMPT_STRIDE, models, datasets))


def reported_first(
    seeds: Iterable[int],
    held_out: Mapping[str, Iterable[str]] | None = None,
    models: tuple[str, ...] | None = None,
    datasets: tuple[str, ...] | None = None,
) -> list[int]:
    """The seeds whose first draw lies on the reported (held-out) families: the seeds of a blind batch.

    A batch of the report side needs only these (with the default split,
    :data:`~gapdoctor.bench.corpus.split.DEFAULT_HELD_OUT`, 356-383 of each 800 seeds 20400-24399), so a batch
    of 800 seeds builds and diagnoses in 8-10 minutes on 2 cores instead of about 20. A seed whose first
    draw is rejected is redrawn and may land on a calibration family: the split of the diagnosed lines
    (by their accepted draw) decides the side, as for every batch.

    Parameters
    ----------
    seeds : iterable of int
    held_out : mapping, optional
        As for :func:`~gapdoctor.bench.corpus.split.split_by_family`, on :data:`DRAWN_AXES` only.
    models : tuple of str, optional
        The model families the batch draws from (default: those installed).
    datasets : tuple of str, optional
        The data-set families the batch draws from (default: the default ones).

    Returns
    -------
    list of int
        In the order given.

    Raises
    ------
    GapdoctorInputError
        ``held_out`` names an axis only a built run has (epochs, class_balance, val_size).
    """
    held_out = DEFAULT_HELD_OUT if held_out is None else held_out
    drawn_from = available_models() if models is None else tuple(models)  # resolved once, not per seed
    late = sorted(set(held_out) - set(DRAWN_AXES))
    if late:
        raise GapdoctorInputError(
            "held_out", f"axes {late} are read from the built run, not the draw", f"use {', '.join(DRAWN_AXES)}"
        )
    return split_by_family(
        list(seeds), held_out, families=lambda seed: first_draw_families(seed, drawn_from, datasets)
    ).report


@dataclass(frozen=True)
class CorpusScenario:
    """One drawn corpus scenario, built (or read from the cache) and checked.

    Parameters
    ----------
    seed : int
        The corpus seed.
    causes : tuple of str
        The injected causes (empty: healthy).
    params : dict
        The accepted (or last) attempt's recipe, JSON-safe.
    data : ScenarioData
    symptom : Symptom
        The last attempt's symptom check.
    symptom_check : str
        Which check it was (a key of :data:`SYMPTOM_CHECKS`).
    families : dict of str to str
    rejections : tuple of str
        Why each earlier attempt was rejected.
    cached : bool
        Every attempt was read from the cache.
    seconds : float
        Wall time spent building (or reading) every attempt.
    cpu_seconds : float
        CPU time of this process over the same span (the machine's load left out).
    attempt_seed : int
        The seed of the last attempt (:data:`ATTEMPT_STRIDE`).
    """

    seed: int
    causes: tuple[str, ...]
    params: dict[str, Any]
    data: ScenarioData
    symptom: Symptom
    symptom_check: str
    families: dict[str, str]
    rejections: tuple[str, ...] = ()
    cached: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    attempt_seed: int = 0

    @property
    def accepted(self) -> bool:
        """True when the scenario passed its symptom check (within :data:`MAX_ATTEMPTS` draws)."""
        return self.symptom.valid

    @property
    def name(self) -> str:
        """``corpus/<causes>/seed<i>``."""
        return f"corpus/{self.families['causes']}/seed{self.seed}"

    def summary(self) -> dict[str, Any]:
        """JSON-safe description: families, true causes, symptom check, rejections, facts and the recipe."""
        return {
            "name": self.name,
            "seed": self.seed,
            "attempt_seed": self.attempt_seed,
            "causes": list(self.causes),
            "families": self.families,
            "accepted": self.accepted,
            "symptom_check": self.symptom_check,
            "symptom": {"reason": self.symptom.reason, **self.symptom.figures},
            "rejections": list(self.rejections),
            "cached": self.cached,
            "build_seconds": round(self.seconds, 3),
            "build_cpu_seconds": round(self.cpu_seconds, 3),
            "facts": self.data.facts,
            "params": self.params,
        }


def _bench_scenario(causes: tuple[str, ...], attempt_seed: int, params: dict[str, Any]) -> Scenario:
    """The bench :class:`Scenario` of one attempt: its cache key (with a hash of the recipe) and its symptom check."""
    label = "+".join(causes) if causes else HEALTHY
    cause = causes[0] if causes else HEALTHY
    recipe = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
    return Scenario(
        name=f"corpus-v{CORPUS_VERSION}/{label}/attempt{attempt_seed}-{recipe}",
        cause=cause,
        description=f"corpus draw {attempt_seed}: {label}",
        build=partial(build_scenario, params),
        seed=attempt_seed,
    )


def _symptom(causes: tuple[str, ...], scenario: Scenario, data: ScenarioData) -> Symptom:
    """The run-level symptom check, then each injected cause's own (the first failure says why)."""
    symptom = check_symptom(scenario, data)
    if not symptom.valid:
        return symptom
    own = check_own_symptoms(causes, data)  # valid with no figures where no rule applies
    return Symptom(own.valid, symptom.reason if own.valid else own.reason, {**symptom.figures, **own.figures})


def draw_scenario(
    seed: int,
    *,
    causes: tuple[str, ...] | None = None,
    models: tuple[str, ...] | None = None,
    datasets: tuple[str, ...] | None = None,
    cache: Path | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> CorpusScenario:
    """Draw, build (or read from ``cache``) and check one corpus scenario.

    Parameters
    ----------
    seed : int
        The corpus seed: it fixes the causes (unless given) and every drawn setting.
    causes : tuple of str, optional
        Inject these instead of :func:`causes_for_seed` (tests; a chosen pair).
    models : tuple of str, optional
        Model families to draw from; by default those installed (:func:`available_models`).
    datasets : tuple of str, optional
        Data-set families to draw from; by default :data:`~gapdoctor.bench.corpus.families.DATASETS`
        (mnist1d only when named).
    cache : Path, optional
        Cache directory (the bench's format: ``.npz`` + ``.json``); None builds without caching.
    max_attempts : int, default=MAX_ATTEMPTS

    Returns
    -------
    CorpusScenario
        Its ``accepted`` is False when every attempt failed its symptom check.
    """
    causes = causes_for_seed(seed) if causes is None else tuple(causes)
    models = available_models() if models is None else tuple(models)
    rejections: list[str] = []
    started, cpu_started, all_cached = time.perf_counter(), time.process_time(), True
    failed, built = 0, None
    for attempt in range(MAX_DRAWS):
        attempt_seed = seed * ATTEMPT_STRIDE + attempt
        params = draw_params(causes, attempt_seed, models, datasets)
        scenario = _bench_scenario(causes, attempt_seed, params)
        try:
            data, cached = load_or_build(scenario, cache)
        except (RecipeInfeasible, FloatingPointError) as why:  # no run to check: not a failed attempt
            rejections.append(f"attempt {attempt_seed}: {why}")
            continue
        all_cached &= cached
        symptom = _symptom(causes, scenario, data)
        built = (params, scenario, data, symptom, attempt_seed)
        failed += not symptom.valid
        if symptom.valid or failed == max_attempts:
            break
        rejections.append(f"attempt {attempt_seed}: {symptom.reason}")
    if built is None:
        raise RuntimeError(f"corpus seed {seed}: {MAX_DRAWS} draws of {causes} were all infeasible (a recipe bug)")
    params, scenario, data, symptom, attempt_seed = built
    check = "search_ranking" if scenario.is_search else "improving_validation" if not causes else "stuck_validation"
    return CorpusScenario(
        seed=seed,
        causes=causes,
        params=params,
        data=data,
        symptom=symptom,
        symptom_check=check,
        families=families_of(params, data),
        rejections=tuple(rejections),
        cached=all_cached,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        attempt_seed=attempt_seed,
    )
