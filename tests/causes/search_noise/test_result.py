"""search_noise payloads: real search findings round-trip through the JSON; none draws a figure."""

from __future__ import annotations

from typing import Any

import gapdoctor
from gapdoctor.causes.search_noise.result import OverfittedBest, RankedByTrainingLoss, TiesWithinNoise
from gapdoctor.findings import Finding
from tests.causes.typed_findings import assert_round_trips, figure_captions
from tests.test_search import mlp_trials


def _finding(check: str, trials: list[dict[str, Any]], metric: str = "accuracy") -> Finding:
    found = [f for f in gapdoctor.diagnose_search(trials, metric=metric).findings if f.check == check]
    assert found, f"{check} did not report"
    return found[0]


def test_ties_payload_round_trips_with_and_without_a_validation_size() -> None:
    values = [0.912, 0.905, 0.908, 0.899, 0.91, 0.87]
    trials = [{"params": {"C": 10.0**-i}, "value": v, "val_size": 120} for i, v in enumerate(values)]
    finding = _finding(TiesWithinNoise.CHECK, trials)
    assert_round_trips(finding, TiesWithinNoise)
    result = finding.result
    assert isinstance(result, TiesWithinNoise)
    assert result.val_size == 120 and result.val_size_for_1pt_difference is not None
    assert [t["trial"] for t in result.trials][:2] == [0, 4] and result.trials[0]["tied"]
    assert figure_captions(finding) == []

    repeated = [
        {"params": {"depth": d}, "value": v}
        for d, v in [(2, 0.40), (2, 0.46), (3, 0.41), (3, 0.44), (4, 0.43), (4, 0.47)]
    ]
    finding = _finding(TiesWithinNoise.CHECK, repeated, metric="log_loss")
    assert_round_trips(finding, TiesWithinNoise)
    assert isinstance(finding.result, TiesWithinNoise) and finding.result.val_size is None
    assert "val_size" not in finding.evidence and "val_size_for_1pt_difference" not in finding.evidence


def test_training_loss_ranking_and_overfitted_best_payloads_round_trip() -> None:
    by_loss = [dict(t, value=t["history"]["train_loss"][-1]) for t in mlp_trials(0)]
    finding = _finding(RankedByTrainingLoss.CHECK, by_loss, metric="log_loss")
    assert_round_trips(finding, RankedByTrainingLoss)
    assert isinstance(finding.result, RankedByTrainingLoss)
    assert finding.result.values_equal_to_train_loss == finding.result.trials_with_history == len(by_loss)
    assert figure_captions(finding) == []

    by_accuracy = [dict(t, value=t["history"]["val_accuracy"][-1]) for t in mlp_trials(0)]
    finding = _finding(OverfittedBest.CHECK, by_accuracy)
    assert_round_trips(finding, OverfittedBest)
    assert isinstance(finding.result, OverfittedBest) and finding.result.spearman_value_vs_gap > 0
    assert figure_captions(finding) == []
