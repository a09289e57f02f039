"""Helpers for the experiment tests: a fast real model, one-finding experiments, label flips."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from gapdoctor import demo
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.causes.preprocessing_leakage.result import TrainOnlySignal
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


def leak_finding(*features: str, score: float = 0.9) -> Finding:
    """A train-only-signal leakage finding naming ``features`` (what the check builds, densities left empty)."""
    plotted: list[Any] = [
        {"name": name, "bin_edges": [], "train": [], "val": [], "statistic": 0.0, "label": ""} for name in features
    ]
    result = TrainOnlySignal(
        features_train_only_signal=len(features),
        identifier_like_features=0,
        association="Kruskal-Wallis epsilon²",
        leaky={f"leaky_{i}": name for i, name in enumerate(features, start=1)},
        identifier={},
        features=plotted,
    )
    return Finding("preprocessing_leakage", score, "leak", check=TrainOnlySignal.CHECK, result=result)


def label_encoding_finding(classes: list[str], val_label_to_true: list[str], score: float = 0.9) -> Finding:
    """A label-encoding pipeline-bug finding carrying this mapping (what the check builds)."""
    result = LabelEncoding(
        split="y_val",
        val_accuracy_as_given=0.5,
        val_accuracy_best_mapping=0.9,
        gain_z=10.0,
        classes_remapped=sum(a != b for a, b in zip(classes, val_label_to_true, strict=True)),
        mapping_text="",
        mapping={"classes": classes, "val_label_to_true": val_label_to_true},
    )
    return Finding("pipeline_bug", score, "mapping", check=LabelEncoding.CHECK, result=result)
