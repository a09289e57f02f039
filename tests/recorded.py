"""Training runs recorded once into tests/data/ (each with the script that recorded it beside it).

Tests read these where a live trajectory would be too chaotic to assert on from one CPU to
another (see tests/seeds.py for the tests that train live on several seeds instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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
