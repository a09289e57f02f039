"""Record the bench's fast subset (one scenario per cause, one healthy run) once, into tests/data/bench_fast/.

The bench ratchet (tests/bench/test_bench_runner.py) pins which fast-subset scenarios the
checks name correctly. Built fresh, those scenarios are training trajectories: rebuilt on
seeds 1 and 2, two of them no longer show their own symptom and the healthy run gets a
false alarm; on 2 BLAS threads instead of 1 the overfitting scenario's diagnosis changes.
A ratchet on the checks needs fixed inputs, so the tests read the data recorded here (the
bench's own cache format: an .npz of arrays and a .json of curves and facts per scenario).
Fresh builds stay covered by tests/bench/test_bench_scenarios.py (determinism, cache).

Run from the repository root (it replaces the folder beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_bench_fast
"""

from __future__ import annotations

import shutil
from pathlib import Path

from threadpoolctl import threadpool_limits

from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.scenario import SCENARIO_VERSION, Scenario, load_or_build

FOLDER = Path(__file__).with_name("bench_fast")


def recorded_name(scenario: Scenario) -> str:
    """File stem of a recorded scenario: the bench's cache key without the scikit-learn version."""
    return f"{scenario.name.replace('/', '__')}-seed{scenario.seed}-v{SCENARIO_VERSION}"


def main() -> None:
    shutil.rmtree(FOLDER, ignore_errors=True)
    scratch = FOLDER.with_name("bench_fast.tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    with threadpool_limits(limits=1):
        for scenario in select_scenarios(fast=True):
            load_or_build(scenario, scratch)
    FOLDER.mkdir()
    for scenario in select_scenarios(fast=True):
        (built,) = {p.stem.removesuffix(".tmp") for p in scratch.glob(f"{recorded_name(scenario)}-*.json")}
        for suffix in (".json", ".npz"):
            shutil.copy(scratch / f"{built}{suffix}", FOLDER / f"{recorded_name(scenario)}{suffix}")
    shutil.rmtree(scratch)
    print(f"wrote {len(list(FOLDER.glob('*.json')))} scenarios into {FOLDER}")


if __name__ == "__main__":
    main()
