"""How a diagnosis states the exact figures and the sampling (gapdoctor.scale.exact)."""

from __future__ import annotations

import json

import pytest

dask = pytest.importorskip("dask")

import gapdoctor  # noqa: E402
from gapdoctor.scale import reading  # noqa: E402
from tests.scale.faulty_data import as_dask_arrays, faulty_data  # noqa: E402


def test_each_finding_gets_the_figures_of_its_own_cause_and_the_report_says_what_was_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 2_500)
    with dask.config.set(scheduler="synchronous"):
        diagnosis = gapdoctor.diagnose(**as_dask_arrays(faulty_data(), 1_000))
    exact = diagnosis.inputs["dask"]["exact"]
    for finding in diagnosis.findings:
        added = {k for k in finding.evidence if k.endswith("_all_rows")}
        assert added == set(exact.get(finding.cause, {})), finding.cause
    shift = next(f for f in diagnosis.findings if f.cause == "distribution_shift")
    assert shift.evidence["largest_mean_shift_feature_all_rows"] == "x0"
    assert diagnosis.notes[-1] == (
        "Dask, on the Dask scheduler 'synchronous': 4,000 train rows in 4 partitions (row checks read a uniform "
        "sample of 2,500); 2,000 val rows in 2 partitions; figures ending _all_rows are exact over every row"
    )
    assert json.loads(diagnosis.to_json())["inputs"]["dask"] == diagnosis.inputs["dask"]  # JSON-safe
    skipped = [run for run in diagnosis.checks if run.status == "skipped"]
    assert skipped and all("Dask" not in run.note for run in skipped)
