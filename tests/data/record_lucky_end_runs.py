"""Record two corpus runs whose validation curve ends on a lucky high, once, into a fixture.

Both are real training runs of the calibration corpus (:mod:`gapdoctor.bench.corpus`), held-out
families, injected cause ``optimization`` (a too-high Adam learning rate):

- seed 54: multinomial logistic regression (torch, no hidden layer) on a wide
  ``make_classification`` set, Adam lr 0.095, batch 16, 70 epochs;
- seed 166: torch MLP (128 hidden) on breast_cancer, Adam lr 0.12, batch 16, 44 epochs.

A too-high learning rate makes the curves chaotic (other CPUs give other curves), so
tests/causes/optimization/test_progress.py reads the curves recorded here. With ``--cache DIR``
the scenarios are read from a corpus cache (the recorded run), else they are trained here.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_lucky_end_runs [--cache /work/corpus/cache]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gapdoctor.bench.corpus.generate import draw_scenario
from tests.data.recording import write_recorded_runs

FIXTURE = Path(__file__).with_name("optimization_lucky_end.json")
SEEDS = (54, 166)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="a corpus cache to read the runs from")
    cache = parser.parse_args().cache
    torch.set_num_threads(1)
    runs = {}
    for seed in SEEDS:
        scenario = draw_scenario(seed, cache=cache)
        history = scenario.data.history
        assert isinstance(history, dict)
        train = scenario.params["train"]
        runs[f"corpus_seed_{seed}"] = {
            "description": (
                f"{scenario.params['dataset']} {scenario.params['model']}, {train['solver']} lr {train['lr']}, "
                f"batch {train['batch_size']}, {train['epochs']} epochs"
            ),
            "causes": list(scenario.causes),
            "history": {name: [float(v) for v in values] for name, values in history.items()},
        }
    write_recorded_runs(
        FIXTURE, "tests/data/record_lucky_end_runs.py", runs, from_cache=cache is not None, torch=torch.__version__
    )


if __name__ == "__main__":
    main()
