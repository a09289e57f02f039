"""Training dynamics of every row recorded through the recorder's ``log_batch(logits=...)``."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from gapdoctor.inputs.training_dynamics import TrainingDynamics, flag_label_issues
from gapdoctor.integrations.recorder import Recorder
from gapdoctor.torch import Monitor
from tests.causes.training_dynamics_data import digits, f1, flip_labels, train_mlp

F1_FLOOR = 0.9  # the store's own floor (tests/inputs/test_training_dynamics.py)


def test_a_torch_monitor_records_every_row_like_the_store() -> None:
    X, y = digits()
    noisy = flip_labels(y, 0.3, 0)
    monitor = Monitor(n_train=len(y))
    direct = TrainingDynamics(n_train=len(y))

    def on_batch(rows: np.ndarray, logits: torch.Tensor, labels: torch.Tensor) -> None:
        monitor.log_batch(torch.tensor(1.0), labels=labels, rows=torch.from_numpy(rows), logits=logits)
        direct.add(rows, logits.numpy(), labels.numpy())

    def on_epoch() -> None:
        monitor.end_epoch(val_loss=1.0)
        direct.end_epoch()

    train_mlp(X, noisy, seed=0, epochs=12, on_batch=on_batch, on_epoch=on_epoch)
    summary = monitor.training_dynamics
    assert summary is not None and monitor.errors == []
    assert summary.seen.all() and summary.n_epochs == 12
    expected = direct.summary()
    np.testing.assert_allclose(summary.aum, expected.aum, rtol=1e-6)
    np.testing.assert_array_equal(summary.forgetting_events, expected.forgetting_events)
    assert f1(flag_label_issues(summary).rows, noisy != y) >= F1_FLOOR
    np.testing.assert_array_equal(monitor.learned_labels, noisy)  # y_train learnt from the loop


def needs_y_train(rec: Recorder) -> bool:
    return any(c.name == "label_noise.training_dynamics" and "y_train" in c.reason for c in rec.diagnose().checks)


def test_labels_are_learnt_only_once_every_row_was_seen(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(n_train=3)
    rec.log_batch(1.0, labels=[2, 0], rows=[2, 0], logits=[[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    rec.end_epoch()
    assert rec.learned_labels is None  # row 1 not seen: no y_train from the loop
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        assert needs_y_train(rec) and needs_y_train(rec)
    said = [r.getMessage() for r in caplog.records if "never seen with logits" in r.getMessage()]
    assert len(said) == 1 and "1 of 3 training rows" in said[0] and "y_train=" in said[0]
    rec.log_batch(1.0, labels=[1], rows=[1], logits=[[0.0, 1.0, 0.0]])
    rec.end_epoch()
    assert rec.learned_labels is not None and rec.learned_labels.tolist() == [0, 1, 2]
    assert not needs_y_train(rec)  # the check is given y_train (2 epochs are then too few)


def test_logits_that_need_the_graph_are_kept_detached() -> None:
    monitor = Monitor(n_train=8)
    logits = torch.randn(4, 3, requires_grad=True) * 2
    monitor.log_batch(logits.sum(), labels=torch.tensor([0, 1, 2, 0]), rows=torch.arange(4), logits=logits)
    assert monitor._dynamics is not None
    assert not any(part.requires_grad for _, part, _ in monitor._dynamics._buffer.batches)


def test_per_row_losses_and_predictions_that_need_the_graph_are_kept_detached() -> None:
    monitor = Monitor(n_train=8, track_rows=8)
    outputs = torch.randn(4, 3, requires_grad=True)
    losses = outputs.logsumexp(dim=1) - outputs[:, 0]
    monitor.log_batch(losses.mean(), rows=torch.arange(4), sample_losses=losses, predictions=outputs * 1.0)
    assert monitor._tracked is not None and len(monitor._tracked._buffer.batches) == 1
    assert not any(part.requires_grad for part in monitor._tracked._buffer.batches[0][1:])
    monitor.end_epoch(val_loss=1.0)
    assert monitor.curves["train_loss"] == [pytest.approx(losses.mean().item())]  # the CPU loss read at once
    assert monitor.sample_losses[0][:4] == pytest.approx(losses.detach().tolist())


def test_bad_logits_switch_dynamics_off_and_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(n_train=10)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for _ in range(3):
            rec.log_batch(1.0, labels=[0, 1], rows=[0, 1], logits=[[0.1, 0.2, 0.3]])  # 1 row of logits for 2
            rec.end_epoch(val_loss=0.5)
    assert rec.training_dynamics is None
    assert rec.epochs == 3 and rec.curves["train_loss"] == [1.0, 1.0, 1.0]
    assert sum("training dynamics" in r.getMessage() for r in caplog.records) == 1


def test_rows_outside_the_training_set_switch_dynamics_off_at_the_epoch_end() -> None:
    rec = Recorder(n_train=2)
    rec.log_batch(1.0, labels=[0, 1], rows=[0, 5], logits=[[1.0, 0.0], [0.0, 1.0]])
    rec.end_epoch(val_loss=0.5)
    assert rec.training_dynamics is None and rec.epochs == 1
    assert any("rows" in e for e in rec.errors)


def test_logits_without_n_train_are_ignored_with_a_reason() -> None:
    rec = Recorder()
    rec.log_batch(1.0, labels=[0, 1], rows=[0, 1], logits=[[1.0, 0.0], [0.0, 1.0]])
    rec.end_epoch()
    assert rec.training_dynamics is None and rec.epochs == 1
    assert any("n_train" in e for e in rec.errors)


def test_without_logits_nothing_is_recorded() -> None:
    rec = Recorder(n_train=2)
    rec.log_batch(1.0, labels=[0, 1], rows=[0, 1])
    rec.end_epoch()
    assert rec.training_dynamics is None and rec.errors == []


def test_a_monitor_given_logits_reports_label_noise_from_the_loop_alone() -> None:
    X, y = digits()
    noisy = flip_labels(y, 0.3, 1)
    monitor = Monitor(y_train=noisy)
    train_mlp(
        X,
        noisy,
        seed=1,
        on_batch=lambda rows, logits, labels: monitor.log_batch(
            torch.tensor(1.0), labels=labels, rows=torch.from_numpy(rows), logits=logits
        ),
        on_epoch=lambda: monitor.end_epoch(val_loss=1.0),
    )
    findings = [f for f in monitor.diagnose().findings if f.cause == "label_noise"]
    assert [f.check for f in findings] == ["label_noise.training_dynamics"] and findings[0].score >= 0.5
    assert f1(np.asarray(findings[0].rows), noisy != y) >= F1_FLOOR
    assert monitor.learned_labels is None  # y_train was given: nothing kept
