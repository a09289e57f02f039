"""What stopping at the best point gains, on real recorded bench runs (tests/data/bench/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gapdoctor.causes.overfitting.check import overfitting_from_curves
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.curves import noise_sd_curved
from tests.recorded import recorded_bench_inputs

Z95 = 1.96


def _finding(inputs: dict[str, Any], **given: Any) -> tuple[Finding, OverfittingCurves]:
    arguments = {"history": inputs["history"], "y_val": inputs["y_val"], "metric": inputs["metric"], **given}
    (finding,) = overfitting_from_curves(build_evidence(**arguments))
    assert isinstance(finding.result, OverfittingCurves)
    return finding, finding.result


def test_the_gain_is_the_metric_at_the_best_epoch_within_the_curves_noise(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("label_noise/digits-25pct-flipped", tmp_path)
    finding, result = _finding(inputs)
    gain = finding.gain
    assert gain is not None and gain["metric"] == "accuracy" == result.metric
    assert (gain["now"], gain["after_fix"]) == (result.val_metric_final, result.val_metric_best)
    noise = noise_sd_curved(np.asarray(inputs["history"]["val_accuracy"], dtype=float))
    assert noise > 1 / len(inputs["y_val"])  # the curve's own noise, not the one-row floor
    low, high = gain["interval"]
    assert low == pytest.approx(result.val_metric_best - Z95 * noise, abs=1e-4)
    assert high == pytest.approx(result.val_metric_best + Z95 * noise, abs=1e-4)
    # the run memorised flipped labels: stopping at the best epoch is a gain told from none
    assert gain["now"] < low and gain["after_fix"] - gain["now"] > 0.05


def test_a_lower_is_better_metric_gains_downwards(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("label_noise/digits-25pct-flipped", tmp_path)
    accuracy_gain = _finding(inputs)[0].gain
    history = {k: v for k, v in inputs["history"].items() if k != "val_accuracy"}
    history["val_error"] = [1.0 - a for a in inputs["history"]["val_accuracy"]]
    finding, result = _finding(inputs, history=history, metric="error")
    gain = finding.gain
    assert accuracy_gain is not None and gain is not None and gain["metric"] == "error"
    assert (gain["now"], gain["after_fix"]) == (result.val_metric_final, result.val_metric_best)
    assert gain["after_fix"] < gain["now"]  # a lower error is the gain
    assert gain["after_fix"] == pytest.approx(1 - accuracy_gain["after_fix"], abs=1e-4)
    assert gain["now"] == pytest.approx(1 - accuracy_gain["now"], abs=1e-4)
    low, high = gain["interval"]
    assert (low, high) == pytest.approx((1 - accuracy_gain["interval"][1], 1 - accuracy_gain["interval"][0]), abs=1e-4)
    assert high < gain["now"]


def test_a_curve_flat_between_one_row_jumps_is_read_to_one_row(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("overfitting/breast-cancer-60rows", tmp_path)
    assert noise_sd_curved(np.asarray(inputs["history"]["val_accuracy"], dtype=float)) == 0.0
    finding, result = _finding(inputs)
    gain = finding.gain
    assert gain is not None and gain["after_fix"] == result.val_metric_best
    half_width = Z95 / len(inputs["y_val"])
    assert gain["interval"] == pytest.approx((gain["after_fix"] - half_width, gain["after_fix"] + half_width), abs=1e-4)


def test_without_a_metric_curve_no_gain_is_stated(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("label_noise/digits-25pct-flipped", tmp_path)
    history = {k: inputs["history"][k] for k in ("train_loss", "val_loss")}
    finding, result = _finding(inputs, history=history)
    assert result.metric is None and finding.gain is None


def test_a_bounded_metric_logged_outside_its_range_gets_no_gain() -> None:
    # found by the fuzz suite: val_precision logged at 1e10 made an interval [8.6e9, 1.0]
    import gapdoctor

    scale = [1e10 * 0.74**i for i in range(4)] + [1e10 * 0.74**3] * 4
    diagnosis = gapdoctor.diagnose(
        metric="precision",
        history={
            "train_loss": [1.0, 0.7, 0.5, 0.35, 0.25, 0.17, 0.11, 0.07],
            "val_loss": [1.0, 0.8, 0.7, 0.75, 0.85, 0.95, 1.05, 1.2],
            "val_precision": scale,
        },
    )
    assert all(f.gain is None for f in diagnosis.findings if f.cause == "overfitting")
