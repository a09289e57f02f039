"""Helpers for the experiment tests: a fast real model, one-finding experiments, label flips."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from gapdoctor import demo
from gapdoctor.experiments import ExperimentSettings, prepare_lab, run_experiments
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.inputs.evidence import build_evidence

FAST = ExperimentSettings(cache_dir=None, progress=False, n_bootstrap=300)


def logistic() -> Pipeline:
    """A fast, real model: standardise then logistic regression."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def experiment_for(
    finding: Finding, model: Any, settings: ExperimentSettings = FAST, **data: Any
) -> tuple[dict[str, Any] | None, Diagnosis]:
    """Run the experiment for one constructed finding; (experiment dict, diagnosis)."""
    lab = prepare_lab(build_evidence(model=model, **data), settings)
    diagnosis = run_experiments(Diagnosis(findings=[finding], checks=[]), lab)
    experiment = diagnosis.findings[0].experiment
    return (None if experiment is None else dict(experiment)), diagnosis


def improved_beyond_interval(experiment: dict[str, Any], greater_is_better: bool = True) -> bool:
    """The whole interval of ``after`` is better than ``before``."""
    low, high = experiment["interval"]
    return bool(low > experiment["before"]) if greater_is_better else bool(high < experiment["before"])


def flip_labels(y: np.ndarray, fraction: float, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Flip ``fraction`` of the labels to another class (the demo's injection); (noisy labels, flipped rows)."""
    return demo.flip_labels(y, fraction, n_classes, np.random.default_rng(seed))
