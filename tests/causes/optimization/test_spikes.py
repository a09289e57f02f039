"""A spike that takes the training loss back to where it started is reported on its own (issue 13).

Before, every spike added half a reporting point whatever its size: a lone spike scored 0.22 when the
loss rose a thousandfold and the run had to start again (corpus seed 36374, diagnosed healthy).
The recorded runs are corpus seeds 36374 and 38710 (tests/data/record_spike_resets.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.optimization.score import SPIKE_RESET_MAX, instability_score
from gapdoctor.causes.optimization.spikes import find_spikes

FIXTURE = Path(__file__).parents[2] / "data" / "optimization_spike_resets.json"
FALLING = 2.0 * np.exp(-np.arange(30) / 6.0) + 0.1


def _spiked(at: int, height: float) -> np.ndarray:
    x = np.array(FALLING, dtype=np.float64)
    x[at] = height
    return x


def _spikes_of(x: np.ndarray, excused: tuple[int, ...] = ()) -> tuple[list[int], float]:
    progress = float(x.max() - x.min())
    found = find_spikes(x, np.arange(len(x)), noise=0.005, batch=0.0, progress=progress, excused=excused)
    return found.positions.tolist(), found.gave_back


def test_a_spike_gives_back_its_share_of_the_progress_made_before_it() -> None:
    # at point 12 the loss had fallen from 2.1 to 0.37: a spike to 1.2 gives back half of that fall
    low = float(FALLING[:12].min())
    half = low + 0.5 * (FALLING[0] - low)
    positions, gave_back = _spikes_of(_spiked(12, half))
    assert positions == [12]
    assert gave_back == pytest.approx(0.5, abs=1e-9)
    # alone it stays weak, as every lone spike did
    assert instability_score(0.0, 0.0, 1, improving=False, sampled=False, gave_back=gave_back) < 0.5


def test_a_spike_back_above_the_starting_loss_is_reported_on_its_own() -> None:
    positions, gave_back = _spikes_of(_spiked(12, 2.5))
    assert positions == [12] and gave_back > 1.0
    # reported even while the validation curve still improves: the run started again
    assert instability_score(0.0, 0.0, 1, improving=True, sampled=False, gave_back=gave_back) > 0.5
    # a loss logged one batch at a time: one batch's loss is weak evidence, as before
    assert instability_score(0.0, 0.0, 1, improving=False, sampled=True, gave_back=gave_back) < 0.5


def test_a_spike_before_any_progress_counts_as_the_most_and_a_warm_restart_is_excused() -> None:
    rising_first = np.r_[FALLING[0], 3.0 * FALLING[0], FALLING[1:]]
    assert _spikes_of(rising_first)[1] == SPIKE_RESET_MAX
    assert _spikes_of(_spiked(12, 2.5), excused=(12, 13)) == ([], 0.0)


@pytest.mark.parametrize("seed", [36374, 38710])
def test_recorded_runs_that_started_again_headline_optimisation(seed: int) -> None:
    run = json.loads(FIXTURE.read_text())["runs"][f"corpus-seed{seed}"]
    diagnosis = gapdoctor.diagnose(history=run["history"], metric=run["metric"], val_size=run["val_size"])
    top = diagnosis.findings[0]
    assert top.cause == "optimization" and top.score >= 0.5  # 0.22 before: a lone spike, whatever its size
    assert top.evidence["spike_gave_back"] >= 1.0
    assert "starting" in top.summary
    assert "costs little so far" not in top.summary
