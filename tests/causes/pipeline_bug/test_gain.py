"""What re-encoding the validation labels gains, on a real recorded bench run (wine, labels permuted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import f1_score, log_loss

from gapdoctor.causes.gain import Gain
from gapdoctor.causes.pipeline_bug.check import label_encoding
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.accumulators import binomial_interval
from tests.recorded import recorded_bench_inputs


def _gain(inputs: dict[str, Any], metric: str) -> tuple[Gain, LabelEncoding]:
    evidence = build_evidence(y_val=inputs["y_val"], val_probs=inputs["val_probs"], metric=metric)
    (finding,) = label_encoding(evidence)
    assert isinstance(finding.result, LabelEncoding) and finding.gain is not None
    return finding.gain, finding.result


def _corrected(inputs: dict[str, Any], result: LabelEncoding) -> np.ndarray:
    """The validation labels relabelled by the payload's mapping (class names of wine are 0, 1, 2)."""
    pairs = zip(result.mapping["classes"], result.mapping["val_label_to_true"], strict=True)
    true_of = {int(v): int(t) for v, t in pairs}
    return np.array([true_of[int(v)] for v in inputs["y_val"]])


def test_the_accuracy_gain_is_the_payloads_with_its_exact_interval(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("pipeline_bug/wine-label-encoding", tmp_path)
    gain, result = _gain(inputs, "accuracy")
    n = len(inputs["y_val"])
    low, high = binomial_interval(round(result.val_accuracy_best_mapping * n), n)
    assert gain == {
        "metric": "accuracy",
        "now": result.val_accuracy_as_given,
        "after_fix": result.val_accuracy_best_mapping,
        "interval": (round(low, 4), round(high, 4)),
    }
    assert gain["now"] < low  # a gain told from none
    pred = inputs["val_probs"].argmax(axis=1)
    assert gain["after_fix"] == pytest.approx(np.mean(pred == _corrected(inputs, result)), abs=1e-4)


def test_another_metric_gains_on_its_own_scale(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("pipeline_bug/wine-label-encoding", tmp_path)
    gain, result = _gain(inputs, "f1_weighted")
    pred, corrected = inputs["val_probs"].argmax(axis=1), _corrected(inputs, result)
    assert gain["metric"] == "f1_weighted"
    assert gain["now"] == pytest.approx(f1_score(inputs["y_val"], pred, average="weighted"), abs=1e-4)
    assert gain["after_fix"] == pytest.approx(f1_score(corrected, pred, average="weighted"), abs=1e-4)
    low, high = gain["interval"]
    assert gain["now"] < low <= gain["after_fix"] <= high


def test_a_lower_is_better_metric_gains_downwards(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("pipeline_bug/wine-label-encoding", tmp_path)
    gain, result = _gain(inputs, "log_loss")
    probs = inputs["val_probs"]
    assert gain["metric"] == "log_loss"
    assert gain["now"] == pytest.approx(log_loss(inputs["y_val"], probs, labels=[0, 1, 2]), abs=1e-4)
    assert gain["after_fix"] == pytest.approx(log_loss(_corrected(inputs, result), probs, labels=[0, 1, 2]), abs=1e-4)
    low, high = gain["interval"]
    assert low <= gain["after_fix"] <= high < gain["now"]  # a lower loss is the gain
