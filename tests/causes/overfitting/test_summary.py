"""overfitting.curves: the memorised-rows sentence says as much as the training lead's size allows.

Recorded curves of three corpus runs whose finding reads the "memorised" pattern (the training metric
ahead of validation), read from ``tests/data/corpus/memorised_*_seed*.npz``: the history and the
validation size :func:`gapdoctor.diagnose` received from the corpus generator
(``python -m gapdoctor.bench.corpus``, those seeds). Of the 122 such findings on the corpus lines, 43
rested on a lead under 2 sampling standard deviations, and each said "the model fits its training rows
far better than new ones" (wine, seed 2480: 0.019 ahead on 53 rows, 1.0 standard deviation).
"""

from __future__ import annotations

import pytest

import gapdoctor
from tests.data.recording import corpus_inputs


def _overfitting(name: str, metric: str) -> gapdoctor.Finding:
    inputs = corpus_inputs(name)
    diagnosis = gapdoctor.diagnose(history=inputs["history"], val_size=int(inputs["val_size"]), metric=metric)
    return next(f for f in diagnosis.findings if f.check == "overfitting.curves")


@pytest.mark.parametrize(
    ("name", "metric", "sds", "words"),
    [
        ("memorised_within_noise_seed2480", "accuracy", "1.0", "within the sampling noise of the validation rows"),
        ("memorised_clear_seed4680", "accuracy", "2.0", "the model fits its training rows better than new ones"),
        ("memorised_far_seed290", "balanced_accuracy", "6.6", "the model fits its training rows far better than new"),
    ],
)
def test_the_training_lead_is_described_by_its_size(name: str, metric: str, sds: str, words: str) -> None:
    finding = _overfitting(name, metric)
    assert finding.result.pattern == "memorised"
    assert f"{sds} sampling standard deviations" in finding.summary
    assert words in finding.summary
    if sds != "6.6":
        assert "far better" not in finding.summary
