"""Probabilities completed from model= while the evidence is built, before and without any experiment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor import demo
from gapdoctor.inputs.completion import CompletionSettings
from gapdoctor.inputs.evidence import build_evidence
from tests.seeds import each_seed


def _logistic() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _noisy_digits(seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=500, stratify=y, random_state=seed)
    y_noisy, flipped = demo.flip_labels(y_train, 0.3, 10, np.random.default_rng(seed))
    return {"X_train": X_train, "y_train": y_noisy, "X_val": X_val, "y_val": y_val}, flipped


@each_seed
def test_diagnose_with_a_model_and_no_experiments_judges_label_noise_from_completed_probs(seed: int) -> None:
    data, flipped = _noisy_digits(seed)
    diagnosis = gapdoctor.diagnose(**data, model=_logistic(), experiments=False)
    assert diagnosis.inputs["train_probs"] == [500, 10] and diagnosis.inputs["val_probs"] == [len(data["y_val"]), 10]
    run = next(r for r in diagnosis.checks if r.name == "label_noise.confident_learning")
    assert run.status == "ran", run.reason
    noise = next(f for f in diagnosis.reported if f.cause == "label_noise")
    assert noise.rows is not None
    # from the completed out-of-fold probabilities it finds most flipped rows, and flags them far
    # above the 30% a blind guess would hit
    hits = len(set(noise.rows) & set(flipped.tolist()))
    assert hits > 0.8 * len(flipped) and hits > 0.5 * len(noise.rows)
    assert all(f.experiment is None for f in diagnosis.findings)
    how = "train_probs (out of fold, by stratified cross-validation); val_probs (from a fit on train)"
    assert f"computed from the model: {how}" in diagnosis.notes


def test_only_the_missing_probabilities_are_computed_and_out_of_fold() -> None:
    data, _ = _noisy_digits(0)
    given = np.full((len(data["y_val"]), 10), 0.1)
    evidence = build_evidence(**data, val_probs=given, model=_logistic(), completion=CompletionSettings(folds=3))
    assert evidence.completion is not None and evidence.completion.computed == ("train_probs",)
    assert evidence.val_probs is not None and np.array_equal(evidence.val_probs, given)
    assert evidence.train_probs is not None and evidence.train_probs.shape == (500, 10)
    in_sample = _logistic().fit(data["X_train"], data["y_train"]).predict_proba(data["X_train"])
    assert evidence.y_train is not None
    # out-of-fold predictions cannot have memorised the flipped labels: they agree with them far less
    assert (
        np.mean(evidence.train_probs.argmax(1) == evidence.y_train)
        < np.mean(in_sample.argmax(1) == evidence.y_train) - 0.1
    )


def test_completed_arrays_are_cached_as_npz(tmp_path: object) -> None:
    data, _ = _noisy_digits(0)
    settings = CompletionSettings(folds=2, cache_dir=str(tmp_path))
    first = build_evidence(**data, model=_logistic(), completion=settings)
    second = build_evidence(**data, model=_logistic(), completion=settings)
    assert first.completion is not None and first.completion.seconds_per_fit > 0
    assert second.completion is not None and second.completion.seconds_per_fit == 0.0  # read back, not fitted
    assert first.train_probs is not None and second.train_probs is not None
    assert np.array_equal(first.train_probs, second.train_probs)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".npz", ".npz"]  # type: ignore[attr-defined]


def test_a_model_that_cannot_fit_leaves_the_evidence_as_given() -> None:
    from sklearn.naive_bayes import CategoricalNB

    data, _ = _noisy_digits(0)
    # categories CategoricalNB never saw in training: its predict_proba raises on validation
    evidence = build_evidence(**{**data, "X_val": data["X_val"] + 100}, model=CategoricalNB())
    assert evidence.train_probs is None and evidence.val_probs is None
    assert evidence.completion is not None and evidence.completion.problem.startswith("the model could not be fitted")


def test_a_diagnosis_without_a_model_imports_no_experiment_machinery() -> None:
    code = (
        "import sys\n"
        "import gapdoctor\n"
        "from gapdoctor.inputs.evidence import build_evidence\n"
        "ev = build_evidence(X_train=[[0.0], [1.0]], y_train=[0, 1])\n"
        "assert ev.completion is None\n"
        "d = gapdoctor.diagnose(X_train=[[0.0], [1.0]] * 9, y_train=[0, 1] * 9, X_val=[[0.5]] * 4, y_val=[0, 1] * 2)\n"
        "assert any(run.status == 'ran' for run in d.checks)\n"
        "print(sorted(m for m in sys.modules if m.startswith('gapdoctor.experiments')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
