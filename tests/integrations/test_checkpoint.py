"""Checkpoint state: plain JSON out; anything read back in without raising, epochs kept aligned."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import numpy as np
import pytest

from gapdoctor.integrations.checkpoint import STATE_VERSION, read_state
from gapdoctor.integrations.recorder import Recorder


def recorded(**options: Any) -> Recorder:
    recorder = Recorder(n_train=20, **options)
    for epoch in range(3):
        rows = np.arange(20)
        recorder.log_batch(1.0 / (epoch + 1), labels=rows % 2, rows=rows, sample_losses=rows / 10, predictions=rows % 3)
        recorder.end_epoch(val_loss=0.5 + epoch, val_accuracy=None if epoch == 1 else 0.7, throughput=10.0)
    return recorder


def garbage(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON-like value: what a corrupted or foreign checkpoint may hold."""
    leaves = [None, True, -1, 0, 10**30, 1.5, math.nan, math.inf, "", "x", "val_loss", b"\xff"]
    if depth > 2 or rng.random() < 0.4:
        return rng.choice(leaves)
    if rng.random() < 0.5:
        return [garbage(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [*rng.sample(["version", "metric", "curves", "extra_curves", "tracked", "label_order"], 3), "x", 1]
    return {key: garbage(rng, depth + 1) for key in keys[: rng.randrange(len(keys))]}


def mutations(state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``state`` with a few of its values (at any depth) replaced by garbage or deleted."""
    state = json.loads(json.dumps(state))
    for _ in range(rng.randrange(1, 4)):
        node: Any = state
        while isinstance(node, dict) and node and rng.random() < 0.6:
            key = rng.choice(list(node))
            if not isinstance(node[key], dict):
                break
            node = node[key]
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if rng.random() < 0.3:
                del node[key]
            else:
                node[key] = garbage(rng)
    return state


def test_round_trip_through_json_is_exact() -> None:
    recorder = recorded(track_rows=5)
    state = json.loads(json.dumps(recorder.state_dict(), allow_nan=False))
    again = Recorder(n_train=20, track_rows=5)
    assert again.load_state_dict(state) == []
    assert again.curves.keys() == recorder.curves.keys() and math.isnan(again.curves["val_accuracy"][1])
    assert again.sample_losses == recorder.sample_losses and again.label_order == recorder.label_order
    assert again.extra_curves == {"throughput": [10.0] * 3}


@pytest.mark.parametrize("track_rows", [0, 5])
def test_two_thousand_corrupted_states_never_raise_and_keep_epochs_aligned(track_rows: int) -> None:
    rng = random.Random(track_rows)
    good = recorded(track_rows=5).state_dict()
    for case in range(2000):
        state = garbage(rng) if case % 4 == 0 else mutations(good, rng)
        recorder = Recorder(n_train=20, track_rows=track_rows)
        notes = recorder.load_state_dict(state)
        assert isinstance(notes, list) and all(isinstance(n, str) for n in notes)
        epochs = recorder.epochs
        lengths = {len(s) for s in (*recorder.curves.values(), *recorder.extra_curves.values())}
        assert lengths <= {epochs}, (state, lengths)
        assert len(recorder.sample_losses) == (epochs if track_rows else 0)
        recorder.log_batch(1.0)
        recorder.end_epoch(val_loss=0.1)  # recording goes on after any state
        assert recorder.enabled and recorder.epochs == epochs + 1, (state, recorder.errors)
        json.dumps(recorder.state_dict(), allow_nan=False)  # and saves again as plain JSON


def test_other_options_restore_the_curves_and_restart_the_rows() -> None:
    saved = recorded(track_rows=5, seed=1).state_dict()
    restored = read_state(saved, metric="f1", tracked=Recorder(n_train=20, track_rows=7)._tracked)
    assert restored.curves["val_loss"] == [0.5, 1.5, 2.5]
    assert np.isnan(restored.sample_losses).all() and np.shape(restored.sample_losses) == (3, 7)
    assert any("metric 'accuracy'" in note for note in restored.notes)
    assert any("another sample" in note for note in restored.notes)


def test_a_state_without_version_is_read_for_what_fits() -> None:
    restored = read_state({"curves": {"val_loss": [1, None, "x"]}}, metric="accuracy", tracked=None)
    assert restored.curves == {} and restored.notes[0].startswith("it has state version None")
    assert STATE_VERSION == 1
