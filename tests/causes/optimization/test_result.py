"""The optimisation payloads on real logs: one kind per picture, each survives the JSON and draws the curves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gapdoctor
from gapdoctor.causes.optimization.result import Instability, LossClimb, NanDivergence, Stall
from gapdoctor.causes.payload import Payload
from tests.causes.payload_checks import assert_round_trips, captions, finding_from_log

BENCH = Path(__file__).resolve().parents[2] / "data" / "bench"


def _of_kind(name: str, kind: type[Payload]) -> tuple[Payload | None, list[str]]:
    """The payload of the first finding of ``kind`` on a real log (it must round-trip) and its captions."""
    _, diagnosis = finding_from_log(name, "optimization.curves")
    found = [f for f in diagnosis.findings if isinstance(f.result, kind)]
    assert found, f"{name}: no {kind.__name__} among {[type(f.result).__name__ for f in diagnosis.findings]}"
    assert_round_trips(found[0])
    return found[0].result, captions(found[0], diagnosis)


@pytest.mark.parametrize(
    ("log", "kind"),
    [
        ("pl_nan_training_loss.csv", NanDivergence),  # Lightning: the loss turns NaN
        ("pl_lrmonitor_camels_diverged_v22.csv", LossClimb),  # Lightning: the loss climbs above its start
        ("other_isl_lstm_100_epochs.csv", Instability),  # Keras-style CSV: the loss spikes
        ("pl_chemistry_sparse_train_loss_test_row.csv", Instability),  # one batch logged every N steps
    ],
)
def test_unmarked_kinds_round_trip_and_draw_the_plain_curves(log: str, kind: type[Payload]) -> None:
    _, made = _of_kind(log, kind)
    assert made == ["Training curves"]


def test_divergence_by_steps_keeps_its_step() -> None:
    result, _ = _of_kind("pl_nan_training_loss.csv", NanDivergence)
    assert isinstance(result, NanDivergence) and result.diverged_at_step is not None


def test_instability_payloads_carry_what_was_measured() -> None:
    spiky, _ = _of_kind("other_isl_lstm_100_epochs.csv", Instability)
    assert isinstance(spiky, Instability) and spiky.spikes >= 1 and spiky.first_spike_epoch is not None
    sampled, _ = _of_kind("pl_chemistry_sparse_train_loss_test_row.csv", Instability)
    assert isinstance(sampled, Instability) and sampled.train_loss_single_batches is not None


def test_a_stall_round_trips_and_marks_its_epochs() -> None:
    # Lightning, LearningRateMonitor: flat, by steps
    result, made = _of_kind("pl_lrmonitor_camels_flat_v14.csv", Stall)
    assert isinstance(result, Stall) and result.lr_schedule is not None
    assert made == ["Training curves with this finding's epochs marked"]
    assert result.markers["stall_epoch"] >= 1
    assert "lr_cut_epoch" not in result.markers and result.lr_cut_epoch is None
    assert result.stall_step is not None


def test_a_stall_after_a_learning_rate_cut_marks_the_cut() -> None:
    """The bench's early-decay run (recorded once): the rate is cut to almost nothing after epoch 1."""
    recorded = BENCH / "optimization__digits-sgd-early-decay-seed0-v1.json"
    diagnosis = gapdoctor.diagnose(history=json.loads(recorded.read_text(encoding="utf-8"))["history"])
    found = [f for f in diagnosis.findings if isinstance(f.result, Stall)]
    assert found and found[0].score >= 0.5
    assert_round_trips(found[0])
    result = found[0].result
    assert isinstance(result, Stall) and result.lr_cut_epoch is not None and result.stall_step is None
    assert result.markers["lr_cut_epoch"] >= 1 and result.markers["stall_epoch"] >= 1
    assert captions(found[0], diagnosis) == ["Training curves with this finding's epochs marked"]
