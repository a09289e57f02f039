"""`make audit`: gapdoctor's dependency floors and the installed set against known vulnerabilities.

Three steps, each printed on one line:

1. **Floors, offline** (always runs, needs no network): every ``name>=X`` floor in
   pyproject.toml (dependencies and every extra) must sit at or above the first fixed
   release of each advisory listed in ``KNOWN_FIXES`` below. Fails the build otherwise.
2. **Service check**: ``pip-audit`` must be able to reach a vulnerability service. A canary,
   ``pyarrow==14.0.0`` (CVE-2023-47248), is audited with each service in turn (PyPI's JSON
   API, then OSV); the first that reports it is used. When none does (a machine without
   internet, or a package index mirror without PyPI's JSON API), the script prints one
   ``audit: SKIPPED ...`` line and exits 0, unless ``GAPDOCTOR_AUDIT_REQUIRED=1`` is set
   (then it exits 1): the offline step still guards the floors.
3. **pip-audit** over (a) the floors pinned exactly (``name==X``; the oldest versions
   gapdoctor admits) and (b) the installed environment. Any known vulnerability fails.

Run: ``python scripts/audit.py`` (``make audit``; ``make test`` runs it first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]

# package -> (first fixed release, advisory): the advisories we know of, whether or not the
# vulnerability service is reachable. Add a line when an advisory is published.
KNOWN_FIXES: dict[str, list[tuple[str, str]]] = {
    "scipy": [("1.10.0", "CVE-2023-25399")],
    "scikit-learn": [("1.5.0", "CVE-2024-5206 (TfidfVectorizer keeps stop words: data leak)")],
    "pyarrow": [("14.0.1", "CVE-2023-47248 (arbitrary code execution reading IPC/Parquet)")],
    "pandas": [("1.0.4", "CVE-2020-13091")],
    "numpy": [("1.22.0", "CVE-2021-41495/41496, CVE-2021-34141")],
    "pytest": [("9.0.3", "CVE-2025-71176 (predictable /tmp/pytest-of-user)")],
    "torch": [
        ("2.6.0", "CVE-2025-32434 (torch.load weights_only RCE)"),
        ("2.10.0", "CVE-2025-3001, CVE-2026-24747 (weights_only unpickler memory corruption)"),
        ("2.11", "PYSEC-2026-139 (affects up to 2.10.0)"),
    ],
    "lightning": [
        ("2.3.3", "CVE-2024-5980, CVE-2024-5452"),
        ("2.6.6", "GHSA-qqmf-gpg7-g8gw (checkpoint hyper-parameter RCE); 2.6.2/2.6.3 malicious uploads"),
    ],
    "transformers": [
        ("4.53.0", "CVE-2025-6051, CVE-2025-6638, CVE-2025-6921 and earlier ReDoS/deserialisation"),
        ("5.3.0", "CVE-2025-14920, CVE-2025-14921, CVE-2025-14926, CVE-2025-14927"),
        ("5.5.0", "CVE-2026-5241 (trust_remote_code override)"),
    ],
    "keras": [
        ("3.11.3", "CVE-2025-1550, CVE-2025-8747, CVE-2025-9905, CVE-2025-9906 (safe_mode bypasses)"),
        ("3.13.1", "CVE-2025-12060, CVE-2026-0897"),
        ("3.14.0", "GHSA-hqp4-2352-xf5r (path traversal extracting archives)"),
    ],
    "mlflow-skinny": [("3.13.0", "CVE-2026-2635")],
}

CANARY = "pyarrow==14.0.0"
CANARY_IDS = {"PYSEC-2023-238", "GHSA-5wvp-7f3h-6wmm", "CVE-2023-47248"}
SERVICES = ("pypi", "osv")


def requirements(pyproject: str | None = None) -> Iterator[Requirement]:
    """Every third-party requirement in pyproject.toml (or the given text): dependencies and all extras."""
    text = (ROOT / "pyproject.toml").read_text() if pyproject is None else pyproject
    project = tomllib.loads(text)["project"]
    groups = [project["dependencies"], *project["optional-dependencies"].values()]
    for group in groups:
        for line in group:
            req = Requirement(line)
            if req.name != "gapdoctor":  # an extra that names other extras
                yield req


def floors(pyproject: str | None = None) -> dict[str, Version]:
    """package -> the lowest version pyproject admits: over all its mentions (dependencies and
    each extra), the lowest of each mention's floor."""
    out: dict[str, Version] = {}
    for req in requirements(pyproject):
        low = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
        if not low:
            raise SystemExit(f"audit: FAILED — {req} in pyproject.toml has no floor (>=); give it one")
        name = req.name.lower()
        floor = max(low)
        out[name] = min(floor, out.get(name, floor))
    return out


def check_floors_offline(pyproject: str | None = None) -> list[str]:
    """One line per floor below the first fixed release of a known advisory."""
    problems = []
    found = floors(pyproject)
    for name, fixes in KNOWN_FIXES.items():
        if name not in found:
            continue
        for fixed, advisory in fixes:
            if found[name] < Version(fixed):
                problems.append(f"{name}>={found[name]} admits releases before {fixed}: {advisory}")
    return problems


def pip_audit(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)


def _audit_pins(pins: list[str], service: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requirements.txt"
        path.write_text("\n".join(pins) + "\n")
        done = pip_audit("-s", service, "--no-deps", "--disable-pip", "-r", str(path), "-f", "json")
    try:
        report = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    return done, report


def working_service() -> str | None:
    """The first vulnerability service that reports the canary's known advisory, or None."""
    for service in SERVICES:
        _, report = _audit_pins([CANARY], service)
        for dep in report.get("dependencies", []):  # type: ignore[attr-defined]
            ids = {v["id"] for v in dep.get("vulns", [])} | {a for v in dep.get("vulns", []) for a in v["aliases"]}
            if ids & CANARY_IDS:
                return service
    return None


def main() -> int:
    problems = check_floors_offline()
    if problems:
        print("audit: FAILED — dependency floors admit vulnerable releases:")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print(f"audit: floors of {len(floors())} dependencies clear every advisory in scripts/audit.py KNOWN_FIXES")

    service = working_service()
    if service is None:
        line = (
            "audit: SKIPPED — no vulnerability service reachable from here (pip-audit -s pypi / -s osv did not "
            f"report the canary {CANARY}, CVE-2023-47248); the installed set was not audited"
        )
        print(line)
        return 1 if os.environ.get("GAPDOCTOR_AUDIT_REQUIRED") == "1" else 0

    pins = [f"{name}=={version}" for name, version in sorted(floors().items())]
    done, report = _audit_pins(pins, service)
    if done.returncode != 0:
        print(f"audit: FAILED — a floor in pyproject.toml has a known vulnerability (pip-audit -s {service}):")
        for dep in report.get("dependencies", []):  # type: ignore[attr-defined]
            for vuln in dep.get("vulns", []):
                print(f"  {dep['name']}=={dep['version']}: {vuln['id']} fixed in {', '.join(vuln['fix_versions'])}")
        print(done.stderr.strip())
        return 1
    print(f"audit: {len(pins)} dependency floors: no known vulnerability (pip-audit -s {service})")

    done = pip_audit("-s", service, "--skip-editable")
    print(done.stdout.strip() or done.stderr.strip())
    if done.returncode != 0:
        print(f"audit: FAILED — the installed environment has a known vulnerability (pip-audit -s {service})")
        return 1
    print(f"audit: installed environment: no known vulnerability (pip-audit -s {service})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
