"""What every intervention shares: settings, the lab it works in, plans, outcomes, verdicts.

An intervention is a function ``(finding, lab) -> Plan`` registered for one cause with
:func:`intervention`. Planning never fits a model: it reads what it needs from the
:class:`~gapdoctor.findings.Finding` (skipping with :class:`SkipExperiment` when a key
is absent) and declares how many fits the experiment costs, so the runner can keep to
the budget before anything is trained. ``plan.run()`` then re-trains and returns
either the before/after predictions on the same validation rows (the runner turns them
into an interval by a paired bootstrap) or figures the experiment measured itself from
repeated runs.

Verdicts, for a metric where higher is better (mirrored otherwise): ``confirmed`` when
the whole interval of ``after`` lies above ``before`` by more than ``min_improvement``;
``refuted`` when even its upper end is no better than ``before``; ``inconclusive``
otherwise.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from gapdoctor.causes.gain import Gain
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Finding
from gapdoctor.fitting.trainer import Trainer
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.metrics import METRICS, compute_metric

__all__ = [
    "INTERVENTIONS",
    "ExperimentSettings",
    "Lab",
    "MeasuredOutcome",
    "PairedOutcome",
    "Plan",
    "SkipExperiment",
    "interval_of_mean",
    "intervention",
    "judge",
    "paired_interval",
]

Verdict = Literal["confirmed", "refuted", "inconclusive"]


@dataclass(frozen=True)
class ExperimentSettings:
    """Budget and behaviour of the confirming experiments.

    Parameters
    ----------
    max_findings : int, default=3
        How many of the leading reported findings are tested.
    max_fits : int, default=60
        Most model fits the experiments may use (the probabilities completed while the
        evidence is built excluded).
    max_seconds : float, default=300.0
        Time budget; an experiment is started only when its estimated cost
        (its fits times the measured seconds per fit) fits in what is left.
    n_jobs : int, default=1
        Experiments run in parallel with joblib when above 1.
    n_bootstrap : int, default=400
        Resamples of the validation rows for the intervals.
    n_repeats : int, default=5
        Repeated runs where an experiment resamples splits (re-split, repeated CV).
    cv_folds : int, default=5
        Folds for out-of-fold probabilities (completed from the model) and cross-validated choices.
    min_improvement : float, default=0.0
        Improvement of the metric the interval must exceed to confirm.
    cache_dir : str, Path or None, default=".gapdoctor-cache"
        Results are stored here as JSON / npz (never pickle) so that re-running does not
        re-train; None turns caching off.
    progress : bool or None, default=None
        Show a progress bar; None shows it only when stderr is a terminal.
    seed : int, default=0
    """

    max_findings: int = 3
    max_fits: int = 60
    max_seconds: float = 300.0
    n_jobs: int = 1
    n_bootstrap: int = 400
    n_repeats: int = 5
    cv_folds: int = 5
    min_improvement: float = 0.0
    cache_dir: str | Path | None = ".gapdoctor-cache"
    progress: bool | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for name, low in (
            ("max_findings", 1),
            ("max_fits", 0),
            ("n_bootstrap", 50),
            ("n_repeats", 2),
            ("cv_folds", 2),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise GapdoctorInputError(
                    f"experiments.{name}", f"must be an integer >= {low}, got {value!r}", f"pass {name}={max(low, 1)}"
                )
        if not isinstance(self.n_jobs, int) or self.n_jobs == 0:
            raise GapdoctorInputError("experiments.n_jobs", f"got {self.n_jobs!r}", "pass 1, a core count, or -1")
        if not (isinstance(self.max_seconds, (int, float)) and self.max_seconds > 0):
            raise GapdoctorInputError("experiments.max_seconds", f"got {self.max_seconds!r}", "pass seconds > 0")
        if not (isinstance(self.min_improvement, (int, float)) and self.min_improvement >= 0):
            raise GapdoctorInputError("experiments.min_improvement", f"got {self.min_improvement!r}", "pass >= 0")


class SkipExperiment(Exception):
    """Raised while planning when the finding or the inputs do not allow the experiment."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PairedOutcome:
    """Before/after predictions on the same validation rows; the runner bootstraps them.

    ``y_before`` and ``y_after`` differ only when the intervention corrects the labels
    (a label-mapping bug).
    """

    before_probs: FloatArray
    after_probs: FloatArray
    y_before: IntArray
    y_after: IntArray
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasuredOutcome:
    """Figures an experiment measured itself (repeated runs): before, after, interval, verdict."""

    before: float
    after: float
    interval: tuple[float, float]
    verdict: Verdict
    details: Mapping[str, Any] = field(default_factory=dict)


Outcome = PairedOutcome | MeasuredOutcome


@dataclass(frozen=True)
class Plan:
    """One experiment, ready to run.

    Parameters
    ----------
    intervention : str
        What is changed, in words (``"drop the 45 flagged training rows"``).
    n_fits : int
        Model fits :attr:`run` will make (the shared baseline fit excluded).
    run : callable
        ``run() -> PairedOutcome | MeasuredOutcome``.
    key : mapping
        What the result depends on besides data and model (for the cache).
    gain : callable, optional
        ``gain(experiment) -> Gain | None``: what fixing the cause gains, from the experiment's
        result (``Finding.experiment``), for a cause whose experiment applies the fix itself.
        The runner sets it as ``Finding.gain`` when the check stated none.
    """

    intervention: str
    n_fits: int
    run: Callable[[], Outcome]
    key: Mapping[str, Any] = field(default_factory=dict)
    gain: Callable[[Mapping[str, Any]], Gain | None] | None = None


Intervention = Callable[[Finding, "Lab"], Plan]
INTERVENTIONS: dict[str, Intervention] = {}
"""cause -> intervention function."""


def intervention(cause: str) -> Callable[[Intervention], Intervention]:
    """Register the intervention that tests ``cause`` (one per cause)."""

    def decorator(function: Intervention) -> Intervention:
        if cause in INTERVENTIONS:
            raise ValueError(f"cause {cause!r} has two interventions")
        INTERVENTIONS[cause] = function
        return function

    return decorator


@dataclass
class Lab:
    """The evidence, a trainer and the shared baseline, for the experiments.

    Build it with :meth:`prepare`. The lab only reads the evidence: the probabilities the
    user did not give were computed while it was built (:mod:`gapdoctor.inputs.completion`),
    and their ``val_probs`` fit is the experiments' baseline.
    """

    evidence: Evidence
    trainer: Trainer
    settings: ExperimentSettings
    baseline_val_probs: FloatArray | None = None
    seconds_per_fit: float = 0.0
    cache: Any = None

    @property
    def computed(self) -> tuple[str, ...]:
        """The probabilities computed from the model while the evidence was built."""
        return () if self.evidence.completion is None else self.evidence.completion.computed

    @property
    def problem(self) -> str:
        """Why the model could not give the probabilities it was for ("" when it could)."""
        return "" if self.evidence.completion is None else self.evidence.completion.problem

    @classmethod
    def prepare(cls, evidence: Evidence, settings: ExperimentSettings, cache: Any = None) -> Lab:
        """The lab for ``evidence`` (built with a model, so its probabilities are complete).

        Parameters
        ----------
        evidence : Evidence
            With ``model`` set.
        settings : ExperimentSettings
        cache : ExperimentCache, optional
        """
        trainer = Trainer(evidence.model, max(evidence.n_classes, 2), seed=settings.seed)
        lab = cls(evidence=evidence, trainer=trainer, settings=settings, cache=cache)
        completion = evidence.completion
        if completion is not None and "val_probs" in completion.computed:  # the baseline, fitted already
            lab.baseline_val_probs = evidence.val_probs
            lab.seconds_per_fit = completion.seconds_per_fit
        return lab

    def _cached_arrays(self, name: str, compute: Callable[[], FloatArray]) -> FloatArray:
        key = None if self.cache is None else self.cache.key(self, {"probabilities": name})
        if key is not None:
            stored = self.cache.get_array(key)
            if stored is not None:
                return np.asarray(stored, dtype=np.float64)
        value = compute()
        if key is not None:
            self.cache.put_array(key, value)
        return value

    def _fit_baseline(self) -> FloatArray:
        started = time.perf_counter()
        probs = self.fit_predict(self.X_train, self.y_train, self.X_val, {"intervention": "baseline"})
        self.seconds_per_fit = time.perf_counter() - started
        return probs

    def baseline(self) -> FloatArray:
        """Validation probabilities of the model fitted on the training split as given (cached)."""
        if self.baseline_val_probs is None:
            self.baseline_val_probs = self._cached_arrays("baseline_val_probs", self._fit_baseline)
        return self.baseline_val_probs

    # -- data, with the checks that the experiments need ---------------------------------
    @property
    def X_train(self) -> FloatArray:
        """Training features (the experiment needs them)."""
        return _need(self.evidence.X_train, "X_train")  # type: ignore[no-any-return]

    @property
    def y_train(self) -> IntArray:
        """Encoded training labels."""
        return _need(self.evidence.y_train, "y_train")  # type: ignore[no-any-return]

    @property
    def X_val(self) -> FloatArray:
        """Validation features."""
        return _need(self.evidence.X_val, "X_val")  # type: ignore[no-any-return]

    @property
    def y_val(self) -> IntArray:
        """Encoded validation labels."""
        return _need(self.evidence.y_val, "y_val")  # type: ignore[no-any-return]

    @property
    def greater_is_better(self) -> bool:
        """Direction of the user's metric."""
        return METRICS[self.evidence.metric].greater_is_better

    def score(self, y: IntArray, probs: FloatArray) -> float:
        """The user's validation metric."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's log loss on probabilities that do not sum to 1
            return compute_metric(self.evidence.metric, y, probs)

    def fit_predict(
        self, X: FloatArray, y: IntArray, X_predict: FloatArray, config: Mapping[str, Any] | None = None
    ) -> FloatArray:
        """Fit the user's model on ``(X, y)`` with ``config``; probabilities for ``X_predict``."""
        probs = self.trainer.fit_predict(X, y, X_predict, config)
        assert not isinstance(probs, list)
        return probs

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator seeded from the settings."""
        return np.random.default_rng([self.settings.seed, salt])


def _need(value: Any, name: str) -> Any:
    if value is None:
        raise SkipExperiment(f"needs {name}")
    return value


def judge(lab: Lab, before: float, interval: tuple[float, float]) -> Verdict:
    """Verdict from ``before`` and the interval of ``after`` (see the module docstring)."""
    sign = 1.0 if lab.greater_is_better else -1.0
    low, high = sorted((sign * (interval[0] - before), sign * (interval[1] - before)))
    if low > lab.settings.min_improvement:
        return "confirmed"
    if high <= 0.0:
        return "refuted"
    return "inconclusive"


def paired_interval(lab: Lab, outcome: PairedOutcome) -> tuple[float, float, tuple[float, float]]:
    """``before``, ``after`` and a 95% interval of ``after`` by a paired bootstrap of the rows.

    The interval is ``before`` plus the 2.5% and 97.5% quantiles of the resampled
    difference ``after - before``: the range of ``after`` that the validation rows'
    sampling noise allows, with ``before`` measured on the same resampled rows.
    """
    before = lab.score(outcome.y_before, outcome.before_probs)
    after = lab.score(outcome.y_after, outcome.after_probs)
    rng = lab.rng(1)
    n = len(outcome.y_before)
    diffs = []
    for _ in range(lab.settings.n_bootstrap):
        rows = rng.integers(0, n, n)
        try:
            diff = lab.score(outcome.y_after[rows], outcome.after_probs[rows]) - lab.score(
                outcome.y_before[rows], outcome.before_probs[rows]
            )
        except ValueError:  # a resample with one class only (ROC AUC)
            continue
        if math.isfinite(diff):
            diffs.append(diff)
    if not diffs:
        return before, after, (after, after)
    low, high = np.quantile(np.asarray(diffs), [0.025, 0.975])
    interval = (before + float(low), before + float(high))
    if METRICS[lab.evidence.metric].bounded:
        interval = (max(0.0, interval[0]), min(1.0, interval[1]))
    return before, after, interval


def interval_of_mean(values: list[float]) -> tuple[float, float]:
    """95% t-interval of the mean of repeated measurements."""
    from scipy import stats as sps

    arr = np.asarray(values, dtype=np.float64)
    mean = float(arr.mean())
    if len(arr) < 2 or float(arr.std(ddof=1)) == 0.0:
        return mean, mean
    half = float(sps.t.ppf(0.975, len(arr) - 1)) * float(arr.std(ddof=1)) / math.sqrt(len(arr))
    return mean - half, mean + half


def pooled_labels(lab: Lab) -> IntArray:
    """Training and validation labels pooled; SkipExperiment when a class has fewer than two rows."""
    y_pool: IntArray = np.concatenate([lab.y_train, lab.y_val])
    counts = np.bincount(y_pool)
    if counts[counts > 0].min() < 2:
        raise SkipExperiment("a class has fewer than two rows in the pooled data: cannot split it stratified")
    return y_pool


def resplit_scores(lab: Lab, y_pool: IntArray, n_splits: int) -> list[float]:
    """The metric of a model re-fit on each of ``n_splits`` random stratified re-splits of the pooled
    rows (``y_pool`` from :func:`pooled_labels`), each with as many validation rows as the given split."""
    from sklearn.model_selection import StratifiedShuffleSplit

    X_pool = np.vstack([lab.X_train, lab.X_val])
    splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=len(lab.y_val), random_state=lab.settings.seed)
    scores = []
    for fit_rows, held in splitter.split(X_pool, y_pool):
        probs = lab.fit_predict(X_pool[fit_rows], y_pool[fit_rows], X_pool[held], {"intervention": "re-split"})
        scores.append(lab.score(y_pool[held], probs))
    return scores
