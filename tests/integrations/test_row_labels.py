"""RowLabels: every training row's label learnt from the logged batches, kept only until complete."""

from __future__ import annotations

import numpy as np
import torch

from gapdoctor.integrations.row_labels import RowLabels
from gapdoctor.torch import Monitor


def test_once_complete_no_batch_is_kept_and_later_labels_change_nothing() -> None:
    labels = RowLabels(lambda parts: np.concatenate([np.ravel(p) for p in parts]))
    labels.add(np.array([1, 0]), np.array([3, 4]))
    labels.end_epoch(2)
    assert labels.labels is not None and labels.labels.tolist() == [4, 3] and not labels.learning
    labels.add(np.array([0]), np.array([9]))  # ignored: nothing kept once every row was seen
    labels.end_epoch(2)
    assert labels.labels.tolist() == [4, 3]


def test_a_monitor_joins_tensor_batches_and_forgets_when_dynamics_stop() -> None:
    monitor = Monitor(n_train=4)
    for rows in (torch.tensor([3, 1]), torch.tensor([0, 2])):
        monitor.log_batch(torch.tensor(1.0), labels=rows % 2, rows=rows, logits=torch.randn(2, 2))
    monitor.end_epoch()
    assert monitor.learned_labels is not None and monitor.learned_labels.tolist() == [0, 1, 0, 1]
    monitor.log_batch(torch.tensor(1.0), labels=torch.tensor([0]), rows=torch.tensor([9]), logits=torch.zeros(1, 2))
    monitor.end_epoch()  # row 9 is out of range: the dynamics stop, and their labels go with them
    assert monitor.learned_labels is None and monitor.training_dynamics is None and monitor.epochs == 2
