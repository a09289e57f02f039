"""The shared gradient-boosting classifier: one setting, fitted the same way by every check that uses it."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier

from gapdoctor.stats.trees import LEARNING_RATE, LEAVES, ROUNDS, boosted_trees


def test_fresh_unfitted_models_with_the_shared_settings() -> None:
    first, second = boosted_trees(), boosted_trees(7)
    assert first is not second and not hasattr(first, "n_iter_")  # a new model each call, never a fitted one
    assert (first.max_iter, first.max_leaf_nodes, first.learning_rate) == (ROUNDS, LEAVES, LEARNING_RATE)
    assert not first.early_stopping and (first.random_state, second.random_state) == (0, 7)


def test_it_fits_all_its_rounds_and_the_seed_changes_nothing_below_the_binning_sample() -> None:
    X, y = make_classification(1500, n_features=30, n_informative=5, random_state=0)
    model = boosted_trees().fit(X[:1000], y[:1000])
    assert model.n_iter_ == ROUNDS  # no early stopping: every round is fitted
    assert model.score(X[1000:], y[1000:]) > 0.8  # a useful view of a 5-informative-feature task
    other = boosted_trees(40_503).fit(X[:1000], y[:1000])  # the pseudo-label judge's seed
    assert np.array_equal(model.predict_proba(X[1000:]), other.predict_proba(X[1000:]))
    assert isinstance(model, HistGradientBoostingClassifier)
