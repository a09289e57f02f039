"""Whether the validation curve still improves beyond its own noise (the excuse that keeps noise weak)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.optimization.progress import validation_progress
from gapdoctor.inputs.evidence import build_evidence

RECORDED = Path(__file__).resolve().parents[3] / "tests" / "data" / "optimization_lucky_end.json"


def lucky_end_run(name: str) -> dict[str, list[float]]:
    """A recorded corpus run (tests/data/record_lucky_end_runs.py): too-high Adam learning rate."""
    run = json.loads(RECORDED.read_text())["runs"][name]
    assert run["causes"] == ["optimization"], "re-record: python -m tests.data.record_lucky_end_runs"
    history: dict[str, list[float]] = run["history"]
    return history


@pytest.mark.parametrize("name", ["corpus_seed_54", "corpus_seed_166"])
def test_a_lucky_last_validation_point_does_not_excuse_an_unstable_loss(name: str) -> None:
    """Real runs with a too-high learning rate: the training loss rises in ~45% of the epochs.

    Their validation accuracy ends on its best, but by luck: seed 54 wobbles around 0.88 (late
    slope 0.8 standard errors, noise half its gain), seed 166 swings with its loss (noise a third
    of its gain). Main read both as "still improving" and capped the finding at 0.45.
    """
    history = lucky_end_run(name)
    evidence = build_evidence(history=history)
    assert evidence.history is not None
    progress = validation_progress(evidence, evidence.history)
    assert progress is not None and not progress.still_improving
    diagnosis = gapdoctor.diagnose(history=history)
    top = diagnosis.top
    assert top is not None and top.cause == "optimization" and not top.weak, diagnosis.render()
    assert "unstable" in top.summary or "bounces" in top.summary
    assert "val_still_improving" not in top.evidence


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_steadily_improving_validation_curve_still_caps_the_noise(seed: int) -> None:
    """The counterpart: the same noisy training loss, validation falling smoothly to the end.

    The validation loss does not share the training loss's jitter (0.004 against 0.08), so that jitter
    is also put on the training loss's measurement (``rises.jitter_is_measurement``): on seeds 1 and 2
    nothing is left to report at all; whatever is reported is capped.
    """
    rng = np.random.default_rng(seed)
    epochs = np.arange(40)
    history = {
        "train_loss": list(np.exp(-epochs / 10) + 0.2 + rng.normal(0, 0.08, 40)),
        "val_loss": list(0.9 * np.exp(-epochs / 25) + 0.3 + rng.normal(0, 0.004, 40)),
    }
    evidence = build_evidence(history=history)
    assert evidence.history is not None
    progress = validation_progress(evidence, evidence.history)
    assert progress is not None and progress.still_improving
    assert progress.late_slope_t > 3 and progress.noise_vs_gain < 0.05
    findings = [f for f in gapdoctor.diagnose(history=history).findings if f.cause == "optimization"]
    assert all(f.score < 0.5 and f.evidence["val_still_improving"] == "yes" for f in findings)
    assert all(f.evidence["val_late_slope_t"] > 3 for f in findings)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_wobble_that_ends_high_by_chance_is_not_improving(seed: int) -> None:
    """A validation curve flat after epoch 10 plus noise, its last point forced to a new best."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(40)
    val = 0.5 * np.exp(-epochs / 3) + 0.4 + rng.normal(0, 0.02, 40)
    val[-1] = val.min() - 0.01
    evidence = build_evidence(history={"train_loss": list(np.exp(-epochs / 8)), "val_loss": list(val)})
    assert evidence.history is not None
    progress = validation_progress(evidence, evidence.history)
    assert progress is not None and not progress.still_improving
    assert progress.late_slope_t < 2.5
