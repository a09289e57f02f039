"""stats.association: per-split label association, its chance level, how much crosses splits, and the
association lost from training to validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from gapdoctor.stats.association import (
    MISALIGNED_RETENTION,
    association_loss,
    association_noise_level,
    association_retained,
    association_rows,
    label_association,
    loss_from_associations,
    split_association,
)
from gapdoctor.stats.budget import ASSOCIATION_ROWS


def _informative(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 6))
    X[:, :4] += y[:, None] * np.array([2.0, 1.5, 1.0, 0.8])  # four informative features, two noise
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_association_is_label_association_of_each_split(seed):
    X_train, y_train = _informative(500, seed)
    X_val, y_val = _informative(300, seed + 10)
    a = split_association(X_train, y_train, X_val, y_val, 3)
    assert np.array_equal(a.train, label_association(X_train, y_train, 3))
    assert np.array_equal(a.val, label_association(X_val, y_val, 3))
    assert (a.rows_train, a.rows_val) == (500, 300)
    assert a.noise_train == association_noise_level(500, 3) and a.noise_val == association_noise_level(300, 3)
    assert (a.train[:4] > 10 * a.noise_train).all() and (a.train[4:] < a.noise_train).all()


def test_split_association_counts_the_rows_it_reads():
    assert association_rows(ASSOCIATION_ROWS + 1) == ASSOCIATION_ROWS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_retention_separates_aligned_from_shuffled_validation_labels(seed):
    X_train, y_train = _informative(500, seed)
    X_val, y_val = _informative(300, seed + 10)
    aligned = split_association(X_train, y_train, X_val, y_val, 3)
    shuffled_y = np.random.default_rng(seed).permutation(y_val)
    shuffled = split_association(X_train, y_train, X_val, shuffled_y, 3)
    kept, informative = association_retained(aligned.train, aligned.val, aligned.noise_train)
    lost, _ = association_retained(shuffled.train, shuffled.val, shuffled.noise_train)
    assert informative.tolist() == [0, 1, 2, 3]
    assert kept > MISALIGNED_RETENTION > lost


def _labelled(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, rng.normal(size=n)


def test_epsilon_squared_is_the_kruskal_wallis_statistic_over_n_minus_one() -> None:
    y, noise = _labelled(300, 0)
    x = (y + noise)[:, None]
    h = sps.kruskal(x[y == 0, 0], x[y == 1, 0]).statistic
    assert label_association(x, y, 2)[0] == pytest.approx(h / (300 - 1), rel=1e-6)


def test_a_column_carrying_training_labels_collapses_and_honest_features_do_not() -> None:
    y_t, noise_t = _labelled(800, 1)
    y_v, noise_v = _labelled(600, 2)
    rng = np.random.default_rng(3)
    honest_t = y_t[:, None] + np.c_[noise_t, rng.normal(size=(800, 2))]
    honest_v = y_v[:, None] + np.c_[noise_v, rng.normal(size=(600, 2))]
    carried_t = y_t + 0.7 * rng.normal(size=800)  # built with the training labels
    carried_v = rng.normal(size=600)  # validation rows get a value unrelated to their label
    loss = association_loss(np.c_[honest_t, carried_t], y_t, np.c_[honest_v, carried_v], y_v, 2)
    assert loss.collapsed.tolist() == [False, False, False, True]
    assert loss.carrying_training_labels() == [3]
    assert loss.lost_low[3] <= loss.lost[3] <= loss.lost_high[3]
    assert loss.lost_low[3] > 0.2  # the data vouch for a large loss
    assert all(loss.lost_low[j] < 0 < loss.lost_high[j] for j in range(3))  # honest: no loss the data vouch for


def test_when_every_informative_feature_collapses_no_column_in_particular_carries_the_labels() -> None:
    y_t, _ = _labelled(900, 4)
    rng = np.random.default_rng(5)
    X_t = y_t[:, None] + rng.normal(size=(900, 6))
    X_v = rng.normal(size=(600, 6)) + 0.5
    y_v = rng.integers(0, 2, 600)  # rows misaligned: labels of other rows
    loss = association_loss(X_t, y_t, X_v, y_v, 2)
    assert loss.collapsed.all() and loss.collapsed_share == 1.0
    assert loss.carrying_training_labels() == []
    retention, _ = association_retained(loss.train, loss.val, 0.01)
    assert retention < 0.5


def test_one_collapsed_column_beside_an_honest_feature_that_keeps_its_association_is_a_leak() -> None:
    """Half the informative features collapsed is not misalignment when the other keeps its association
    (a label column folded into a PCA: 1 of 2); it is when the other loses it too."""
    y_t, noise_t = _labelled(900, 9)
    y_v, noise_v = _labelled(600, 10)
    rng = np.random.default_rng(11)
    honest_t, honest_v = y_t + 1.5 * noise_t, y_v + 1.5 * noise_v
    carried_t, carried_v = y_t + 0.3 * rng.normal(size=900), rng.normal(size=600)
    leak = association_loss(np.c_[carried_t, honest_t], y_t, np.c_[carried_v, honest_v], y_v, 2)
    assert leak.collapsed.tolist() == [True, False] and leak.collapsed_share == 0.5
    assert not leak.misaligned() and leak.carrying_training_labels() == [0]
    assert leak.collapsed_among([0, 1]) == [0]
    shuffled_v = rng.permutation(y_v)  # the honest feature loses its association as well
    misaligned = association_loss(np.c_[carried_t, honest_t], y_t, np.c_[carried_v, honest_v], shuffled_v, 2)
    assert misaligned.collapsed[0] and misaligned.collapsed_share >= 0.5
    assert misaligned.misaligned() and misaligned.carrying_training_labels() == []


def test_a_lone_collapsed_feature_is_misalignment_only_when_no_feature_follows_the_validation_labels() -> None:
    """Every informative feature collapsed: misaligned rows leave the validation labels unrelated to
    every feature; a label column mixed with weak honest features (a PCA of the table) leaves some."""
    y_t, _ = _labelled(900, 12)
    y_v, noise_v = _labelled(600, 13)
    rng = np.random.default_rng(14)
    carried_t, carried_v = y_t + 0.3 * rng.normal(size=900), rng.normal(size=600)
    weak_t, weak_v = rng.normal(size=900), y_v + noise_v  # no signal in training, some in validation
    mixed = association_loss(np.c_[carried_t, weak_t], y_t, np.c_[carried_v, weak_v], y_v, 2)
    assert mixed.informative.tolist() == [0] and mixed.collapsed.tolist() == [True, False]
    assert mixed.informative_val.tolist() == [1]
    assert not mixed.misaligned() and mixed.carrying_training_labels() == [0]
    alone = association_loss(np.c_[carried_t, weak_t], y_t, np.c_[carried_v, noise_v], y_v, 2)
    assert alone.informative_val.tolist() == [] and alone.misaligned()


def test_the_collapse_needs_more_evidence_among_more_features() -> None:
    """Bonferroni over the features: a loss at z about 4.3 counts among 20 features, not among 20,000."""
    y_t, noise_t = _labelled(200, 6)
    y_v, noise_v = _labelled(200, 7)
    rng = np.random.default_rng(8)
    carried_t, carried_v = y_t + 1.2 * noise_t, noise_v
    few_t, few_v = rng.normal(size=(200, 19)), rng.normal(size=(200, 19))
    few = association_loss(np.c_[carried_t, few_t], y_t, np.c_[carried_v, few_v], y_v, 2)
    assert 4.0 < few.z[0] < 4.7  # between the two Bonferroni cut-offs (3.9 and 5.1)
    assert few.collapsed[0]
    many_t, many_v = rng.normal(size=(200, 19_999)), rng.normal(size=(200, 19_999))
    many = association_loss(np.c_[carried_t, many_t], y_t, np.c_[carried_v, many_v], y_v, 2)
    assert many.z[0] == pytest.approx(few.z[0])
    assert not many.collapsed[0]


def test_the_interval_of_the_lost_association_covers_the_true_loss_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(9)

    def draw(n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 2, n)
        return (y + spread * rng.normal(size=n))[:, None], y

    big_t, big_v = draw(200_000, 0.8), draw(200_000, 2.5)
    true_loss = label_association(*big_t, 2)[0] - label_association(*big_v, 2)[0]
    covered = []
    for _ in range(300):
        (x_t, y_t), (x_v, y_v) = draw(300, 0.8), draw(200, 2.5)
        loss = association_loss(x_t, y_t, x_v, y_v, 2)
        covered.append(loss.lost_low[0] <= true_loss <= loss.lost_high[0])
    assert 0.91 <= np.mean(covered) <= 0.99


def test_the_fisher_loss_low_end_is_below_the_true_loss_about_97_percent_of_the_time() -> None:
    """A strong feature losing part of its association (epsilon² 0.68 -> 0.44): the Fisher-z low end."""
    rng = np.random.default_rng(11)

    def draw(n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 2, n)
        return (y + spread * rng.normal(size=n))[:, None], y

    def fisher(assoc: float) -> float:
        return float(np.arctanh(np.sqrt(assoc)))

    big_t, big_v = draw(200_000, 0.35), draw(200_000, 0.6)
    true_loss = fisher(label_association(*big_t, 2)[0]) - fisher(label_association(*big_v, 2)[0])
    covered = []
    for _ in range(300):
        (x_t, y_t), (x_v, y_v) = draw(350, 0.35), draw(200, 0.6)
        covered.append(association_loss(x_t, y_t, x_v, y_v, 2).fisher_lost_low[0] <= true_loss)
    assert 0.94 <= np.mean(covered) <= 1.0  # a one-sided 97.5% bound (the Fisher standard error)
    assert true_loss > 0.2  # and the loss is one the check reports (FISHER_GAP_REPORTABLE)


def test_a_training_association_from_fewer_rows_is_weaker_evidence_of_a_loss() -> None:
    X, y = _informative(600, 0)
    full = association_loss(X[:300], y[:300], X[300:], y[300:], 3)
    same = loss_from_associations(full.train, full.val, 300, 300, 3)
    np.testing.assert_allclose(same.z, full.z)
    np.testing.assert_allclose(same.lost_low, full.lost_low)
    fewer = loss_from_associations(full.train, full.val, np.array([300, 40, 300, 300, 300, 300]), 300, 3)
    assert abs(fewer.z[1]) < abs(full.z[1]) and fewer.lost_low[1] < full.lost_low[1]
    assert fewer.fisher_lost_low[1] < full.fisher_lost_low[1]
    np.testing.assert_allclose(np.delete(fewer.z, 1), np.delete(full.z, 1))
