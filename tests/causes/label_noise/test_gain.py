"""What cleaning the labels gains: the experiment's measured metric, in the metric's own direction."""

from __future__ import annotations

from typing import Any

import pytest

from gapdoctor.causes.label_noise.check import label_noise_confident_learning
from gapdoctor.causes.label_noise.gain import measured_gain
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise
from gapdoctor.inputs.evidence import build_evidence
from tests.causes.label_noise_data import noisy_split


def _experiment(metric: str, before: float, after: float, interval: list[float], verdict: str) -> dict[str, Any]:
    return {"metric": metric, "before": before, "after": after, "interval": interval, "verdict": verdict}


def test_a_lower_is_better_metric_gains_downwards() -> None:
    gain = measured_gain(_experiment("log_loss", 0.62, 0.41, [0.35, 0.47], "confirmed"))
    assert gain == {"metric": "log_loss", "now": 0.62, "after_fix": 0.41, "interval": (0.35, 0.47)}


@pytest.mark.parametrize(
    "experiment",
    [
        _experiment("accuracy", 0.85, 0.84, [0.82, 0.86], "inconclusive"),  # re-training lost
        _experiment("log_loss", 0.40, 0.45, [0.42, 0.48], "refuted"),  # worse in the metric's direction
        _experiment("accuracy", 0.85, 0.851, [0.80, 0.85], "refuted"),  # refuted by its interval
        _experiment("no_such_metric", 0.85, 0.90, [0.88, 0.92], "confirmed"),  # unknown direction
    ],
)
def test_no_gain_where_the_experiment_shows_none(experiment: dict[str, Any]) -> None:
    assert measured_gain(experiment) is None


def test_an_inconclusive_gain_keeps_its_interval_across_now() -> None:
    gain = measured_gain(_experiment("accuracy", 0.85, 0.87, [0.84, 0.90], "inconclusive"))
    assert gain is not None and gain["interval"][0] < gain["now"] < gain["after_fix"]


def test_the_check_states_no_gain_without_a_model() -> None:
    _, given, probs = noisy_split("digits", 0.3)
    (finding,) = label_noise_confident_learning(build_evidence(y_train=given, train_probs=probs))
    assert isinstance(finding.result, ConfidentLearningNoise) and finding.score >= 0.5
    assert finding.gain is None
