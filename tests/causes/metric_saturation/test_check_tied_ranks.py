"""Suspected label errors on a model whose probabilities saturated to exactly 0 and 1: tied ranks.

Two corpus runs at too high a learning rate, recorded once by
tests/data/record_saturated_probabilities.py: the softmax rounds to 0 and 1 for nearly every row,
so the model's own errors tie with the rows it gets right instead of ranking below them. With the
variance of untied ranks (1/12), the suspects' mean percentile (0.459) read as label errors and
``metric_saturation`` headlined both runs at 0.98; the ranks' variance among the right rows
themselves shows the suspects are less sure than rows drawn from them would be.
"""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.metric_saturation.check import label_noise_ceiling
from gapdoctor.causes.metric_saturation.score import LABEL_ERRORS_REJECTED_BELOW
from gapdoctor.inputs.evidence import build_evidence
from tests.data.recording import corpus_inputs

RUNS = {107382: 121, 108502: 82}  # corpus seed: validation rows contradicted with near certainty


@pytest.mark.parametrize("seed", sorted(RUNS))
def test_saturated_probabilities_errors_are_not_a_label_noise_ceiling(seed: int) -> None:
    inputs = corpus_inputs(f"saturated_probabilities_seed{seed}")
    ceiling = label_noise_ceiling(
        build_evidence(history=inputs["history"], y_val=inputs["y_val"], val_probs=inputs["val_probs"])
    )
    assert ceiling is not None and ceiling.suspected_errors == RUNS[seed]
    assert ceiling.confidence_rank is not None and 0.45 < ceiling.confidence_rank < 0.47  # near 1/2: ties
    assert ceiling.rank_p_value is not None and ceiling.rank_p_value < LABEL_ERRORS_REJECTED_BELOW
    assert not ceiling.credible
    diagnosis = gapdoctor.diagnose(**inputs)
    # before: metric_saturation 0.98 headlined, "the attainable accuracy is about 0.76" (0.87)
    assert diagnosis.top is not None and diagnosis.top.cause != "metric_saturation"
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")
    if seed == 107382:  # the injected cause: a learning rate far too high, its loss unstable
        assert diagnosis.top.cause == "optimization"


def test_ranks_all_tied_cannot_tell_label_errors_from_the_models_own() -> None:
    inputs = corpus_inputs("saturated_probabilities_seed107382")
    probs = np.asarray(inputs["val_probs"])
    rounded = (probs == probs.max(axis=1, keepdims=True)).astype(float)  # every row at exactly 0 and 1
    ceiling = label_noise_ceiling(build_evidence(history=inputs["history"], y_val=inputs["y_val"], val_probs=rounded))
    assert ceiling is not None and ceiling.suspected_errors == RUNS[107382]
    assert ceiling.confidence_rank == 0.5 and ceiling.rank_p_value is None  # could not look: no spread to rank by
    assert not ceiling.credible
    findings = gapdoctor.diagnose(history=inputs["history"], y_val=inputs["y_val"], val_probs=rounded).findings
    saturation = [f for f in findings if f.cause == "metric_saturation"]
    assert all(f.score < 0.5 for f in saturation)
    assert all("no spread to tell label errors" in f.summary for f in saturation)
