"""A plateau's rises within the noise its own batches measured are not a learning rate too high.

``tb_pl_xaipipeline_v16.tfevents`` (held-out set 114, a Lightning classifier logged to TensorBoard): the training
loss is logged every 50 steps, six one-batch values an epoch, and read per epoch as their mean with its standard
error (0.015-0.056). On its plateau (0.11-0.16 from epoch 5) the epoch means rose at every other epoch, by less than
that error; main read those rises as "the training loss bounces on a plateau, a sign of a learning rate too high"
(lower it 3-10x), since the validation loss jitters more than the training loss and the rises were never tested
against any noise. The same curve with batches ten times steadier still bounces.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import gapdoctor
from gapdoctor.causes.optimization.rises import (
    batch_noise,
    jitter_within_batches,
    rises_vs_batch_noise,
    steadier_of,
)
from gapdoctor.inputs.history import RunHistory
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[2] / "data"
XAI = DATA / "real_logs_heldout114" / "tb_pl_xaipipeline_v16.tfevents"
TCA = DATA / "real_logs_heldout67" / "pl_tca_reto_v0.csv"


def _summaries(history: RunHistory) -> list[str]:
    return [f.summary for f in gapdoctor.diagnose(history=history).findings if f.cause == "optimization"]


def test_rises_within_the_batches_noise_are_not_a_bounce() -> None:
    history = read_history(XAI)
    train, se = history.get("train_loss"), batch_noise(history)
    assert train is not None and se is not None
    assert history.train_loss_counts is not None and int(np.median(history.train_loss_counts)) == 6
    assert jitter_within_batches(train, se)
    rises = rises_vs_batch_noise(train, se)
    assert rises is not None and rises.observed >= 3 and rises.p_value > 0.05, rises
    said = _summaries(history)
    assert said and not any("bounces" in s or "too high" in s for s in said), said


def test_the_same_curve_with_batches_ten_times_steadier_still_bounces() -> None:
    history = read_history(XAI)
    assert history.train_loss_se is not None
    steadier = dataclasses.replace(history, train_loss_se=history.train_loss_se / 10)
    train, se = steadier.get("train_loss"), batch_noise(steadier)
    assert train is not None and se is not None and not jitter_within_batches(train, se)
    said = _summaries(steadier)
    assert any("bounces on a plateau" in s for s in said), said


def test_batches_that_spread_more_than_the_curve_moves_are_read_at_the_curves_noise() -> None:
    """``pl_tca_reto_v0.csv``: seven values an epoch spread 0.11-0.20 (standard error) while the epoch means moved
    by hundredths: the same batches each epoch. Their spread is not the noise between two epochs."""
    history = read_history(TCA)
    train, se = history.get("train_loss"), batch_noise(history)
    assert train is not None and se is not None and float(np.median(se)) > 0.1
    assert float(np.median(steadier_of(train, se))) < 0.05
