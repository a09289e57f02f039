"""The rows a saturation finding says are left wrong, on a metric that is not a share of rows.

Accuracy's headroom is the share of validation rows wrong; F1's is not: the bench's F1 task with
5% positives sits 17.7% below F1's ceiling with 20 of its 1,200 validation rows wrong at the
model's decisions. The finding said "213 of 1200 validation rows wrong" (headroom times rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import gapdoctor
from tests.recorded import recorded_bench_inputs


def test_an_f1_finding_counts_the_rows_its_decisions_get_wrong(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("metric_mismatch/synthetic-f1-5pct-positive", tmp_path)
    wrong = int(np.count_nonzero(np.argmax(inputs["val_probs"], axis=1) != inputs["y_val"]))
    finding = next(f for f in gapdoctor.diagnose(**inputs).findings if f.cause == "metric_saturation")
    assert finding.evidence["headroom"] > 0.15 and wrong < 0.05 * len(inputs["y_val"])
    assert finding.evidence["val_errors_left"] == wrong
    assert f"({wrong} of {len(inputs['y_val'])} validation rows wrong)" in finding.summary
