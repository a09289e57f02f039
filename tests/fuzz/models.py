"""Models for the fuzz suite: a cheap working one and users' models that fail in different ways."""

from __future__ import annotations

from typing import Any

import numpy as np


class UniformModel:
    """A scikit-learn-style classifier that predicts the training class frequencies."""

    def __init__(self) -> None:
        self.freq = np.ones(1)

    def fit(self, X: Any, y: Any) -> UniformModel:
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        self.freq = counts / counts.sum()
        self.classes_ = np.arange(len(counts))
        return self

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        return np.tile(self.freq, (len(X), 1))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> UniformModel:
        return self


class BrokenModel(UniformModel):
    """A user's model that fails: its fit raises, or its probabilities have the wrong shape or NaN."""

    def __init__(self, how: str = "raises") -> None:
        super().__init__()
        self.how = how

    def fit(self, X: Any, y: Any) -> BrokenModel:
        if self.how == "raises":
            raise ValueError("a bug in the user's model")
        return super().fit(X, y)

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        if self.how == "nan":
            return np.full((len(X), len(self.freq)), np.nan)
        return np.ones((len(X), len(self.freq) + 3))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"how": self.how}


def _train_wrong(X: Any) -> None:
    return None


def _train_uniform(X: Any, y: Any, *, config: Any) -> Any:
    return UniformModel().fit(X, y).predict_proba


MODELS: tuple[Any, ...] = (
    UniformModel(),
    BrokenModel("raises"),
    BrokenModel("nan"),
    BrokenModel("shape"),
    _train_uniform,
    "logistic",
    3,
    object(),
    _train_wrong,
    len,
)
try:
    from gapdoctor.experiments import ExperimentSettings

    FAST_SETTINGS: Any = ExperimentSettings(
        max_fits=2, max_seconds=5.0, n_bootstrap=50, n_repeats=2, cv_folds=2, cache_dir=None
    )
except ImportError:  # pragma: no cover
    FAST_SETTINGS = None
