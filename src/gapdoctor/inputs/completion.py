"""Probabilities completed from ``model=``: part of building the evidence, before any check runs.

When :func:`gapdoctor.diagnose` is given a model and not all the probabilities, the
evidence is completed here: out-of-fold ``train_probs`` by stratified K-fold, and
``val_probs`` from a fit on the training split (that fit is also the experiments'
baseline, so it is not repeated). Checks then read the completed
:class:`~gapdoctor.inputs.evidence.Evidence` and never depend on the experiments.

The model is fitted by :class:`gapdoctor.fitting.trainer.Trainer`, the one way
gapdoctor trains a user's model (the confirming experiments re-train with it too); it
is imported here only when a model is given, so building evidence without one imports
no experiment machinery. Fitted arrays may be cached on disk as ``.npz`` (never pickle).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats.array_types import FeatureArray, FloatArray

if TYPE_CHECKING:
    from gapdoctor.fitting.cache import ExperimentCache
    from gapdoctor.fitting.trainer import Trainer
    from gapdoctor.inputs.evidence import Evidence

__all__ = ["Completion", "CompletionSettings", "complete_probabilities", "warning_key"]


HOW = {"train_probs": "out of fold, by stratified cross-validation", "val_probs": "from a fit on train"}
"""How each completed array was computed, for the diagnosis' note."""


@dataclass(frozen=True)
class CompletionSettings:
    """How missing probabilities are computed from the model.

    Parameters
    ----------
    folds : int, default=5
        Folds of the out-of-fold ``train_probs`` (lowered to the smallest class's size).
    seed : int, default=0
    cache_dir : str, Path or None, default=None
        Where fitted arrays are cached (``.npz``); None computes them every time.
    """

    folds: int = 5
    seed: int = 0
    cache_dir: str | Path | None = None


@dataclass(frozen=True)
class Completion:
    """What building the evidence computed from the model.

    Parameters
    ----------
    computed : tuple of str
        The arrays computed (``"train_probs"``, ``"val_probs"``), sorted.
    problem : str
        Why nothing was computed when the model could not be fitted, else "".
    seconds_per_fit : float
        Measured cost of the ``val_probs`` fit (0.0 when it came from the cache).
    warnings : tuple of str
        What the model warned while it was fitted, one entry per warning (see :func:`warning_key`).
    """

    computed: tuple[str, ...] = ()
    problem: str = ""
    seconds_per_fit: float = 0.0
    warnings: tuple[str, ...] = ()

    def note(self) -> str | None:
        """The diagnosis' note saying what was computed, or None."""
        if not self.computed:
            return None
        return "computed from the model: " + "; ".join(f"{n} ({HOW[n]})" for n in self.computed)


def warning_key(warning: warnings.WarningMessage) -> str:
    """A warning as one short line: ``"<Category>: <first line of the message>"``."""
    text = str(warning.message).strip()
    first_line = text.splitlines()[0] if text else ""
    return f"{warning.category.__name__}: {first_line[:160]}"


def complete_probabilities(evidence: Evidence, settings: CompletionSettings) -> Evidence:
    """``evidence`` with the missing probabilities computed from ``evidence.model``.

    Nothing is computed without a model, training features and labels, or two classes.
    A model that cannot be fitted on these arrays leaves the evidence as given, with the
    reason in ``evidence.completion.problem`` (the diagnosis goes on without it); a train
    function returning something unusable raises :class:`~gapdoctor.GapdoctorInputError`.

    Parameters
    ----------
    evidence : Evidence
        Validated; ``model`` set.
    settings : CompletionSettings

    Returns
    -------
    Evidence
        With ``completion`` set (and the probabilities filled in) when a model is given.
    """
    ev = evidence
    if ev.model is None:
        return ev
    if ev.X_train is None or ev.y_train is None or ev.n_classes < 2:
        return replace(ev, completion=Completion())
    from gapdoctor.fitting.trainer import Trainer, out_of_fold_probs  # the fitting machinery, only now

    trainer = Trainer(ev.model, max(ev.n_classes, 2), seed=settings.seed)
    # the user's model is fitted on float64 features, as before the door kept float32 splits as given
    X_train, y_train, X_val = np.asarray(ev.X_train, dtype=np.float64), ev.y_train, _float64(ev.X_val)
    cached = _ArrayCache(ev, trainer, settings)
    updates: dict[str, FloatArray] = {}
    seconds = 0.0
    with warnings.catch_warnings(record=True) as caught:  # the user's model warns in our fits: noted, not raised
        warnings.simplefilter("always")
        try:
            if ev.train_probs is None:
                updates["train_probs"] = cached(
                    "train_probs",
                    lambda: out_of_fold_probs(trainer, X_train, y_train, folds=settings.folds, seed=settings.seed),
                )
            if X_val is not None and ev.y_val is not None and ev.val_probs is None:
                started = time.perf_counter()
                updates["val_probs"] = cached(
                    "baseline_val_probs", lambda: _predicted(trainer.fit_predict(X_train, y_train, X_val))
                )
                seconds = time.perf_counter() - started if not cached.hit else 0.0
            problem = ""
        except GapdoctorInputError:
            raise
        except Exception as error:  # the model cannot be trained on these arrays: say so, diagnose anyway
            problem = f"the model could not be fitted ({type(error).__name__}: {error})"
    said = tuple(warning_key(w) for w in caught)
    if problem:
        return replace(ev, completion=Completion(problem=problem, warnings=said))
    return replace(
        ev,
        train_probs=updates.get("train_probs", ev.train_probs),
        val_probs=updates.get("val_probs", ev.val_probs),
        completion=Completion(tuple(sorted(updates)), "", seconds, said),
    )


def _predicted(probs: FloatArray | list[FloatArray]) -> FloatArray:
    assert not isinstance(probs, list)  # one matrix was asked for
    return probs


class _ArrayCache:
    """Fitted arrays cached under the data, the model and the settings (npz, through the experiment cache)."""

    def __init__(self, evidence: Evidence, trainer: Trainer, settings: CompletionSettings) -> None:
        self.hit = False
        self._store: ExperimentCache | None = None
        if settings.cache_dir is not None:
            from gapdoctor.fitting.cache import ExperimentCache

            self._store = ExperimentCache(settings.cache_dir)
        self._evidence, self._trainer, self._settings = evidence, trainer, settings

    def __call__(self, name: str, compute: Callable[[], FloatArray]) -> FloatArray:
        self.hit = False
        if self._store is None:
            return compute()
        s = self._settings
        key = self._store.key_for(self._evidence, self._trainer, [s.folds, s.seed], {"probabilities": name})
        stored = self._store.get_array(key)
        if stored is not None:
            self.hit = True
            return np.asarray(stored, dtype=np.float64)
        value = compute()
        self._store.put_array(key, value)
        return value


def _float64(X: FeatureArray | None) -> FloatArray | None:
    """``X`` in float64 (a copy of a float32 split, made only when a model is fitted on it)."""
    return None if X is None else np.asarray(X, dtype=np.float64)
