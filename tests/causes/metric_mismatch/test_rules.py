"""Decision rules and their cross-validated gain, on probabilities whose best rule is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from gapdoctor.causes.metric_mismatch.rules import (
    best_rule,
    cross_validated_decisions,
    decide,
    expected_sweep,
    rule_gain,
    rules,
    sweep,
)
from gapdoctor.errors import SkipCheck


def _calibrated(n: int, positive_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated probabilities of a rare class: P(y=1 | p) = p."""
    rng = np.random.default_rng(seed)
    p1 = rng.beta(positive_share * 4, (1 - positive_share) * 4, size=n)
    y = (rng.uniform(size=n) < p1).astype(np.int64)
    return y, np.column_stack([1 - p1, p1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_validated_threshold_beats_the_default_on_a_rare_class(seed: int) -> None:
    # F1's best threshold on calibrated probabilities is half the best F1, well under 0.5 here
    y, probs = _calibrated(4000, 0.1, seed)
    candidates, default = rules(binary=True)
    prior = np.bincount(y) / len(y)
    tuned = cross_validated_decisions("f1", y, probs, candidates, default, prior)
    default_pred = decide(probs, default, prior)
    gain = rule_gain("f1", y, tuned, default_pred, 2)
    assert gain.gain == pytest.approx(f1_score(y, tuned) - f1_score(y, default_pred))
    assert gain.tuned_value == pytest.approx(f1_score(y, tuned))
    assert gain.low > 0 and gain.low <= gain.gain <= gain.high
    assert gain.default_low <= f1_score(y, default_pred) <= gain.default_high
    assert gain.n_rows == 4000 and gain.replicates > 1


def test_the_same_decisions_gain_nothing() -> None:
    y, probs = _calibrated(500, 0.3, 0)
    pred = decide(probs, 0.5, np.array([0.7, 0.3]))
    gain = rule_gain("f1", y, pred, pred, 2)
    assert (gain.gain, gain.low, gain.high) == (0.0, 0.0, 0.0)


def test_prior_correction_divides_by_the_prior() -> None:
    probs = np.array([[0.6, 0.3, 0.1], [0.5, 0.1, 0.4]])
    prior = np.array([0.8, 0.1, 0.1])
    assert decide(probs, 0.0, prior).tolist() == [0, 0]
    assert decide(probs, 1.0, prior).tolist() == [1, 2]


def test_a_class_with_one_row_cannot_be_cross_validated() -> None:
    y = np.array([0, 0, 0, 1])
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.4, 0.6]])
    candidates, default = rules(binary=True)
    with pytest.raises(SkipCheck, match="fewer than 2"):
        cross_validated_decisions("f1", y, probs, candidates, default, np.array([0.75, 0.25]))


def test_the_expected_f1_is_the_plug_in_formula() -> None:
    _, probs = _calibrated(600, 0.1, 0)
    candidates, _ = rules(binary=True)
    p = probs[:, 1]
    plug_in = [2 * p[p >= t].sum() / ((p >= t).sum() + p.sum()) for t in candidates]
    assert expected_sweep("f1", probs, candidates, np.array([0.9, 0.1])) == pytest.approx(plug_in)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rule_calibrated_probabilities_expect_best_is_the_one_the_labels_find(seed: int) -> None:
    # calibrated: labels drawn from the probabilities, so on many rows the labels' best rule is the expected one
    y, probs = _calibrated(20_000, 0.1, seed)
    candidates, default = rules(binary=True)
    prior = np.bincount(y) / len(y)
    expected = best_rule(expected_sweep("f1", probs, candidates, prior), candidates, default)
    observed = best_rule(sweep("f1", y, probs, candidates, prior), candidates, default)
    assert expected < 0.4 and abs(expected - observed) <= 0.06


def test_balanced_accuracy_expects_the_full_prior_correction_on_calibrated_probabilities() -> None:
    # argmax p / prior, the prior being the classes' expected shares, maximises the expected balanced accuracy
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3000, 3)) + np.log([0.8, 0.15, 0.05])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    prior = probs.mean(axis=0)
    candidates, default = rules(binary=False)
    assert best_rule(expected_sweep("balanced_accuracy", probs, candidates, prior), candidates, default) >= 0.9
