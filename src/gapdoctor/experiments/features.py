"""Reading the features a finding names, whatever key the check used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gapdoctor.findings import Finding


def _names_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                out.append(item["name"])
        return out
    return []


def named_features(finding: Finding, feature_names: tuple[str, ...]) -> list[str]:
    """Features of ``feature_names`` that the finding names, in the order it names them.

    Looked for in ``Finding.evidence`` under keys containing ``feature`` (a name, a
    comma-separated list or a list) and in ``Finding.data["features"]`` (a list of
    ``{"name": ...}``, the report's schema).

    Examples
    --------
    >>> from gapdoctor.findings import Finding
    >>> f = Finding("preprocessing_leakage", 0.9, "s", evidence={"leaking_features": "b, zz"})
    >>> named_features(f, ("a", "b", "c"))
    ['b']
    """
    found: list[str] = []
    sources = [v for k, v in finding.evidence.items() if "feature" in str(k).lower()]
    sources.append(finding.data.get("features"))
    known = set(feature_names)
    for value in sources:
        for name in _names_in(value):
            if name in known and name not in found:
                found.append(name)
    return found
