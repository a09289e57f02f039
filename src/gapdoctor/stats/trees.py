"""The project's one gradient-boosting classifier: the settings every tree fit of a check shares.

Three checks fit trees: ``distribution_shift``'s domain classifier (validation rows against training
rows), ``pipeline_bug``'s standardisation fix check (a split as given against the split standardised
by its own statistics, :mod:`gapdoctor.stats.standardisation`) and ``pseudo_label_noise``'s
disagreement judge (fitted on the validation rows). All three ask a quick, general view of
interactions and thresholds that skips uninformative features, on a few thousand rows at most, so
they share one setting:

- :data:`ROUNDS` boosting rounds of trees of at most :data:`LEAVES` leaves, at a learning rate of
  :data:`LEARNING_RATE`: about a second on 1,000,000 rows x features x trees per round on one core
  (see :data:`gapdoctor.stats.budget.JUDGE_TREE_CELLS`);
- no early stopping: it would hold out a further slice of rows that are few already, and make
  the number of rounds depend on that slice;
- a fixed ``random_state`` (it only seeds the binning subsample, above 200,000 rows).
"""

from __future__ import annotations

from sklearn.ensemble import HistGradientBoostingClassifier

__all__ = ["LEARNING_RATE", "LEAVES", "ROUNDS", "boosted_trees"]

ROUNDS = 60
"""Boosting rounds (one tree per round for two classes, one per class otherwise)."""
LEAVES = 15
"""The most leaves of one tree."""
LEARNING_RATE = 0.15
"""Shrinkage of each tree: 60 rounds at 0.15 fit the few thousand rows these checks read without a search."""


def boosted_trees(random_state: int = 0) -> HistGradientBoostingClassifier:
    """A fresh, unfitted gradient-boosting classifier with the project's settings (see the module docstring).

    Parameters
    ----------
    random_state : int, default=0

    Returns
    -------
    HistGradientBoostingClassifier

    Examples
    --------
    >>> model = boosted_trees()
    >>> (model.max_iter, model.max_leaf_nodes, model.learning_rate, model.early_stopping)
    (60, 15, 0.15, False)
    """
    return HistGradientBoostingClassifier(
        max_iter=ROUNDS,
        max_leaf_nodes=LEAVES,
        learning_rate=LEARNING_RATE,
        early_stopping=False,
        random_state=random_state,
    )
