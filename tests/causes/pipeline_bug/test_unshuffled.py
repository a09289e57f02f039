"""pipeline_bug.unshuffled: a runs test on the order the training loop saw the labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import gapdoctor


def test_unshuffled_training_order() -> None:
    _, y = load_digits(return_X_y=True)
    yt, yv = train_test_split(y, test_size=0.3, random_state=0, stratify=y)
    d = gapdoctor.diagnose(y_train=yt, y_val=yv, train_label_order=np.sort(yt))
    assert d.top is not None and d.top.check == "pipeline_bug.unshuffled"
    assert d.top.evidence["label_changes"] == 9


def test_shuffled_training_order_does_not_fire() -> None:
    _, y = load_digits(return_X_y=True)
    d = gapdoctor.diagnose(y_train=y, train_label_order=np.random.default_rng(0).permutation(y))
    assert all(f.score < 0.5 for f in d.findings if f.cause == "pipeline_bug")


@pytest.mark.parametrize("order", [[0, 1] * 5, [0] * 30])
def test_too_short_or_single_class_orders_are_skipped(order: list[int]) -> None:
    d = gapdoctor.diagnose(y_train=np.array(order), train_label_order=np.array(order))
    assert not [f for f in d.findings if f.check == "pipeline_bug.unshuffled"]
    assert any(r.name == "pipeline_bug.unshuffled" and r.status == "skipped" for r in d.checks)
