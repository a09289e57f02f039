"""A learning rate cut far too early stalls the run: the stall is put on the cut.

The corpus's "early decay" recipe as a new user would write it: plain SGD at 0.01, then a step down a
few epochs in (a schedule meant to decay at epoch 20 with the epoch counted wrong).

- Cut to next to zero after the second epoch, the loss freezes where the two epochs left it. Before,
  the cut to next to zero was read as the end of a decay to zero (a flat end by design) and the
  smoothed loss, its window across the cut, seemed to keep falling after it: nothing was reported.
- Cut 100x from the fifth epoch on, the loss keeps falling a fraction of a percent per epoch for the
  rest of the run: too steep at the end to read as a stall, and the first epochs had already removed
  most of it. Before, seeds 0-2 had no optimisation finding but one weak one (0.10), and their top
  finding was the 70-row validation set's (0.46, 0.51, 0.09). The training loss's pace after the cut
  against its pace just before tells the story (``cuts.py``).
- A usual 10x step late in the run slows the pace about 10x: no crawl.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_wine

import gapdoctor
from gapdoctor.causes.optimization.cuts import crawl_after_cut, slowdown_after_cut
from gapdoctor.causes.optimization.result import Stall
from gapdoctor.causes.optimization.score import crawl_score
from tests.metric_scenarios import epoch_run, scaled_splits


def _step_run(
    load: Callable[..., Any],
    seed: int,
    *,
    cut_after: int,
    cut_to: float,
    epochs: int,
    hidden: tuple[int, ...],
    train_size: float | int,
) -> dict[str, Any]:
    """SGD at 0.01 on a bundled set, the rate stepped down to ``cut_to`` from epoch ``cut_after`` (0-based) on."""
    X, y = load(return_X_y=True)
    return epoch_run(
        *scaled_splits(X, y, train_size=train_size, seed=seed),
        epochs=epochs,
        hidden=hidden,
        solver="sgd",
        lr=0.01,
        lr_schedule=lambda epoch: 0.01 if epoch < cut_after else cut_to,
        seed=seed,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rate_cut_to_next_to_zero_two_epochs_in_is_the_headline(seed: int) -> None:
    run = _step_run(load_digits, seed, cut_after=2, cut_to=1e-6, epochs=40, hidden=(64,), train_size=1000)
    train = run["history"]["train_loss"]
    assert abs(train[-1] - train[3]) < 0.01 * train[0]  # frozen where the two epochs left it
    top = gapdoctor.diagnose(**run).top
    assert top is not None and top.cause == "optimization" and top.score >= 0.5
    assert "right after the learning rate was cut" in top.summary
    assert top.fixes[0].startswith("Delay the learning-rate decay")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_100x_cut_four_epochs_in_is_the_headline_while_the_loss_still_crawls(seed: int) -> None:
    run = _step_run(load_wine, seed, cut_after=4, cut_to=1e-4, epochs=60, hidden=(64,), train_size=0.6)
    train = np.asarray(run["history"]["train_loss"])
    assert train[-21] - train[-1] > 0.02 * train[-21] or train[-1] < 0.3 * train[0]  # no plain stall
    diagnosis = gapdoctor.diagnose(**run)
    top = diagnosis.top
    assert top is not None and top.cause == "optimization" and top.score >= 0.5, diagnosis.findings
    assert "right after the learning rate was cut from 0.01 to 0.0001 at epoch 5" in top.summary
    assert isinstance(top.result, Stall) and (top.result.pace_slowdown_after_cut or 0) >= 20
    assert top.fixes[0].startswith("Delay the learning-rate decay")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_usual_10x_step_late_in_the_run_is_not_a_crawl(seed: int) -> None:
    run = _step_run(load_breast_cancer, seed, cut_after=40, cut_to=1e-3, epochs=60, hidden=(32,), train_size=0.6)
    train = np.asarray(run["history"]["train_loss"])
    slowed = slowdown_after_cut(train, 40)  # the 10x cut slows the pace about 10x (8.7-9.5x here), no more
    assert slowed is not None and slowed.slowdown < 12
    assert crawl_after_cut(train, (40,)) is None
    found = [f for f in gapdoctor.diagnose(**run).findings if f.cause == "optimization"]
    assert all(f.score < 0.3 for f in found), found


def test_the_slowdown_reads_the_pace_on_either_side_of_the_cut() -> None:
    crawling = np.r_[1.0, 0.8, 0.64, np.linspace(0.639, 0.63, 20)]
    s = slowdown_after_cut(crawling, 3)
    assert s is not None and s.slowdown == pytest.approx((0.36 / 2) / (0.01 / 20), rel=1e-6)
    assert s.reachable == 1.0
    converged_then_cut = np.r_[0.1 + 0.9 * np.exp(-np.arange(30) / 3), 0.1 - np.linspace(0, 1e-6, 10)]
    converged = slowdown_after_cut(converged_then_cut, 30)  # nothing was left for the old pace to remove
    assert converged is not None and converged.reachable < 0.01
    assert crawl_after_cut(converged_then_cut, (30,)) is None
    dropped = np.r_[np.linspace(1.0, 0.5, 10), 0.3, 0.25, 0.24, np.linspace(0.239, 0.23, 10)]
    drop = slowdown_after_cut(dropped, 10)  # the cut brought a drop: it did what it was for
    assert drop is not None and drop.slowdown < 3 and crawl_score(drop.slowdown, drop.reachable) < 0.15


REAL = Path(__file__).resolve().parents[2] / "data"


def test_a_cut_after_the_loss_had_fitted_the_training_rows_is_no_crawl() -> None:
    fitted = np.r_[0.6 * np.exp(-np.arange(20) / 3), np.linspace(0.0021, 0.0014, 6)]  # 0.6 -> 0.0021 at the cut
    assert slowdown_after_cut(fitted, 20) is None and crawl_after_cut(fitted, (20,)) is None
    still_high = np.r_[0.6 * np.exp(-np.arange(5) / 30), np.linspace(0.52, 0.519, 20)]  # cut with 85% left
    assert crawl_after_cut(still_high, (5,)) is not None
    # A real Keras log (forty-fifth held-out set): ReduceLROnPlateau's fifth cut (8e-06 -> 1.6e-06) came with the
    # training loss at 0.002 (0.3% of its start) and the validation loss up 166% from its low: read as a crawl
    # (0.50) and put ahead of the overfitting (0.98) it "explained". The overfitting heads it now.
    diagnosis = gapdoctor.diagnose(history=REAL / "real_logs_heldout45" / "keras_veriguard.csv")
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting" and diagnosis.top.score >= 0.5
    assert not [f for f in diagnosis.reported if f.cause == "optimization"], diagnosis.render()
