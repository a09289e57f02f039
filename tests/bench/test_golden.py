"""Every bench scenario's diagnosis, from recorded inputs, equals the recorded golden diagnosis.

``tests/data/bench/golden.json`` holds ``Diagnosis.to_dict()`` (timings left out) of the 42
bench scenarios, diagnosed from the inputs recorded beside it, keys in their order (the report lists evidence
in that order). A change that should keep
behaviour (a restructuring) keeps this test green; a change that corrects a number
re-records the golden file (``python -m tests.data.record_bench --golden``) and lists the
corrected values in its commit message.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from gapdoctor.bench.catalogue import select_scenarios
from tests.data.record_bench import GOLDEN, copy_into, diagnose_recorded

REL = 1e-6
"""Relative tolerance on numbers: the checks' own fits (a domain classifier, k-fold models) may
differ in the last bits from one CPU to another; anything a restructuring changes is larger."""


def _differences(path: str, want: Any, got: Any, out: list[str]) -> None:
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got) and set(want) == set(got):
            out.append(f"{path}: keys in another order ({list(got)} instead of {list(want)})")
        for key in sorted(set(want) | set(got)):
            if key not in got or key not in want:
                out.append(f"{path}.{key}: {'missing' if key not in got else 'unexpected'}")
            else:
                _differences(f"{path}.{key}", want[key], got[key], out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{path}: {len(want)} items expected, {len(got)} found")
        for i, (w, g) in enumerate(zip(want, got, strict=False)):
            _differences(f"{path}[{i}]", w, g, out)
    elif isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if not math.isclose(want, got, rel_tol=REL, abs_tol=1e-12):
            out.append(f"{path}: {want!r} expected, {got!r} found")
    elif want != got:
        out.append(f"{path}: {want!r} expected, {got!r} found")


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    cache: Path = tmp_path_factory.mktemp("bench-recorded")
    copy_into(cache, select_scenarios())
    return diagnose_recorded(cache)


GOLDEN_DIAGNOSES: dict[str, dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_covers_every_bench_scenario() -> None:
    assert sorted(GOLDEN_DIAGNOSES) == sorted(s.name for s in select_scenarios())


@pytest.mark.parametrize("name", sorted(GOLDEN_DIAGNOSES))
def test_diagnosis_equals_the_golden_one(name: str, diagnosed: dict[str, dict[str, Any]]) -> None:
    out: list[str] = []
    _differences("", GOLDEN_DIAGNOSES[name], diagnosed[name], out)
    assert not out, f"{name}: {len(out)} differences from golden.json, first ones:\n" + "\n".join(out[:20])
