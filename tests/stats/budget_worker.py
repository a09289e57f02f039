"""Run one large diagnosis in a fresh process and report its peak memory (for test_budget.py).

``python -m tests.causes.budget_worker CASE OUT.json [CLI ARGS...]``: CASE is
``identical`` (1M x 128 identical rows in both splits), ``low_cardinality`` (100k x 3
binary features against 10k rows), ``copies`` (400k x 64 distinct training rows, 20% of
100k validation rows copied from them) or ``cli`` (``python -m gapdoctor`` with the
remaining arguments, run in this process). OUT.json receives the resident memory before
the diagnosis, the peak, and the diagnosis as JSON.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROWS = 1_000_000
FEATURES = 128


def _status_gb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1e6  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def resident_gb() -> float:
    """Current resident memory of this process, in GB."""
    return _status_gb("VmRSS")


def peak_gb() -> float:
    """Peak resident memory of this process's own address space, in GB.

    VmHWM, not ``getrusage``: ``ru_maxrss`` carries over the high-water mark of the
    parent's address space through fork and exec (the pytest process, here).
    """
    return _status_gb("VmHWM")


def splits(case: str) -> dict[str, Any]:
    """The inputs of one case (labels random: only the features matter here)."""
    rng = np.random.default_rng(0)
    if case == "identical":
        X_train, X_val = np.ones((ROWS, FEATURES)), np.ones((ROWS, FEATURES))
    elif case == "low_cardinality":
        X_train = rng.integers(0, 2, size=(100_000, 3)).astype(np.float64)
        X_val = rng.integers(0, 2, size=(10_000, 3)).astype(np.float64)
    else:  # copies
        X_train = rng.normal(size=(400_000, 64))
        X_val = rng.normal(size=(100_000, 64))
        X_val[:10_000] = X_train[:10_000]  # exact copies
        X_val[10_000:20_000] = X_train[10_000:20_000] + rng.normal(0, 1e-3, size=(10_000, 64))  # re-encoded
    return {
        "X_train": X_train,
        "y_train": rng.integers(0, 2, len(X_train)),
        "X_val": X_val,
        "y_val": rng.integers(0, 2, len(X_val)),
    }


def main(argv: list[str]) -> None:
    case, out = argv[0], Path(argv[1])
    if case == "cli":
        before = resident_gb()
        sys.argv = ["gapdoctor", *argv[2:]]
        try:
            runpy.run_module("gapdoctor", run_name="__main__")
        except SystemExit as exit_:
            code = exit_.code
        out.write_text(json.dumps({"before_gb": before, "peak_gb": peak_gb(), "exit": code}))
        return
    import gapdoctor

    inputs = splits(case)
    before = resident_gb()
    diagnosis = gapdoctor.diagnose(**inputs)
    out.write_text(json.dumps({"before_gb": before, "peak_gb": peak_gb(), "diagnosis": diagnosis.to_dict()}))


if __name__ == "__main__":
    main(sys.argv[1:])
