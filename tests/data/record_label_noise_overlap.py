"""Record the runs of the ``label_noise_overlap`` fixture once, from the calibration corpus.

Five corpus scenarios (``gapdoctor.bench.corpus``, built by their own seeds: real scikit-learn /
torch MLP runs, out-of-fold probabilities by 5-fold cross-validation of the same model):

- healthy runs whose model errs a lot on overlapping classes, out-of-fold models trained on a
  fifth fewer rows than the model the validation control reads (seeds 300: synthetic wide,
  sklearn MLP, 13 epochs; 62: digits, sklearn MLP, 12 epochs; 334: synthetic binary, torch MLP,
  27 epochs, 103 validation rows);
- binary runs with 37-39% symmetric flipped training labels and a memorising MLP whose
  validation control is near chance (seeds 113 and 385).

The tests read the labels, the probabilities and the curves recorded here instead of training
live (the runs take minutes and their trajectories depend on the machine).

Run from the repository root (it overwrites the fixture beside this file; the corpus cache
makes it fast, building the scenarios takes a few minutes)::

    OMP_NUM_THREADS=1 python -m tests.data.record_label_noise_overlap [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import draw_scenario

FIXTURE = Path(__file__).with_name("label_noise_overlap.npz")
SEEDS = {300: "healthy", 62: "healthy", 334: "healthy", 113: "label_noise", 385: "label_noise"}
ARRAYS = ("y_train", "train_probs", "y_val", "val_probs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="the corpus cache (default: none, build)")
    cache = parser.parse_args().cache
    arrays: dict[str, np.ndarray] = {}
    runs: dict[str, dict[str, object]] = {}
    with threadpool_limits(limits=1):
        for seed, truth in SEEDS.items():
            scenario = draw_scenario(seed, cache=cache)
            assert list(scenario.causes) == ([] if truth == "healthy" else [truth]), scenario.causes
            for name in ARRAYS:
                arrays[f"seed{seed}_{name}"] = np.asarray(scenario.data.arrays[name])
            if truth == "healthy":  # per-row losses: their late-fitted rows are the flagged rows (short runs: small)
                arrays[f"seed{seed}_sample_losses"] = np.asarray(scenario.data.arrays["sample_losses"], np.float32)
                arrays[f"seed{seed}_sample_loss_rows"] = np.asarray(scenario.data.arrays["sample_loss_rows"])
            runs[str(seed)] = {
                "truth": truth,
                "families": scenario.families,
                "facts": scenario.data.facts,
                "metric": scenario.data.metric,
                "history": {k: [float(v) for v in vs] for k, vs in scenario.data.history.items()},
            }
    meta = {
        "recorded_by": "tests/data/record_label_noise_overlap.py",
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scikit-learn": sklearn.__version__,
        "machine": platform.machine(),
        "runs": runs,
    }
    np.savez_compressed(FIXTURE, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
