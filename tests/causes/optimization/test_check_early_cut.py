"""A learning rate cut to next to zero two epochs in stalls the run: the stall is put on the cut.

The corpus's "early decay" recipe as a new user would write it: plain SGD at 0.01, then a step to
1e-6 after the second epoch (a schedule meant to decay at epoch 20 with the epoch counted wrong).
The loss freezes where the two epochs left it. Before, the cut to next to zero was read as the end
of a decay to zero (a flat end by design) and the smoothed loss, its window across the cut, seemed
to keep falling after it: nothing was reported.
"""

from __future__ import annotations

import pytest
from sklearn.datasets import load_digits

import gapdoctor
from tests.metric_scenarios import epoch_run, scaled_splits


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rate_cut_to_next_to_zero_two_epochs_in_is_the_headline(seed: int) -> None:
    X, y = load_digits(return_X_y=True)
    run = epoch_run(
        *scaled_splits(X, y, train_size=1000, seed=seed),
        epochs=40,
        hidden=(64,),
        solver="sgd",
        lr=0.01,
        lr_schedule=lambda epoch: 0.01 if epoch < 2 else 1e-6,
        seed=seed,
    )
    train = run["history"]["train_loss"]
    assert abs(train[-1] - train[3]) < 0.01 * train[0]  # frozen where the two epochs left it
    top = gapdoctor.diagnose(**run).top
    assert top is not None and top.cause == "optimization" and top.score >= 0.5
    assert "right after the learning rate was cut" in top.summary
    assert top.fixes[0].startswith("Delay the learning-rate decay")
