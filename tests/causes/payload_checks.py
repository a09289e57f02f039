"""Shared by the typed-payload tests: a real finding's payload rebuilds from its parts and from JSON."""

from __future__ import annotations

import json
from typing import TypeVar

from gapdoctor.causes.payload import Payload, payload_of
from gapdoctor.findings import Finding

P = TypeVar("P", bound=Payload)


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
