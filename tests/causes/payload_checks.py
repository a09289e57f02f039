"""Shared assertions of the payload tests: a finding's typed payload survives its JSON, and its figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gapdoctor
from gapdoctor.causes.payload import payload_of
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.figure_registry import figures_of

REAL_LOGS = Path(__file__).resolve().parents[1] / "data" / "real_logs"
"""Logs written by real training runs (see tests/data/real_logs/README.md)."""


def finding_from_log(name: str, check: str, **kwargs: Any) -> tuple[Finding, Diagnosis]:
    """The strongest finding of ``check`` on the real log ``name``, and its diagnosis."""
    diagnosis = gapdoctor.diagnose(history=REAL_LOGS / name, **kwargs)
    found = [f for f in diagnosis.findings if f.check == check]
    assert found, f"{name}: no {check} finding in {[f.check for f in diagnosis.findings]}"
    return found[0], diagnosis


def assert_round_trips(finding: Finding) -> None:
    """The payload rebuilds from the finding's evidence and data, and from its stored JSON."""
    result = finding.result
    assert result is not None, finding
    assert type(result).from_parts(finding.evidence, finding.data) == result
    stored = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert stored.result is None
    rebuilt = payload_of(stored)
    assert type(rebuilt) is type(result) and rebuilt == result


def captions(finding: Finding, diagnosis: Diagnosis) -> list[str]:
    """The captions of the figures the finding's cause folder draws for it."""
    made = figures_of(finding, diagnosis)
    assert made is not None, f"no figure maker for {type(finding.result).__name__}"
    return [caption for caption, _ in made]
