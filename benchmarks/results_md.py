"""benchmarks/RESULTS.md: replace one ``## Heading`` section, leaving the others as they are."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def replace_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Write ``text`` (starting with ``heading``) in place of that section, or append it.

    A section runs from its heading to the next ``## `` heading or the end of the file.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = text.strip("\n") + "\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _: section + "\n", old).rstrip("\n") + "\n"
    else:
        new = old.rstrip("\n") + "\n\n" + section
    path.write_text(new, encoding="utf-8")
