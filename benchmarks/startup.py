"""Start-up time: ``import gapdoctor`` and ``gapdoctor --help``, each in a fresh interpreter.

Run: ``python benchmarks/startup.py [--repeats N] [--write]``. ``--write`` puts the table
into ``benchmarks/RESULTS.md`` under ``## Start-up time``.

Each command runs ``N`` times in a fresh subprocess (after one unmeasured warm-up run that
fills the OS file cache); the table gives the median and the range of the wall-clock times,
and, as the floor nothing can beat, the same figures for ``python -c pass``. The gapdoctor
measured is the one this script imports (its ``src`` folder goes first on ``PYTHONPATH``);
``gapdoctor --help`` is the installed console script when it sits beside the interpreter,
else ``python -m gapdoctor --help``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import gapdoctor
from results_md import replace_section

TARGET_S = 0.3  # the bar for both commands
HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "torch")


def _env() -> dict[str, str]:
    src = str(Path(gapdoctor.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("gapdoctor")
    return [str(script), "--help"] if script.exists() else [sys.executable, "-m", "gapdoctor", "--help"]


COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "python -c 'import gapdoctor'": [sys.executable, "-c", "import gapdoctor"],
    "gapdoctor --help": _cli(),
}


def time_command(argv: list[str], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` fresh runs of ``argv`` (after one warm-up)."""
    env = _env()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def heavy_modules_after_import() -> list[str]:
    code = f"import sys, gapdoctor; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def table(repeats: int) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=Path(__file__).parent
    ).stdout.strip()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Start-up time",
        "",
        f"Run {when} at commit {commit or '?'}, `python benchmarks/startup.py --repeats {repeats}`; "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs (shared machine). "
        f"Fresh subprocess per run, median of {repeats} after one warm-up; target < {TARGET_S} s.",
        "",
        "| command | median s | min s | max s | under target |",
        "|---|---|---|---|---|",
    ]
    for name, argv in COMMANDS.items():
        times = time_command(argv, repeats)
        median = statistics.median(times)
        ok = "—" if "floor" in name else ("yes" if median < TARGET_S else "NO")
        lines.append(f"| `{name}` | {median:.3f} | {min(times):.3f} | {max(times):.3f} | {ok} |")
    heavy = heavy_modules_after_import()
    lines += ["", f"Heavy modules loaded by `import gapdoctor`: {', '.join(heavy) if heavy else 'none'} (of {HEAVY})."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="fresh runs per command (default: 15)")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = parser.parse_args()
    text = table(args.repeats)
    print(text)
    if args.write:
        replace_section("## Start-up time", text)


if __name__ == "__main__":
    main()
