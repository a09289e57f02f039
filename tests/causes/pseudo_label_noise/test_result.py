"""pseudo_label_noise's typed payload: real findings (flags from confident learning, and from late-fitted
rows alone) rebuild from their parts and from JSON, and the report draws the per-source figure from it."""

from __future__ import annotations

from typing import Any

import pytest
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource
from gapdoctor.findings import Finding
from gapdoctor.report.figure_registry import figures_of
from tests.causes.payload_checks import assert_payload_round_trips
from tests.recorded import recorded_bench_inputs


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return recorded_bench_inputs("pseudo_label_noise/synthetic-three-sources", tmp_path_factory.mktemp("bench"))


@pytest.mark.parametrize("with_probs", [True, False])
def test_a_real_finding_round_trips_and_draws_its_sources(three_sources: dict[str, Any], with_probs: bool) -> None:
    inputs = three_sources if with_probs else {k: v for k, v in three_sources.items() if k != "train_probs"}
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**inputs)
    finding: Finding = next(f for f in diagnosis.findings if f.cause == "pseudo_label_noise")
    result = assert_payload_round_trips(finding, NoiseBySource)
    names = sorted(s["source"] for s in result.sources)
    assert names == ["annotators", "teacher_nb", "vendor"]
    assert sorted(result.noise_rate_pct_by_source) == [f"noise_rate_pct[{n}]" for n in names]
    assert result.flagged_by == ("confident learning" if with_probs else "late-fitted rows (memorisation)")
    if with_probs:
        assert result.suspects and {s["row"] for s in result.suspects} <= set(finding.rows or ())
        assert set(result.suggestions()) == {s["row"] for s in result.suspects}
    else:  # no probabilities, no suggested labels: no suspects key at all
        assert result.suspects is None and "suspects" not in finding.data and result.suggestions() == {}
    (figure,) = figures_of(finding, diagnosis) or []
    assert figure[0] == "Estimated noise rate per label source, with 95% intervals"
    assert "Label noise per source" in (figure[1]() or "")
