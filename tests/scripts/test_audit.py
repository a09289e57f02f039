"""scripts/audit.py: the offline floor check catches a vulnerable floor; the real floors pass."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("packaging")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gapdoctor_audit_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_gapdoctors_floors_clear_every_known_advisory() -> None:
    assert _audit().check_floors_offline() == []


def test_a_floor_admitting_the_parquet_rce_release_is_caught() -> None:
    audit = _audit()
    real = (SCRIPT.parents[1] / "pyproject.toml").read_text()
    vulnerable = real.replace('parquet = ["pyarrow>=14.0.1"]', 'parquet = ["pyarrow>=14"]')
    assert vulnerable != real
    problems = audit.check_floors_offline(vulnerable)
    assert any("pyarrow>=14" in p and "CVE-2023-47248" in p for p in problems), problems


def test_floor_is_the_lowest_any_extra_admits() -> None:
    audit = _audit()
    found = audit.floors()
    assert str(found["pyarrow"]) == "14.0.1" and str(found["torch"]) == "2.11"
    assert "gapdoctor" not in found
    real = (SCRIPT.parents[1] / "pyproject.toml").read_text()
    one_extra_lower = real.replace('torch = ["torch>=2.11"]', 'torch = ["torch>=2.1"]')
    assert str(audit.floors(one_extra_lower)["torch"]) == "2.1"
