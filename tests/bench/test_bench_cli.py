"""``gapdoctor bench`` end to end, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gapdoctor
from gapdoctor.bench.catalogue import select_scenarios
from tests.data.record_bench import copy_into


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(gapdoctor.__file__).parents[1]), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "gapdoctor", "bench", *args, "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_bench_cli_on_overfitting(tmp_path: Path) -> None:
    """The CLI reads the overfitting scenarios recorded in tests/data/bench/ from its cache (built afresh they are
    training trajectories, which differ from one CPU to another, and take half a minute)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    copy_into(cache, select_scenarios(cause="overfitting"))
    out = tmp_path / "bench.json"
    done = _run("--cause", "overfitting", "--json", str(out), cache=cache)
    assert done.returncode == 0, done.stderr
    assert "True cause x top reported cause" in done.stdout
    assert "false alarms on healthy runs" in done.stdout
    result = json.loads(out.read_text())
    assert [r["cause"] for r in result["results"]] == ["overfitting"] * 3
    assert result["healthy"] == 0 and result["false_alarms"] == 0
    assert {"top1", "top3"} <= set(result)


def test_bench_cli_names_the_argument_of_an_unknown_cause(tmp_path: Path) -> None:
    done = _run("--cause", "overfit", cache=tmp_path)
    assert done.returncode == 2
    assert "--cause" in done.stderr and "unknown cause" in done.stderr
