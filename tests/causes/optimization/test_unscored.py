"""A detector's score at 0 at every evaluation while no loss moved: the model learnt nothing, an optimisation stall.

Found on a held-out real log collected blind (``real_logs_heldout73/yolo_renewable_solar_energy_obb.csv``, an
Ultralytics OBB run: mAP, precision and recall 0 at all 100 epochs, its summed training loss 13.09 -> 12.70, its
validation loss rising 11.72 -> 11.79). The pipeline-bug check leaves a score at 0 to the curve checks when no loss fell
(a model that learnt nothing scores 0 too), but the curve checks read only accuracies as frozen decisions: the headline
was overfitting 0.98 with "stop early at epoch 1" and a gain of "map 0.000 -> 0.000". With a loss that fell, the same
zeros stay the pipeline-bug check's (the metric never scored a model that changed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor

LOG = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout73" / "yolo_renewable_solar_energy_obb.csv"


def _frozen(diagnosis: gapdoctor.Diagnosis) -> list[tuple[str, int]]:
    return [
        (f.result.frozen_metric, f.result.frozen_evaluations)
        for f in diagnosis.findings
        if f.cause == "optimization" and getattr(f.result, "frozen_metric", None) is not None
    ]


def test_the_real_obb_run_that_never_scored_headlines_a_model_that_learnt_nothing() -> None:
    diagnosis = gapdoctor.diagnose(history=LOG)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization", diagnosis.findings
    assert _frozen(diagnosis) == [("map", 100)]
    assert "the validation map is 0 at all 100 evaluations and no loss fell by 5%" in top.summary
    assert "learnt nothing" in top.summary
    assert top.fixes[0].startswith("Check that the model can learn at all") and "labels reach the loss" in top.fixes[0]
    assert not any(f.check == "pipeline_bug.metric_never_scored" for f in diagnosis.findings)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("metric", ["map", "bleu", "iou"])
def test_a_score_at_zero_with_flat_losses_is_a_stall_and_with_a_falling_loss_a_broken_metric(
    seed: int, metric: str
) -> None:
    rng = np.random.default_rng(seed)
    flat = 2.0 + 0.05 * rng.standard_normal(20)
    falling = np.geomspace(2.0, 0.8, 20) + 0.02 * rng.standard_normal(20)
    zeros = [0.0] * 20
    stalled = gapdoctor.diagnose(history={"train_loss": flat.tolist(), f"val_{metric}": zeros})
    assert stalled.top is not None and stalled.top.cause == "optimization" and not stalled.top.weak
    assert _frozen(stalled) == [(metric, 20)]
    broken = gapdoctor.diagnose(history={"train_loss": falling.tolist(), f"val_{metric}": zeros})
    assert _frozen(broken) == []
    assert broken.top is not None and broken.top.check == "pipeline_bug.metric_never_scored", broken.findings


def test_a_score_that_left_zero_once_is_not_frozen() -> None:
    flat = (2.0 + 0.05 * np.sin(np.arange(20))).tolist()
    history = {"train_loss": flat, "val_map": [0.0] * 19 + [0.01]}
    assert _frozen(gapdoctor.diagnose(history=history)) == []
