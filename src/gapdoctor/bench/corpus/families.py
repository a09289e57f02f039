"""The families a corpus scenario is drawn from: data sets, model families, training settings.

Every family has a name; a drawn scenario records the names it was drawn from (its
``families``), so the corpus can be split by family (:mod:`gapdoctor.bench.corpus.split`).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

from gapdoctor.bench._common import FloatArray, IntArray, load, synthetic
from gapdoctor.bench.training import SKLEARN_MLP, Trainer

__all__ = [
    "DATASETS",
    "FIXED_FEATURES",
    "KNOWN_DATASETS",
    "KNOWN_MODELS",
    "MLP_MODELS",
    "MODELS",
    "OPT_IN_DATASETS",
    "OPT_IN_MODELS",
    "TORCH_MODELS",
    "Dataset",
    "available_models",
    "draw_synthetic_options",
    "fixed_rows",
    "load_dataset",
    "trainer_for",
]

BUNDLED = ("digits", "iris", "wine", "breast_cancer")
"""Every classification set bundled with scikit-learn (no download)."""

BUNDLED_FEATURES = {"digits": 64, "iris": 4, "wine": 13, "breast_cancer": 30}
"""Number of features of each bundled set (a covariate shift draws one of them)."""

SYNTHETIC = ("synthetic_binary", "synthetic_multiclass", "synthetic_wide")
"""``make_classification`` variants: two classes; 3-5 classes; 60-100 features of which few inform."""

DATASETS: tuple[str, ...] = BUNDLED + SYNTHETIC
"""Every data-set family drawn by default."""

OPT_IN_DATASETS: tuple[str, ...] = ("mnist1d",)
"""Data-set families drawn only when named (``datasets=`` / ``--datasets``), never by default: mnist1d
(:mod:`gapdoctor.bench.corpus.mnist1d`, the ``bench`` extra), ten one-dimensional digit templates
shifted, scaled, sheared and noised, generated locally. It came after the corpus's seeds were read, as
the CNN did: no calibration scenario was drawn on it (``evaluate --hold-out dataset=mnist1d``)."""

KNOWN_DATASETS = DATASETS + OPT_IN_DATASETS
"""Every data-set family the corpus can draw: the default ones and those drawn only when named."""

FIXED_FEATURES = {**BUNDLED_FEATURES, "mnist1d": 40}
"""Number of features of each data set whose rows are fixed (not drawn): the bundled sets and mnist1d."""

MODELS: tuple[str, ...] = ("sklearn_mlp", "logistic", "torch_mlp")
"""Model families: scikit-learn's MLP; multinomial logistic regression (the same optimiser, no
hidden layer); a small torch MLP (only when torch is installed: the ``torch`` extra)."""

OPT_IN_MODELS: tuple[str, ...] = ("torch_cnn",)
"""Model families drawn only when named (``models=`` / ``--models``), never by default: a small torch
CNN (:mod:`gapdoctor.bench.corpus.torch_cnn`). It came after the corpus's seeds were read: adding it to
the default draw would change what every seed draws. No calibration scenario was trained by it, so
a batch of it is a model family the scoring policy never saw (``evaluate --hold-out model=torch_cnn``)."""

KNOWN_MODELS = MODELS + OPT_IN_MODELS
"""Every model family the corpus can train: the default ones and those drawn only when named."""

TORCH_MODELS = ("torch_mlp", "torch_cnn")
"""The model families trained by torch (the ``torch`` extra)."""

MLP_MODELS = ("sklearn_mlp", "torch_mlp", "torch_cnn")
"""The model families with a hidden layer (enough capacity to memorise)."""

SYNTHETIC_ROWS = (1200, 3000)
"""Range of ``n_samples`` drawn for a synthetic data set: enough for every recipe's splits."""


@dataclass(frozen=True)
class Dataset:
    """Features, class ids and the family name of one drawn data set."""

    name: str
    X: FloatArray
    y: IntArray
    options: dict[str, Any]

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return int(self.y.max()) + 1


def draw_synthetic_options(name: str, rng: np.random.Generator, **fixed: Any) -> dict[str, Any]:
    """``make_classification`` options for one synthetic family, drawn; ``fixed`` overrides them."""
    options: dict[str, Any] = {
        "n_samples": int(rng.integers(*SYNTHETIC_ROWS)),
        "class_sep": round(float(rng.uniform(0.7, 1.5)), 3),
        "flip_y": 0.0,
    }
    if name == "synthetic_binary":
        options.update(n_features=int(rng.integers(10, 31)), n_informative=int(rng.integers(4, 9)), n_classes=2)
    elif name == "synthetic_multiclass":
        options.update(n_features=20, n_informative=int(rng.integers(6, 11)), n_classes=int(rng.integers(3, 6)))
    elif name == "synthetic_wide":
        options.update(
            n_features=int(rng.integers(60, 101)),
            n_informative=int(rng.integers(4, 9)),
            n_redundant=4,
            n_classes=int(rng.integers(2, 4)),
        )
    else:
        raise ValueError(f"unknown synthetic family {name!r}; use one of {', '.join(SYNTHETIC)}")
    options.update(fixed)
    return options


def fixed_rows(name: str) -> tuple[FloatArray, IntArray] | None:
    """The rows of a data set that is not drawn (a bundled set, mnist1d); None for a synthetic family."""
    if name in BUNDLED:
        return load(name)
    if name == "mnist1d":
        from gapdoctor.bench.corpus.mnist1d import mnist1d_rows

        return mnist1d_rows()
    return None


def load_dataset(name: str, seed: int, rng: np.random.Generator, **fixed: Any) -> Dataset:
    """One data set of family ``name``: a bundled set, or a ``make_classification`` draw.

    Parameters
    ----------
    name : str
        One of :data:`KNOWN_DATASETS`.
    seed : int
        Seed of ``make_classification``.
    rng : numpy.random.Generator
        Draws the synthetic options.
    **fixed
        ``make_classification`` options that override the drawn ones (a recipe's needs).

    Returns
    -------
    Dataset

    Examples
    --------
    >>> import numpy as np
    >>> data = load_dataset("synthetic_binary", 0, np.random.default_rng(0), n_samples=200)
    >>> data.X.shape[0], data.n_classes
    (200, 2)
    """
    rows = fixed_rows(name)
    if rows is not None:
        return Dataset(name, *rows, {})
    options = draw_synthetic_options(name, rng, **fixed)
    X, y = synthetic(seed, **options)
    return Dataset(name, X, y, options)


def available_models() -> tuple[str, ...]:
    """The model families drawn by default here: torch_mlp only when torch is installed (never
    :data:`OPT_IN_MODELS`)."""
    if importlib.util.find_spec("torch") is None:
        return tuple(m for m in MODELS if m not in TORCH_MODELS)
    return MODELS


def trainer_for(model: str) -> Trainer:
    """The :class:`~gapdoctor.bench.training.Trainer` of a model family (logistic: ``hidden=()``)."""
    if model in ("sklearn_mlp", "logistic"):
        return SKLEARN_MLP
    if model == "torch_mlp":
        from gapdoctor.bench.corpus.torch_mlp import TORCH_MLP

        return TORCH_MLP
    if model == "torch_cnn":
        from gapdoctor.bench.corpus.torch_cnn import TORCH_CNN

        return TORCH_CNN
    raise ValueError(f"unknown model family {model!r}; use one of {', '.join(KNOWN_MODELS)}")
