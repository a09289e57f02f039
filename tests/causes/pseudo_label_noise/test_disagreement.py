"""Labels the validation labels contradict: fresh pseudo-labelled runs on the bundled digits set (not bench scenarios).

A logistic-regression teacher (C = 0.01) fitted on 60 human rows labels the rest (10-22% wrong).
With 60 trusted rows the fitted-on-a-source tests vary by several points whatever the labels:
over 10 random splits main's check found the source in 2 (scores 0.1 in the others, from the
flag rate alone); judges fitted once on the validation rows contradict the pseudo labels clearly
more often than the human ones, and the check now finds it in 7.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.pseudo_label_noise.disagreement import disagreement_of, permutation_p_value
from gapdoctor.causes.pseudo_label_noise.score import (
    COMBINED_P_VALUE,
    DISAGREED_P_VALUE,
    LEARNT_P_VALUE,
    TAUGHT_P_VALUE,
    combined_p_value,
)
from gapdoctor.causes.registry import get_check
from gapdoctor.engine import run_checks
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.budget import JUDGE_TREE_CELLS, JUDGE_TREE_MIN_ROWS, recording_sampling

_HUMAN_ROWS = 60
_BY_DISAGREEMENT = (
    "labels the validation labels contradict",
    "what its labels teach and labels the validation labels contradict, together",
)


def _run(seed: int, *, teacher: bool = True, human_flip: float = 0.0) -> tuple[dict[str, Any], Any]:
    """diagnose() inputs on digits: 60 human rows, the rest labelled by a weak teacher (or kept correct); and the
    training rows' true labels."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    human = np.zeros(len(y_train), dtype=bool)
    human[rng.choice(len(y_train), _HUMAN_ROWS, replace=False)] = True
    given = y_train.copy()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the teacher's 500 steps, a class with under 5 rows in the user's CV
        if teacher:
            weak = LogisticRegression(C=0.01, max_iter=500).fit(X_train[human], y_train[human])
            given[~human] = weak.predict(X_train[~human])
        flipped = np.flatnonzero(human & (rng.random(len(given)) < human_flip))
        given[flipped] = (given[flipped] + rng.integers(1, 10, len(flipped))) % 10
        user_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        probs = cross_val_predict(user_model, X_train, given, cv=5, method="predict_proba")
    inputs = {
        "X_train": X_train,
        "y_train": given,
        "X_val": X_val,
        "y_val": y_val,
        "train_probs": probs,
        "sources_train": np.where(human, "human", "pseudo"),
    }
    return inputs, y_train


def _finding(inputs: dict[str, Any]) -> gapdoctor.Finding | None:
    """The pseudo-label check's finding, run as diagnose() runs it (scored by the one policy), the other checks
    left out: each runs on its own evidence, so this finding is diagnose()'s to the last bit, in two thirds the time."""
    with threadpool_limits(1):
        diagnosis = run_checks(build_evidence(**inputs), [get_check("pseudo_label_noise.by_source")])
    return next((f for f in diagnosis.findings if f.cause == "pseudo_label_noise"), None)


_SPLITS = range(10)
"""Random splits of digits the weak-teacher test runs on: the evidence is statistical (the tests' power at 60
trusted rows), so the test counts how often each side finds the source rather than trusting a seed."""


def test_a_weak_teacher_over_few_trusted_rows_is_found_by_the_validation_labels() -> None:
    found, by_main = [], []
    for split in _SPLITS:
        inputs, truth = _run(split)
        pseudo = inputs["sources_train"] == "pseudo"
        wrong = float(np.mean(inputs["y_train"][pseudo] != truth[pseudo]))
        assert 0.08 <= wrong <= 0.25  # a moderately weak teacher
        finding = _finding(inputs)
        if finding is None:  # nothing measurable
            continue
        evidence = finding.evidence
        taught, learnt = evidence["taught_p_value"], evidence["learnt_p_value"]
        if taught < TAUGHT_P_VALUE or learnt < LEARNT_P_VALUE or combined_p_value(taught, learnt) < COMBINED_P_VALUE:
            by_main.append(split)  # what main's model tests had
        if finding.score >= 0.5:
            assert evidence["noisiest_source"] == "pseudo"
            found.append(split)
        if evidence["blamed_by"] in _BY_DISAGREEMENT:
            assert finding.score >= 0.5 and evidence["disagreed_excess_low_pct_points"] > 0
            assert evidence["disagreement_pct"] > evidence["reference_disagreement_pct"]
            assert min(evidence["disagreed_p_value"], evidence["taught_disagreed_p_value"]) < COMBINED_P_VALUE
    # measured: found in 7 of the 10 splits, main's tests clear in 2 (main's check reported those 2 only)
    assert len(found) >= 6 and len(by_main) <= 3, (found, by_main)


def test_a_clean_control_is_not_blamed_on_the_validation_labels() -> None:
    """The same splits with every label correct: the disagreement test blames no source.

    (The older tests are not this test's subject: on these splits the learnt test blames the clean
    'pseudo' source on split 1, p = 0.0098, and the taught test on split 6, both as on main.)
    """
    for split in _SPLITS:
        finding = _finding(_run(split, teacher=False)[0])
        if finding is not None:
            assert finding.evidence["blamed_by"] not in _BY_DISAGREEMENT
            assert finding.evidence["disagreed_p_value"] >= DISAGREED_P_VALUE


def test_noisy_trusted_labels_do_not_blame_the_other_source() -> None:
    # the human rows carry 30% flipped labels, the pseudo rows the truth: the judges contradict the human ones
    inputs, _ = _run(0, teacher=False, human_flip=0.3)
    with threadpool_limits(1):
        (row,) = disagreement_of(build_evidence(**inputs))
    assert row["source"] == "pseudo" and row["reference"] == "human"
    assert row["excess"] < 0 and row["p_value"] == 1.0


@pytest.mark.parametrize("loader", [load_digits, load_breast_cancer])
def test_two_clean_sources_split_at_random_are_not_told_apart(loader: Any) -> None:
    """20 random splits of clean rows into 30-160 'human' rows and the rest: the permutation test holds its level."""
    X, y = loader(return_X_y=True)
    p_values = []
    for split in range(20):
        X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=split, stratify=y)
        rng = np.random.default_rng(split)
        sources = np.full(len(y_train), "pseudo")
        sources[rng.choice(len(y_train), int(rng.integers(30, 161)), replace=False)] = "human"
        evidence = build_evidence(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, sources_train=sources)
        with threadpool_limits(1):
            (row,) = disagreement_of(evidence)
        p_values.append(row["p_value"])
    assert min(p_values) >= DISAGREED_P_VALUE
    assert sum(p < 0.05 for p in p_values) <= 3  # Bonferroni over two judges: at most 5% each, expected under 1


def test_the_permutation_p_value_is_uniform_under_the_null() -> None:
    values = np.random.default_rng(0).exponential(size=120)  # skewed, like disagreements
    rng = np.random.default_rng(1)
    p_values = [permutation_p_value(values, rng.permutation(120) < 30)[0] for _ in range(60)]
    assert 2 <= sum(p < 0.25 for p in p_values) <= 27  # binomial(60, 0.25): 15 expected, 2..27 beyond 4 sd
    assert sum(p < 0.05 for p in p_values) <= 9


def test_disagreement_needs_features_and_two_validation_classes() -> None:
    inputs, _ = _run(0)
    assert disagreement_of(build_evidence(y_train=inputs["y_train"], sources_train=inputs["sources_train"])) == []
    one_class = inputs["y_val"] == inputs["y_val"][0]
    single = build_evidence(**{**inputs, "X_val": inputs["X_val"][one_class], "y_val": inputs["y_val"][one_class]})
    assert disagreement_of(single) == []


def _wide_task(draw: int) -> tuple[dict[str, Any], Any]:
    """A 3-class task whose 60 features hold 9 that carry the classes; a naive Bayes teacher fitted on
    80 human rows labels the other 1,320. Also the training rows' true labels."""
    X, y = make_classification(
        n_samples=2400, n_features=60, n_informative=5, n_redundant=4, n_classes=3, class_sep=0.8, random_state=draw
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=1000, random_state=draw, stratify=y)
    human = np.zeros(len(y_train), dtype=bool)
    human[np.random.default_rng(draw).choice(len(y_train), 80, replace=False)] = True
    given = y_train.copy()
    given[~human] = GaussianNB().fit(X_train[human], y_train[human]).predict(X_train[~human])
    inputs = {"X_train": X_train, "y_train": given, "X_val": X_val, "y_val": y_val}
    return {**inputs, "sources_train": np.where(human, "human", "pseudo")}, y_train


def test_a_teacher_on_a_wide_task_is_found_by_the_boosting_judge() -> None:
    """Most features carry nothing: neighbours on standardised features see noise, a linear judge little more.

    Measured on these 8 draws (37-59% of the teacher's labels wrong): the raw disagreement with logistic
    regression and 7-nearest neighbours (main until issue 13's eighth session) passed neither 1e-3 nor 0.01
    in any; the surprise with the same judges passed 0.01 in one; with the gradient-boosting judge 1e-3 in 7
    and 0.01 in all 8.
    """
    found = []
    for draw in range(8):
        inputs, truth = _wide_task(draw)
        assert np.mean(inputs["y_train"] != truth) > 0.3  # the teacher is weak
        with threadpool_limits(1):
            (row,) = disagreement_of(build_evidence(**inputs))
            (clean,) = disagreement_of(build_evidence(**{**inputs, "y_train": truth}))
        if row["p_value"] < DISAGREED_P_VALUE:
            assert row["judge"] == "gradient-boosting classifier" and row["low"] > 0
            found.append(draw)
        assert clean["p_value"] >= DISAGREED_P_VALUE  # the same rows with their true labels: nothing to find
    assert len(found) >= 6, found


def test_the_boosting_judge_keeps_to_its_budget_and_says_when_it_samples_or_is_left_out() -> None:
    """digits: 64 features x 10 classes, so JUDGE_TREE_CELLS allows 1,562 of the 1,797 rows (sampled, stated);
    with every feature repeated 20 times (1,280 features) under 200 rows would fit: the judge is left out."""
    X, y = load_digits(return_X_y=True)
    sources = np.where(np.arange(len(y)) < 100, "human", "pseudo")
    for repeat, boosting in ((1, True), (20, False)):
        wide = np.tile(X, repeat)
        evidence = build_evidence(X_train=wide, y_train=y, X_val=wide, y_val=y, sources_train=sources)
        with threadpool_limits(1), recording_sampling() as notes:
            (row,) = disagreement_of(evidence)
        cap = JUDGE_TREE_CELLS // (wide.shape[1] * 10)
        boosting_notes = [n for n in notes if "gradient-boosting classifier judge" in n]
        if boosting:
            expected = f"sampled {cap:,} of 1,797 validation rows the gradient-boosting classifier judge is fitted on"
            assert boosting_notes == [expected]
        else:
            assert cap < JUDGE_TREE_MIN_ROWS and len(boosting_notes) == 1 and "left out" in boosting_notes[0]
            assert row["judge"] == "logistic regression"
        assert row["p_value"] >= DISAGREED_P_VALUE  # clean labels in both sources
