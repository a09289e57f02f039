"""``import gapdoctor`` and ``gapdoctor --help`` load no heavy dependency (start-up stays fast).

Not timed (a shared CI machine makes timings flaky; ``benchmarks/startup.py`` measures them):
the modules that make start-up slow must simply not be imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gapdoctor

HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "torch", "dask", "distributed", "pyarrow")


def _heavy_loaded_by(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy modules it left in sys.modules."""
    src = str(Path(gapdoctor.__file__).resolve().parents[1])
    report = f"import sys\nprint('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [sys.executable, "-c", f"{code}\n{report}"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].removeprefix("loaded:")
    return [m for m in loaded.split(",") if m]


def test_import_gapdoctor_loads_no_heavy_dependency() -> None:
    assert _heavy_loaded_by("import gapdoctor") == []


@pytest.mark.parametrize("argv", [["--help"], ["diagnose", "--help"], ["bench", "--help"]])
def test_cli_help_loads_no_heavy_dependency(argv: list[str]) -> None:
    code = (
        "from gapdoctor.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code"
    )
    assert _heavy_loaded_by(code) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe itself works: calling diagnose() does load scikit-learn."""
    assert "sklearn" in _heavy_loaded_by("import gapdoctor\ngapdoctor.diagnose(history={'train_loss': [1.0, 0.5]})")


def test_lazy_public_names_are_the_real_objects() -> None:
    from gapdoctor.engine import diagnose, diagnose_search
    from gapdoctor.experiments.lab import ExperimentSettings

    assert gapdoctor.diagnose is diagnose
    assert gapdoctor.diagnose_search is diagnose_search
    assert gapdoctor.ExperimentSettings is ExperimentSettings
    assert set(gapdoctor.__all__) <= set(dir(gapdoctor))
    with pytest.raises(AttributeError, match="no_such_name"):
        gapdoctor.no_such_name  # noqa: B018
