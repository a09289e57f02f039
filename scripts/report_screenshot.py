"""Regenerate docs/report.png: the demo's HTML report, screenshotted by headless Chromium.

Usage: python scripts/report_screenshot.py [OUT.png]   (needs chromium: scripts/install-chromium.sh)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from gapdoctor.demo import run_demo


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: run scripts/install-chromium.sh")
    with tempfile.TemporaryDirectory() as tmp:
        page = run_demo().diagnosis.to_html(Path(tmp) / "report.html")
        raw = Path(tmp) / "raw.png"
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp}/profile",
            "--window-size=1100,1560",
            f"--screenshot={raw}",
        ]
        subprocess.run([chromium, *flags, page.as_uri()], check=True, capture_output=True, timeout=120)
        with Image.open(raw) as image:  # a 256-colour palette keeps the file small and the text sharp
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
