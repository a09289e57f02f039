"""Confirming experiments: re-train with the fix for each leading cause and measure.

Give :func:`gapdoctor.diagnose` a model — an unfitted scikit-learn-style estimator, or
a train function ``train(X, y, *, config) -> predict_proba`` (see
:mod:`gapdoctor.fitting.trainer`) — and gapdoctor (1) computes the probabilities
you did not pass while it builds the evidence (out-of-fold ``train_probs``, ``val_probs``
from a fit on train: :mod:`gapdoctor.inputs.completion`, with this package's trainer),
and (2) for each leading finding re-trains with that cause's fix and reports, in
``Finding.experiment``::

    {"intervention": str, "before": float, "after": float,
     "interval": [low, high],        # 95% interval of "after"
     "verdict": "confirmed" | "refuted" | "inconclusive",
     "metric": str, "n_fits": int, "seconds": float, "cached": bool, "details": {...}}

Confirmed findings rank first, refuted ones are demoted. Where the check stated no
``Finding.gain`` and the experiment applied the fix itself (label noise: re-training
without the mislabelled rows), the gain it measured becomes ``Finding.gain``. Tune the budget with
``diagnose(..., experiments=ExperimentSettings(max_fits=..., max_seconds=..., n_jobs=...))``
or turn experiments off with ``experiments=False``.

Each cause's intervention lives in its folder (``causes/<cause>/experiment.py``);
:mod:`~gapdoctor.experiments.lab` holds what they share and
:mod:`~gapdoctor.experiments.runner` runs them.
"""

from __future__ import annotations

from gapdoctor.experiments.lab import INTERVENTIONS, ExperimentSettings, Lab, SkipExperiment
from gapdoctor.experiments.runner import prepare_lab, run_experiments
from gapdoctor.fitting.cache import ExperimentCache
from gapdoctor.fitting.trainer import Trainer, TrainFunction, is_train_function, out_of_fold_probs

__all__ = [
    "INTERVENTIONS",
    "ExperimentCache",
    "ExperimentSettings",
    "Lab",
    "SkipExperiment",
    "TrainFunction",
    "Trainer",
    "is_train_function",
    "out_of_fold_probs",
    "prepare_lab",
    "run_experiments",
]
