"""The README names files of this repository that exist (a restructure left `gapdoctor/checks/_budget.py` behind)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
_PATH = re.compile(r"`((?:src|benchmarks|tests|docs|gapdoctor)/[A-Za-z0-9_./-]*)`")


def named_paths(text: str) -> list[str]:
    """Repository paths the text names in backticks (``gapdoctor/...`` is the package under ``src/``)."""
    return sorted(set(_PATH.findall(text)))


def test_every_repository_path_the_readme_names_exists() -> None:
    named = named_paths((ROOT / "README.md").read_text())
    assert "gapdoctor/stats/budget.py" in named  # the reader finds what it must check
    missing = [p for p in named if not (ROOT / p).exists() and not (ROOT / "src" / p).exists()]
    assert not missing, f"README.md names paths that do not exist: {missing}"


def test_a_stale_path_is_caught() -> None:
    stale = named_paths("declared in `gapdoctor/checks/_budget.py`")
    assert stale == ["gapdoctor/checks/_budget.py"]
    assert not (ROOT / "src" / stale[0]).exists()
