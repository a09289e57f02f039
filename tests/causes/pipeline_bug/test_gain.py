"""What re-encoding the validation labels gains, on a real recorded bench run (wine, labels permuted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapdoctor.causes.pipeline_bug.check import label_encoding
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.accumulators import binomial_interval
from tests.recorded import recorded_bench_inputs


@pytest.mark.parametrize("metric", ["accuracy", "f1_weighted"])
def test_the_gain_is_the_accuracy_under_the_corrected_mapping(metric: str, tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("pipeline_bug/wine-label-encoding", tmp_path)
    evidence = build_evidence(y_val=inputs["y_val"], val_probs=inputs["val_probs"], metric=metric)
    (finding,) = label_encoding(evidence)
    result = finding.result
    assert isinstance(result, LabelEncoding) and finding.gain is not None
    n = len(inputs["y_val"])
    low, high = binomial_interval(round(result.val_accuracy_best_mapping * n), n)
    # in accuracy, the figure measured, whatever metric the run reports
    assert finding.gain == {
        "metric": "accuracy",
        "now": result.val_accuracy_as_given,
        "after_fix": result.val_accuracy_best_mapping,
        "interval": (round(low, 4), round(high, 4)),
    }
    assert finding.gain["now"] < low  # a gain told from none
