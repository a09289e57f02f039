"""The metric-saturation payload: it survives the JSON, with and without the label-noise ceiling."""

from __future__ import annotations

import gapdoctor
from gapdoctor.causes.metric_saturation.result import Saturation
from tests import metric_scenarios
from tests.causes.payload_checks import assert_round_trips, captions, finding_from_log


def test_history_alone_round_trips_and_draws_the_curves() -> None:
    # an LSTM run logged to CSV: accuracy at its ceiling, the loss still falling
    finding, diagnosis = finding_from_log("other_isl_lstm_100_epochs.csv", "metric_saturation.curves")
    result = finding.result
    assert isinstance(result, Saturation) and result.val_suspected_label_errors is None
    assert "val_suspected_label_errors" not in finding.evidence and result.val_log_loss is None
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == ["Training curves"]


def test_the_label_noise_ceiling_and_calibration_figures_round_trip() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.easy_task_noisy_validation())
    finding = next(f for f in diagnosis.findings if f.cause == "metric_saturation")
    result = finding.result
    assert isinstance(result, Saturation)
    assert result.val_suspected_label_errors is not None and result.val_label_error_rate_est is not None
    assert result.accuracy_ceiling_est == round(1 - result.val_label_error_rate_est, 4)
    assert result.val_log_loss is not None and result.val_expected_calibration_error is not None
    assert list(finding.evidence)[-5:] == [
        "val_log_loss",
        "val_expected_calibration_error",
        "val_loss_change_second_half_pct",
        "val_suspect_confidence_rank",
        "val_suspect_rank_p_value",
    ]
    assert f"Review the {result.val_suspected_label_errors} validation rows" in finding.fixes[1]
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == ["Training curves"]
