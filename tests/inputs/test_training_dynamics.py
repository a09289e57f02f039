"""Tests of the per-row training-dynamics store and its label-noise flags."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.inputs import batches, training_dynamics
from gapdoctor.inputs.training_dynamics import BYTES_PER_ROW, TrainingDynamics, flag_label_issues
from tests.causes.training_dynamics_data import digits, f1, flip_labels, train_mlp

F1_FLOOR = 0.9  # measured 0.965-0.978 over seeds 0-2 at 30% symmetric noise (AUM < 0)
CLEAN_FLAGGED_CEILING = 0.02  # measured 0.5-0.6% of clean digits rows flagged (hard rows)


def test_memory_per_row_is_as_stated() -> None:
    dyn = TrainingDynamics(n_train=1000)
    assert dyn.nbytes == 1000 * BYTES_PER_ROW
    for _ in range(5):  # constant in epochs: 26 bytes + 4 per class
        dyn.add(np.arange(1000), np.zeros((1000, 10)), np.zeros(1000, dtype=int))
        dyn.end_epoch()
        dyn.flush()
        assert dyn.nbytes == 1000 * (BYTES_PER_ROW + 4 * 10)


def test_probability_sums_are_left_out_beyond_their_cell_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_dynamics, "MAX_PROBABILITY_CELLS", 39)
    dyn = TrainingDynamics(n_train=4)
    dyn.add(np.arange(4), np.zeros((4, 10)), np.zeros(4, dtype=int))
    dyn.end_epoch()
    assert dyn.summary().mean_probabilities is None and dyn.nbytes == 4 * BYTES_PER_ROW


def test_statistics_match_a_direct_computation() -> None:
    rng = np.random.default_rng(0)
    n, k, epochs = 50, 4, 5
    logits = rng.normal(size=(epochs, n, k)).astype(np.float32)
    labels = rng.integers(0, k, n)
    dyn = TrainingDynamics(n_train=n)
    for e in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, 16):
            rows = order[start : start + 16]
            dyn.add(rows, logits[e, rows], labels[rows])
        dyn.end_epoch()
    s = dyn.summary()
    given = logits[:, np.arange(n), labels]
    others = logits.copy()
    others[:, np.arange(n), labels] = -np.inf
    margin = given - others.max(axis=2)
    prob = np.exp(given) / np.exp(logits).sum(axis=2)
    correct = margin > 0
    forgets = (correct[:-1] & ~correct[1:]).sum(axis=0)
    last_wrong = np.where(~correct, np.arange(epochs)[:, None], -1).max(axis=0)
    suggested = np.where(last_wrong >= 0, others.argmax(axis=2)[last_wrong, np.arange(n)], -1)
    np.testing.assert_allclose(s.aum, margin.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s.confidence, prob.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.variability, prob.std(axis=0), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(s.mean_loss, -np.log(prob).mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(s.forgetting_events, forgets)
    np.testing.assert_array_equal(s.never_learned, ~correct.any(axis=0))
    np.testing.assert_array_equal(s.suggested, suggested)
    np.testing.assert_allclose(dyn.epoch_accuracy, correct.mean(axis=1))  # each epoch's, as the loop saw it
    softmax = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    assert s.mean_probabilities is not None
    np.testing.assert_allclose(s.mean_probabilities, softmax.mean(axis=0), rtol=1e-5, atol=1e-6)


def test_flushes_when_the_buffer_fills(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "FLUSH_VALUES", 8)
    dyn = TrainingDynamics(n_train=4)
    dyn.add(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
    assert dyn._buffer.batches  # 4 values: kept
    dyn.add(np.array([2, 3]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
    assert not dyn._buffer.batches  # 8 values: processed
    assert dyn.summary().seen.tolist() == [True, True, True, True]


def test_epochs_processed_later_give_the_same_statistics() -> None:
    """After the first, epochs wait as references and are processed together (when read): same result."""
    rng = np.random.default_rng(1)
    n, k = 40, 3
    deferred, each_epoch = TrainingDynamics(n_train=n), TrainingDynamics(n_train=n)
    for _ in range(6):
        for _batch in range(3):
            rows = rng.permutation(n)[:16]  # rows drawn with replacement across batches, some unseen
            logits, labels = rng.normal(size=(16, k)), rng.integers(0, k, 16)
            deferred.add(rows, logits, labels)
            each_epoch.add(rows, logits, labels)
        deferred.end_epoch()
        each_epoch.end_epoch()
        each_epoch.flush()
    assert deferred._buffer.batches and not each_epoch._buffer.batches  # epochs 2-6 still kept
    a, b = deferred.summary(), each_epoch.summary()
    assert not deferred._buffer.batches and a.n_epochs == b.n_epochs == 6
    for name in ("aum", "confidence", "variability", "mean_loss", "mean_probabilities"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-5, atol=1e-6)
    for name in ("seen", "forgetting_events", "never_learned", "suggested"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_a_row_seen_twice_in_an_epoch_counts_twice() -> None:
    dyn = TrainingDynamics(n_train=2)
    dyn.add(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    dyn.add(np.array([0]), np.array([[3.0, 0.0]]), np.array([0]))  # a sampler with replacement
    dyn.end_epoch()
    assert dyn.summary().aum.tolist() == [2.0, 1.0]


def test_unseen_rows_are_neither_flagged_nor_counted() -> None:
    dyn = TrainingDynamics(n_train=5)
    for _ in range(3):
        dyn.add(np.array([0, 1]), np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 0]))
        dyn.end_epoch()
    flags = flag_label_issues(dyn.summary())
    assert flags.rows.tolist() == [0]
    assert flags.n_seen == 2 and flags.noise_rate == 0.5 and flags.never_learned == 1


@pytest.mark.parametrize(
    ("rows", "logits", "labels", "argument"),
    [
        ([0, 1], [[1.0, 0.0]], [0, 0], "logits"),
        ([0, 1], [1.0, 0.0], [0, 0], "logits"),
        ([0, 1], [[1.0, 0.0], [0.0, 1.0]], [0], "labels"),
    ],
)
def test_batches_that_do_not_line_up_are_rejected(rows: list, logits: list, labels: list, argument: str) -> None:
    with pytest.raises(GapdoctorInputError, match=argument):
        TrainingDynamics(n_train=4).add(np.array(rows), np.array(logits), np.array(labels))


@pytest.mark.parametrize(
    ("rows", "labels", "argument"),
    [([0, 9], [0, 0], "rows"), ([0.5, 1.0], [0, 0], "rows"), ([0, 1], [0, 5], "labels")],
)
def test_bad_values_are_rejected_when_processed(rows: list, labels: list, argument: str) -> None:
    dyn = TrainingDynamics(n_train=4)
    dyn.add(np.array(rows), np.zeros((2, 2)), np.array(labels))
    with pytest.raises(GapdoctorInputError, match=argument):
        dyn.end_epoch()


def test_bad_n_train_and_too_few_epochs_are_rejected() -> None:
    with pytest.raises(GapdoctorInputError, match="n_train"):
        TrainingDynamics(n_train=0)
    dyn = TrainingDynamics(n_train=2)
    dyn.end_epoch()
    with pytest.raises(GapdoctorInputError, match="epochs"):
        flag_label_issues(dyn.summary())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flags_the_flipped_digits_of_a_real_torch_run(seed: int) -> None:
    X, y = digits()
    noisy = flip_labels(y, 0.3, seed)
    dyn = TrainingDynamics(n_train=len(y))
    train_mlp(X, noisy, seed=seed, on_batch=dyn.add, on_epoch=dyn.end_epoch)
    flags = flag_label_issues(dyn.summary())
    assert f1(flags.rows, noisy != y) >= F1_FLOOR
    top = flags.rows[: len(flags.rows) // 2]  # most suspicious first: the first half is almost all flipped
    assert (noisy != y)[top].mean() >= 0.95

    clean = TrainingDynamics(n_train=len(y))
    train_mlp(X, y, seed=seed, on_batch=clean.add, on_epoch=clean.end_epoch)
    assert flag_label_issues(clean.summary()).noise_rate <= CLEAN_FLAGGED_CEILING


def test_epoch_accuracy_spans_flushes_inside_an_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """An epoch processed in parts (the buffer filled mid-epoch) and epochs processed together add up."""
    monkeypatch.setattr(batches, "FLUSH_VALUES", 8)
    dyn = TrainingDynamics(n_train=4)
    right, wrong = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]])
    dyn.add(np.array([0, 1]), right, np.array([0, 0]))
    dyn.add(np.array([2, 3]), wrong, np.array([0, 0]))  # 8 values: processed mid-epoch
    dyn.add(np.array([0]), right[:1], np.array([0]))
    dyn.end_epoch()  # the first epoch: 3 of 5 right
    for _ in range(2):  # two more epochs, 3 of 4 right each
        dyn.add(np.array([0, 1, 2, 3]), np.vstack([right, right]), np.array([0, 0, 0, 1]))
        dyn.end_epoch()
    dyn.summary()
    assert dyn.epoch_accuracy == pytest.approx([0.6, 0.75, 0.75])
