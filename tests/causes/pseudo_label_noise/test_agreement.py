"""Labels learnt but wrong: a source's self-agreement minus its validation accuracy, over the trusted source's.

The real-data runs are corpus-like pseudo-labelled runs (``make_classification``, 60 human
rows, a decision stump fitted on them labels the other rows, a scikit-learn MLP trained on
every row with the bench's recorder view). Before this test, such runs headlined the label-prior
shift the teacher makes, or the overfitting it causes; the learnt-but-wrong excess names the
teacher's source and ranks it first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench._common import mlp_run, split, synthetic
from gapdoctor.bench.faults_data import with_pseudo_labels
from gapdoctor.causes.pseudo_label_noise.agreement import agreement_of
from gapdoctor.causes.pseudo_label_noise.score import LEARNT_AT_REPORT, LEARNT_P_VALUE
from gapdoctor.inputs.evidence import build_evidence
from tests.seeds import each_seed

_HUMAN_ROWS = 60


def _pseudo_labelled_run(seed: int, teacher: Any | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """diagnose() inputs of a recorded MLP run on 60 human and ~1,340 teacher-labelled rows (None: kept correct)."""
    X, y = synthetic(seed, n_samples=2300, n_features=15, n_informative=6, n_classes=3, class_sep=1.0, flip_y=0.0)
    data = split(X, y, train_size=1400, val_size=900, seed=seed)
    if teacher is None:
        human = np.zeros(len(data.y_train), dtype=bool)
        human[np.random.default_rng(seed).choice(len(human), _HUMAN_ROWS, replace=False)] = True
        mixed, sources, facts = data, np.where(human, "human", "pseudo"), {"pseudo_label_error_rate": 0.0}
    else:
        mixed, sources, facts = with_pseudo_labels(data, _HUMAN_ROWS, teacher, seed)
    with threadpool_limits(1):
        run = mlp_run(mixed, seed=seed, epochs=40, hidden=(64,), lr=0.003, alpha=0.0, batch_size=64)
    return {**run.diagnose_kwargs(), "sources_train": sources}, facts


def _stump() -> DecisionTreeClassifier:
    return DecisionTreeClassifier(max_depth=1, random_state=0)


@each_seed
def test_a_stump_teachers_run_headlines_pseudo_label_noise_on_what_its_labels_teach_wrong(seed: int) -> None:
    inputs, facts = _pseudo_labelled_run(seed, _stump())
    assert facts["pseudo_label_error_rate"] >= 0.15  # the teacher really is weak
    with threadpool_limits(1):
        diagnosis = gapdoctor.diagnose(**inputs)
    top = diagnosis.top
    assert top is not None and top.cause == "pseudo_label_noise" and top.score >= 0.5, diagnosis.verdict
    evidence = top.evidence
    assert evidence["noisiest_source"] == "pseudo" and evidence["reference_source"] == "human"
    # the learnt-but-wrong excess names it; the flag-rate deficit below the trusted source, the same
    # consistent errors seen by confident learning, may be as strong and be the one quoted first
    assert evidence["blamed_by"] in ("labels learnt but wrong", "flagged less than the trusted source")
    assert evidence["learnt_p_value"] < LEARNT_P_VALUE and evidence["learnt_excess_low_pct_points"] > 0
    assert evidence["learnt_excess_pct_points"] >= 100 * LEARNT_AT_REPORT
    # the teacher's labels agree with themselves far more than with the validation labels
    assert evidence["self_agreement_pct"] - evidence["self_val_accuracy_pct"] > (
        evidence["reference_self_agreement_pct"] - evidence["reference_val_accuracy_pct"]
    )
    assert "as if right" in top.summary
    # the overfitting the teacher's labels cause waits behind its root cause (CauseInfo.explains), saying why
    overfitting = next(f for f in diagnosis.findings if f.cause == "overfitting")
    if overfitting.score > top.score:
        assert top.ranked_ahead_because is not None and "pseudo_label_noise explains it" in top.ranked_ahead_because


@each_seed
def test_equally_clean_sources_show_no_learnt_excess(seed: int) -> None:
    inputs, _ = _pseudo_labelled_run(seed, None)
    keep = ("X_train", "y_train", "X_val", "y_val", "sources_train")
    (pseudo,) = agreement_of(build_evidence(**{k: inputs[k] for k in keep}))
    assert pseudo["source"] == "pseudo" and pseudo["reference"] == "human"
    assert pseudo["p_value"] >= LEARNT_P_VALUE and pseudo["low"] <= 0.1  # not significant, and small if any
    with threadpool_limits(1):
        diagnosis = gapdoctor.diagnose(**inputs)
    finding = next((f for f in diagnosis.findings if f.cause == "pseudo_label_noise"), None)
    assert finding is None or finding.score < 0.5


def test_the_reference_is_the_other_sources_pooled_without_a_trusted_name() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] > 0).astype(int)
    sources = np.where(np.arange(400) < 200, "vendor_a", "vendor_b")
    y_given = y.copy()
    y_given[200:] = (X[200:, 1] > 0).astype(int)  # vendor_b labels another (learnable) function
    evidence = build_evidence(X_train=X, y_train=y_given, X_val=X[:100], y_val=y[:100], sources_train=sources)
    by_source = {a["source"]: a for a in agreement_of(evidence)}
    assert set(by_source) == {"vendor_a", "vendor_b"}
    assert all(a["reference"] == "the other sources" for a in by_source.values())
    assert by_source["vendor_b"]["excess"] > 0.2 and by_source["vendor_b"]["p_value"] < LEARNT_P_VALUE


@pytest.mark.parametrize("missing", ["X_val", "y_val", "X_train"])
def test_without_features_or_validation_labels_nothing_is_measured(missing: str) -> None:
    rng = np.random.default_rng(0)
    inputs = {
        "X_train": rng.normal(size=(100, 3)),
        "y_train": rng.integers(0, 2, 100),
        "X_val": rng.normal(size=(50, 3)),
        "y_val": rng.integers(0, 2, 50),
        "sources_train": np.where(np.arange(100) < 50, "human", "pseudo"),
    }
    del inputs[missing]
    assert agreement_of(build_evidence(**inputs)) == []
