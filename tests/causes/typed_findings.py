"""Checks every typed payload must pass: it round-trips through the JSON and its figures are drawn."""

from __future__ import annotations

import json

from gapdoctor.causes.payload import Payload, payload_of
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.figure_registry import figures_of


def assert_round_trips(finding: Finding, kind: type[Payload]) -> None:
    """The finding carries a ``kind`` payload that its evidence/data and its stored JSON rebuild exactly."""
    result = finding.result
    assert type(result) is kind and finding.check == kind.CHECK
    assert kind.from_parts(finding.evidence, finding.data) == result
    # the payload's keys, in its field order, are the finding's keys (the engine may add "sampling")
    assert list(result.evidence()) == [k for k in finding.evidence if k != "sampling"]
    assert list(result.data()) == list(finding.data)
    stored = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert stored.result is None
    rebuilt = payload_of(stored)
    assert type(rebuilt) is kind and rebuilt == result


def figure_captions(finding: Finding) -> list[str]:
    """Captions of the figures the finding's figure maker gives, each drawn (not an error)."""
    made = figures_of(finding, Diagnosis(findings=[finding], checks=[]))
    assert made is not None, f"no figure maker for {type(finding.result).__name__}"
    for caption, draw in made:
        drawn = draw()
        assert drawn is None or drawn.startswith(("<svg", "<table")), caption
    return [caption for caption, _ in made]
