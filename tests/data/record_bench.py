"""Record the bench's scenarios once into tests/data/bench/, and the diagnosis of each into golden.json.

Built fresh, bench scenarios are training trajectories: rebuilt on seeds 1 and 2, two of the
fast subset no longer show their own symptom and the healthy run gets a false alarm; on 2 BLAS
threads instead of 1 the overfitting scenario's diagnosis changes. Tests that pin what the
checks conclude need fixed inputs, so they read the data recorded here (the bench's own cache
format: an .npz of arrays and a .json of curves and facts per scenario):

- the bench ratchet (tests/bench/test_bench_runner.py) on the fast subset;
- the golden diagnoses (tests/bench/test_golden.py): ``Diagnosis.to_dict()`` of every scenario,
  timings left out, so a restructuring that keeps behaviour is seen to keep it.

Fresh builds stay covered by tests/bench/test_bench_scenarios.py (determinism, cache).
The fast subset was built here with one BLAS thread; the other scenarios were copied from a
bench cache built on the same machine (``gapdoctor bench``). Run from the repository root::

    OMP_NUM_THREADS=1 python -m tests.data.record_bench            # missing scenarios, then golden.json
    OMP_NUM_THREADS=1 python -m tests.data.record_bench --golden   # golden.json only (after a reviewed change)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.scenario import SCENARIO_VERSION, Scenario, _key, cache_dir, load_or_build

FOLDER = Path(__file__).with_name("bench")
GOLDEN = FOLDER / "golden.json"


def recorded_name(scenario: Scenario) -> str:
    """File stem of a recorded scenario: the bench's cache key without the scikit-learn version."""
    return f"{scenario.name.replace('/', '__')}-seed{scenario.seed}-v{SCENARIO_VERSION}"


def copy_into(cache: Path, scenarios: list[Scenario]) -> None:
    """Copy the recorded scenarios into a bench cache directory under the bench's own keys."""
    for scenario in scenarios:
        for suffix in (".json", ".npz"):
            recorded = FOLDER / f"{recorded_name(scenario)}{suffix}"
            assert recorded.exists(), f"{recorded} missing: re-record with python -m tests.data.record_bench"
            shutil.copy(recorded, cache / f"{_key(scenario)}{suffix}")


def golden_view(diagnosis: dict[str, Any]) -> dict[str, Any]:
    """A diagnosis's ``to_dict()`` without what changes from run to run (seconds spent)."""
    out = dict(diagnosis)
    out["checks"] = [{k: v for k, v in c.items() if k != "seconds"} for c in diagnosis["checks"]]
    return out


def diagnose_recorded(cache: Path, policy: Path | None = None) -> dict[str, dict[str, Any]]:
    """Diagnose every recorded scenario (no experiments) and return name -> golden view.

    ``policy``: the scoring policy's fit file; None (the golden diagnoses): none, every score its
    check's strength, as the tests read them (tests/conftest.py)."""
    from gapdoctor.bench.runner import _diagnose
    from gapdoctor.stats.scoring import scored_with

    out: dict[str, dict[str, Any]] = {}
    with scored_with(policy), threadpool_limits(limits=1):
        for scenario in select_scenarios():
            data, cached = load_or_build(scenario, cache)
            assert cached, f"{scenario.name} was rebuilt instead of read from the recording"
            status, diagnosis, why = _diagnose(scenario, data)
            assert diagnosis is not None, f"{scenario.name}: {status} {why}"
            out[scenario.name] = golden_view(json.loads(json.dumps(diagnosis.to_dict())))
    return out


def main(argv: list[str]) -> None:
    if "--golden" not in argv:
        source = cache_dir()
        with threadpool_limits(limits=1):
            for scenario in select_scenarios():
                stem = recorded_name(scenario)
                if (FOLDER / f"{stem}.npz").exists():
                    continue
                load_or_build(scenario, source)
                for suffix in (".json", ".npz"):
                    shutil.copy(source / f"{_key(scenario)}{suffix}", FOLDER / f"{stem}{suffix}")
                print(f"recorded {stem}")
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        copy_into(Path(scratch), select_scenarios())
        golden = diagnose_recorded(Path(scratch))
    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(golden)} golden diagnoses into {GOLDEN}")


if __name__ == "__main__":
    main(sys.argv[1:])
