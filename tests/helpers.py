"""Helpers shared by tests: the command line in a subprocess, Keras on its torch backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import gapdoctor


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gapdoctor ARGS`` against the gapdoctor under test."""
    src = str(Path(gapdoctor.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "gapdoctor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def keras_on_torch(monkeypatch: pytest.MonkeyPatch | None = None) -> ModuleType:
    """Keras 3 on its torch backend; the test is skipped where keras or torch is absent, or keras already runs
    another backend (set before keras is first imported: ``monkeypatch`` scopes it to the test)."""
    if monkeypatch is not None:
        monkeypatch.setenv("KERAS_BACKEND", "torch")
    else:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend")
    return keras
