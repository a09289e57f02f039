"""Shared by the typed-payload tests: a real finding's payload rebuilds from its parts and from JSON,
and its cause folder draws its figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import gapdoctor
from gapdoctor.causes.payload import Payload, payload_of
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.figure_registry import figures_of

REAL_LOGS = Path(__file__).resolve().parents[1] / "data" / "real_logs"
"""Logs written by real training runs (see tests/data/real_logs/README.md)."""

P = TypeVar("P", bound=Payload)


def finding_from_log(name: str, check: str, **kwargs: Any) -> tuple[Finding, Diagnosis]:
    """The strongest finding of ``check`` on the real log ``name``, and its diagnosis."""
    diagnosis = gapdoctor.diagnose(history=REAL_LOGS / name, **kwargs)
    found = [f for f in diagnosis.findings if f.check == check]
    assert found, f"{name}: no {check} finding in {[f.check for f in diagnosis.findings]}"
    return found[0], diagnosis


def assert_payload_round_trips(finding: Finding, kind: type[P]) -> P:
    """The finding carries a ``kind`` payload that its evidence/data and its stored JSON both rebuild."""
    result = finding.result
    assert isinstance(result, kind), f"{finding.check} carries {type(result).__name__}, not {kind.__name__}"
    assert kind.from_parts(finding.evidence, finding.data) == result
    stored = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert stored.result is None  # a stored finding has no payload of its own ...
    rebuilt = payload_of(stored)
    assert type(rebuilt) is kind and rebuilt == result  # ... payload_of rebuilds the same one
    return result


def assert_round_trips(finding: Finding) -> None:
    """The payload, whatever its type, rebuilds from the finding's evidence and data and its JSON."""
    assert finding.result is not None, finding
    assert_payload_round_trips(finding, type(finding.result))


def captions(finding: Finding, diagnosis: Diagnosis) -> list[str]:
    """The captions of the figures the finding's cause folder draws for it."""
    made = figures_of(finding, diagnosis)
    assert made is not None, f"no figure maker for {type(finding.result).__name__}"
    return [caption for caption, _ in made]
