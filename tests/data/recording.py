"""Write a fixture of recorded runs with the facts every recording states (shared by the record_* scripts)."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def write_recorded_runs(fixture: Path, recorded_by: str, runs: dict[str, Any], **facts: Any) -> None:
    """Write ``runs`` to ``fixture`` with who recorded them, when, on what machine, and ``facts`` (versions...)."""
    recorded = {
        "recorded_by": recorded_by,
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **facts,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "runs": runs,
    }
    fixture.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"wrote {fixture} ({', '.join(runs)})")
