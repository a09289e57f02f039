"""One way to train, whatever the user gave: a scikit-learn estimator or a train function.

gapdoctor re-trains the user's model to compute missing probabilities and to run the
confirming experiments. Two kinds of ``model=`` are accepted.

**A scikit-learn-style estimator** (anything with ``fit`` and ``predict_proba``,
pipelines included). It is cloned for every fit; a ``random_state`` left at None is
set to the settings' seed so that the fits compared differ only by the intervention;
``sample_weight`` reaches the final step of a :class:`~sklearn.pipeline.Pipeline` as
``<step>__sample_weight``; stronger regularisation is applied with ``set_params``.

**A train function**, for everything else (a PyTorch loop, Keras, XGBoost's native
API)::

    def train(X, y, *, config):
        # X: float ndarray (n_rows, n_features); y: int ndarray of class ids 0..k-1
        model = build_and_fit(X, y,
                              sample_weight=config.get("sample_weight"),
                              epochs=config.get("max_epochs", DEFAULT_EPOCHS))
        return lambda X_new: model.predict_proba(X_new)   # -> (n_new, k) probabilities

``config`` is a plain dict. Rows and features an intervention removes are removed from
``X`` and ``y`` before the call, so the function only reads what the data cannot say:

=================  ==========================================================
``intervention``   str: ``"baseline"`` or the experiment's name
``n_classes``      int: columns the returned probabilities must have
``seed``           int: seed for anything random
``sample_weight``  ndarray (n_rows,), optional: per-row weights to train with
``class_weight``   dict class id -> weight, optional (already folded into
                   ``sample_weight``; given for losses that take class weights)
``max_epochs``     int, optional: stop after this many epochs (early stopping)
=================  ==========================================================

Keys a function does not understand should be ignored. The features are the validated
float matrix gapdoctor builds (string columns ordinal-encoded, NaN for missing) and the
labels are the encoded ids ``0..k-1`` (``Evidence.classes[i]`` is the original label).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.fitting.kinds import is_train_function
from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = ["TrainFunction", "Trainer", "is_train_function", "out_of_fold_probs"]

TrainFunction = Callable[..., Callable[[FloatArray], Any]]
"""``train(X, y, *, config) -> predict_proba``; see the module docstring."""


def _final_step_name(model: Any) -> str | None:
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps and isinstance(steps[-1], tuple):
        return str(steps[-1][0])
    return None


@dataclass(frozen=True)
class Trainer:
    """Fits the user's model on given rows and returns class probabilities.

    Parameters
    ----------
    model : estimator or train function
    n_classes : int
    seed : int, default=0
    """

    model: Any
    n_classes: int
    seed: int = 0

    @property
    def is_estimator(self) -> bool:
        """True for a scikit-learn-style estimator, False for a train function."""
        return not is_train_function(self.model)

    def params(self) -> dict[str, Any]:
        """The estimator's parameters (``get_params``), or {} for a train function."""
        get_params = getattr(self.model, "get_params", None)
        return dict(get_params(deep=True)) if self.is_estimator and get_params is not None else {}

    def final_param(self, name: str) -> str | None:
        """The ``set_params`` key of parameter ``name`` of the final estimator, if it has one."""
        step = _final_step_name(self.model)
        key = name if step is None else f"{step}__{name}"
        return key if key in self.params() else None

    def identity(self) -> str:
        """A stable text that changes when the model or its parameters change (cache key)."""
        if self.is_estimator:
            params = sorted((k, repr(v)) for k, v in self.params().items())
            return f"{type(self.model).__module__}.{type(self.model).__qualname__}:{params!r}"
        # a function is identified by its name and source; a callable object by its class's
        target = self.model if inspect.isfunction(self.model) or inspect.ismethod(self.model) else type(self.model)
        name = f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', '')}"
        try:
            source = inspect.getsource(target)
        except (OSError, TypeError):
            source = repr(self.model)
        return f"{name}:{hashlib.sha256(source.encode()).hexdigest()}"

    def fit_predict(
        self,
        X_fit: FloatArray,
        y_fit: IntArray,
        X_predict: FloatArray | list[FloatArray],
        config: Mapping[str, Any] | None = None,
    ) -> FloatArray | list[FloatArray]:
        """Fit on ``(X_fit, y_fit)`` with ``config`` and predict probabilities.

        Parameters
        ----------
        X_fit, y_fit : ndarray
        X_predict : ndarray or list of ndarray
            Rows to predict; a list gives one probability matrix per entry.
        config : mapping, optional
            ``intervention``, ``sample_weight``, ``class_weight``, ``max_epochs``; for
            estimators also ``params`` (``set_params`` overrides).

        Returns
        -------
        ndarray of shape (n, n_classes), or a list of them
        """
        config = dict(config or {})
        if self.is_estimator:
            predict = self._fit_estimator(X_fit, y_fit, config)
        else:
            predict = self._fit_function(X_fit, y_fit, config)
        if isinstance(X_predict, list):
            return [predict(X) for X in X_predict]
        return predict(X_predict)

    def _fit_estimator(self, X: FloatArray, y: IntArray, config: dict[str, Any]) -> Callable[[FloatArray], FloatArray]:
        from sklearn.base import clone

        estimator = clone(self.model)
        params = dict(config.get("params") or {})
        for key, value in estimator.get_params().items():  # unseeded steps: seeded, so fits compare
            if (key == "random_state" or key.endswith("__random_state")) and value is None:
                params.setdefault(key, self.seed)
        if params:
            estimator.set_params(**params)
        fit_kwargs: dict[str, Any] = {}
        weights = config.get("sample_weight")
        if weights is not None:
            step = _final_step_name(estimator)
            fit_kwargs[f"{step}__sample_weight" if step else "sample_weight"] = np.asarray(weights, dtype=np.float64)
        estimator.fit(X, y, **fit_kwargs)
        fitted_classes = np.asarray(estimator.classes_, dtype=np.int64)

        def predict(X_new: FloatArray) -> FloatArray:
            out = np.zeros((X_new.shape[0], self.n_classes))
            out[:, fitted_classes] = np.asarray(estimator.predict_proba(X_new), dtype=np.float64)
            return out

        return predict

    def _fit_function(self, X: FloatArray, y: IntArray, config: dict[str, Any]) -> Callable[[FloatArray], FloatArray]:
        config.pop("params", None)  # estimator-only
        config.setdefault("intervention", "baseline")
        config["n_classes"] = self.n_classes
        config.setdefault("seed", self.seed)
        predict_proba = self.model(X, y, config=config)
        if not callable(predict_proba):
            raise GapdoctorInputError(
                "model",
                f"the train function returned {type(predict_proba).__name__}, not a predict_proba callable",
                "return a function X -> (n_rows, n_classes) probabilities, e.g. `return model.predict_proba`",
            )

        def predict(X_new: FloatArray) -> FloatArray:
            raw = predict_proba(X_new)
            if hasattr(raw, "detach"):  # a torch tensor
                raw = raw.detach().cpu().numpy()
            probs = np.asarray(raw, dtype=np.float64)
            if probs.shape != (X_new.shape[0], self.n_classes):
                raise GapdoctorInputError(
                    "model",
                    f"the returned predict_proba gave shape {probs.shape}, expected {(X_new.shape[0], self.n_classes)}",
                    "return one probability column per class id 0..k-1 (softmax outputs)",
                )
            return probs

        return predict


def out_of_fold_probs(trainer: Trainer, X: FloatArray, y: IntArray, *, folds: int = 5, seed: int = 0) -> FloatArray:
    """Out-of-fold probabilities for every row, by stratified K-fold.

    Parameters
    ----------
    trainer : Trainer
    X, y : ndarray
    folds : int, default=5
        Lowered to the size of the smallest class when that is smaller (at least 2).
    seed : int, default=0

    Returns
    -------
    ndarray of shape (n_rows, n_classes)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> probs = out_of_fold_probs(Trainer(LogisticRegression(max_iter=500), 3), X, y, folds=3)
    >>> probs.shape, bool(abs(probs.sum(axis=1) - 1).max() < 1e-9)
    ((150, 3), True)
    """
    counts = np.bincount(y)
    n_splits = max(2, min(folds, int(counts[counts > 0].min())))
    out = np.zeros((len(y), trainer.n_classes))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fit_rows, held_rows in splitter.split(X, y):
        probs = trainer.fit_predict(X[fit_rows], y[fit_rows], X[held_rows], {"intervention": "out_of_fold"})
        assert not isinstance(probs, list)
        out[held_rows] = probs
    return out
