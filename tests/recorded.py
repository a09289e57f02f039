"""Training runs recorded once into tests/data/ (each with the script that recorded it beside it).

Tests read these where a live trajectory would be too chaotic to assert on from one CPU to
another (see tests/seeds.py for the tests that train live on several seeds instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class RecordedRun:
    """The per-epoch curves of a recorded run, as ``diagnose(history=...)`` takes them."""

    history: dict[str, list[float]]
    description: str


def recorded_run(name: str) -> RecordedRun:
    """Read ``tests/data/<name>.json`` (written by ``tests/data/record_<name>.py``)."""
    recorded = json.loads((DATA / f"{name}.json").read_text())
    return RecordedRun(history=recorded["history"], description=recorded["description"])


def recorded_bench_inputs(name: str, cache: Path) -> dict[str, Any]:
    """The ``diagnose()`` arguments of bench scenario ``name`` as recorded in tests/data/bench/.

    Read through the bench's own cache (``cache``: an empty directory), never rebuilt.
    """
    from gapdoctor.bench.catalogue import select_scenarios
    from gapdoctor.bench.scenario import load_or_build
    from tests.data.record_bench import copy_into

    (scenario,) = [s for s in select_scenarios() if s.name == name]
    copy_into(cache, [scenario])
    data, cached = load_or_build(scenario, cache)
    assert cached, f"{name} was rebuilt instead of read from tests/data/bench/"
    return data.diagnose_kwargs()
