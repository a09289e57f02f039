"""What a fault scenario is, how it verifies its own symptom, and its on-disk cache.

A scenario is a real training run (or a real hyper-parameter search) with exactly one
known cause, or none (a healthy run). Building one trains models, so built scenarios
are cached: arrays in an ``.npz`` file (``allow_pickle=False``), everything else in
JSON, keyed by scenario name, seed, :data:`SCENARIO_VERSION` and the scikit-learn version.
Never pickle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.inputs.arguments import ARRAY_INPUTS
from gapdoctor.stats.metrics import METRICS

__all__ = [
    "HEALTHY",
    "SCENARIO_VERSION",
    "Scenario",
    "ScenarioData",
    "Symptom",
    "cache_dir",
    "check_symptom",
    "load_or_build",
]

HEALTHY = "none"
"""The "cause" of a healthy run, and the top cause of a diagnosis that reports nothing."""

SCENARIO_VERSION = "1"
"""Bump when any scenario changes: cached scenarios of another version are rebuilt."""


TRAIN_DROP_MIN = 0.10  # train loss: last quarter at least 10% below the first quarter
STAGNANT_GAIN_MAX = 0.01  # val metric: last quarter at most 0.01 above the quarter before the midpoint
IMPROVING_GAIN_MIN = 0.02  # healthy: at least 0.02 above


@dataclass(frozen=True)
class ScenarioData:
    """The inputs of one diagnosis, as a built scenario produces them.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch curves (empty for a search).
    arrays : dict of str to ndarray
        Keyword arrays for :func:`gapdoctor.diagnose`, named as in
        :data:`gapdoctor.inputs.arguments.ARRAY_INPUTS` (checked on creation).
    metric : str
    trials : list of dict or None
        For a search: ``{"params", "value", "val_size", "history"?}`` per trial.
    facts : dict
        JSON-safe figures about how the fault was made (noise rate, holdout scores...).
    """

    history: dict[str, list[float]]
    arrays: dict[str, np.ndarray[Any, Any]]
    metric: str
    trials: list[dict[str, Any]] | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.arrays) - set(ARRAY_INPUTS))
        if unknown:
            raise ValueError(f"arrays {unknown} are not array arguments of gapdoctor.diagnose: {ARRAY_INPUTS}")

    def diagnose_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`gapdoctor.diagnose`."""
        return {"history": self.history, "metric": self.metric, **self.arrays}


@dataclass(frozen=True)
class Scenario:
    """One fault scenario: a name, its true cause and how to build it.

    Parameters
    ----------
    name : str
        ``"<cause>/<variant>"``, unique.
    cause : str
        One of :data:`gapdoctor.CAUSES`, or :data:`HEALTHY`.
    description : str
        How the fault is made, in one sentence.
    build : callable
        ``build(seed) -> ScenarioData``; deterministic from the seed.
    seed : int, default=0
    fast : bool, default=False
        Part of the fast subset (one scenario per cause).
    """

    name: str
    cause: str
    description: str
    build: Callable[[int], ScenarioData]
    seed: int = 0
    fast: bool = False

    @property
    def is_search(self) -> bool:
        """True for a hyper-parameter search scenario."""
        return self.cause == "search_noise"


@dataclass(frozen=True)
class Symptom:
    """Whether a built scenario shows the symptom it is meant to show."""

    valid: bool
    reason: str
    figures: dict[str, float]


def _quarter_means(values: np.ndarray[Any, Any]) -> tuple[float, float, float]:
    """Means of the first quarter, the quarter before the midpoint and the last quarter."""
    n = len(values)
    q = max(2, n // 4)
    half = n // 2
    return float(np.mean(values[:q])), float(np.mean(values[max(0, half - q) : half])), float(np.mean(values[-q:]))


def _run_symptom(data: ScenarioData, healthy: bool) -> Symptom:
    train = np.asarray(data.history.get("train_loss", []), dtype=float)
    val = np.asarray(data.history.get(f"val_{data.metric}", []), dtype=float)
    if len(train) < 8 or len(val) != len(train):
        return Symptom(False, f"needs >= 8 epochs of train_loss and val_{data.metric}", {})
    if not METRICS[data.metric].greater_is_better:
        val = -val
    first, _, last = _quarter_means(train)
    train_drop = 1.0 - last / max(first, 1e-12)
    _, mid, end = _quarter_means(val)
    gain = end - mid
    figures = {"train_loss_drop": round(train_drop, 4), "val_metric_gain_last_half": round(gain, 4)}
    if train_drop < TRAIN_DROP_MIN:
        return Symptom(
            False, f"training loss fell only {100 * train_drop:.1f}% (needs {100 * TRAIN_DROP_MIN:.0f}%)", figures
        )
    if healthy and gain < IMPROVING_GAIN_MIN:
        return Symptom(False, f"healthy run: validation gained only {gain:+.3f} over the last half", figures)
    if not healthy and gain > STAGNANT_GAIN_MAX:
        return Symptom(False, f"validation still improves over the last half ({gain:+.3f})", figures)
    story = data.facts.get("story_ok")
    if story is False:
        return Symptom(False, f"the cause's story does not hold: {data.facts.get('story', '')}", figures)
    return Symptom(True, "ok", figures)


def _search_symptom(trials: list[dict[str, Any]]) -> Symptom:
    """A search's symptom: trials that reach a lower training loss do not score better."""
    if len(trials) < 6:
        return Symptom(False, "a search needs at least 6 trials", {})
    losses = np.array([t["history"]["train_loss"][-1] for t in trials])
    values = np.array([t["value"] for t in trials])
    order = np.argsort(losses)
    low, high = values[order[: len(order) // 2]], values[order[len(order) // 2 :]]
    train_drop = 1.0 - float(losses.min()) / max(float(losses.max()), 1e-12)
    gain = float(low.mean() - high.mean())
    figures = {"train_loss_drop": round(train_drop, 4), "val_metric_gain_low_loss_half": round(gain, 4)}
    if train_drop < TRAIN_DROP_MIN:
        return Symptom(False, "the trials' training losses hardly differ", figures)
    if gain > STAGNANT_GAIN_MAX:
        return Symptom(False, f"trials with lower training loss score better ({gain:+.3f})", figures)
    return Symptom(True, "ok", figures)


def check_symptom(scenario: Scenario, data: ScenarioData) -> Symptom:
    """Verify that a built scenario shows its symptom.

    A faulty run: the training loss clearly falls (last quarter >= 10% below the first)
    while the validation metric does not improve over the last half (last quarter at
    most 0.01 above the quarter before the midpoint). A healthy run: the training loss
    falls and validation gains at least 0.02 over the last half. A search: the trials
    with the lower half of training losses do not score better than the others.

    Parameters
    ----------
    scenario : Scenario
    data : ScenarioData

    Returns
    -------
    Symptom
    """
    if scenario.is_search:
        return _search_symptom(data.trials or [])
    return _run_symptom(data, healthy=scenario.cause == HEALTHY)


def cache_dir(path: str | Path | None = None) -> Path:
    """The scenario cache: ``path``, else ``$GAPDOCTOR_CACHE/bench``, else ``~/.cache/gapdoctor/bench``."""
    if path is not None:
        return Path(path)
    root = os.environ.get("GAPDOCTOR_CACHE")
    if root:
        return Path(root) / "bench"
    return Path.home() / ".cache" / "gapdoctor" / "bench"


def _key(scenario: Scenario) -> str:
    """Cache key: scenario, seed, scenario version and the scikit-learn version that trained it."""
    import sklearn

    return f"{scenario.name.replace('/', '__')}-seed{scenario.seed}-v{SCENARIO_VERSION}-sklearn{sklearn.__version__}"


def _save(data: ScenarioData, directory: Path, key: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(v) for k, v in data.arrays.items()}
    for name, values in arrays.items():
        if values.dtype.kind == "O":
            raise TypeError(f"array {name!r} has dtype object: store strings as a fixed-width str array")
    tmp = directory / f"{key}.tmp.npz"
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
    meta = {"history": data.history, "metric": data.metric, "trials": data.trials, "facts": data.facts}
    (directory / f"{key}.json").write_text(json.dumps(meta), encoding="utf-8")
    tmp.replace(directory / f"{key}.npz")


def _load(directory: Path, key: str) -> ScenarioData | None:
    arrays_path, meta_path = directory / f"{key}.npz", directory / f"{key}.json"
    if not (arrays_path.exists() and meta_path.exists()):
        return None
    try:
        meta: Mapping[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
    except (OSError, ValueError):
        return None  # a damaged cache entry is rebuilt
    return ScenarioData(
        history={k: list(v) for k, v in meta["history"].items()},
        arrays=arrays,
        metric=str(meta["metric"]),
        trials=meta["trials"],
        facts=dict(meta["facts"]),
    )


def load_or_build(scenario: Scenario, directory: Path | None) -> tuple[ScenarioData, bool]:
    """The scenario's data from the cache, or built (and cached); and whether it was cached.

    Parameters
    ----------
    scenario : Scenario
    directory : Path or None
        Cache directory; None builds without caching.

    Returns
    -------
    (ScenarioData, bool)
    """
    key = _key(scenario)
    if directory is not None:
        cached = _load(directory, key)
        if cached is not None:
            return cached, True
    data = scenario.build(scenario.seed)
    if directory is not None:
        _save(data, directory, key)
    return data, False
