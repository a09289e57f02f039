"""Label-noise detection from training dynamics vs cleanlab on out-of-fold probabilities.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/training_dynamics.py [--write] [--big]``.
``--write`` puts the table into ``benchmarks/RESULTS.md`` under ``## Training dynamics``.

For each scenario and seed, the same labels are flipped for both methods and the same
MLP (features-128-classes, Adam, 30 epochs, batch 64) is trained:
- *gapdoctor dynamics*: ONE training run on all rows, recording every row's logits
  (:class:`gapdoctor.inputs.training_dynamics.TrainingDynamics`), flags =
  :func:`gapdoctor.causes.label_noise.dynamics.dynamics_label_issues` (confident learning on
  the softmax averaged over epochs, or AUM below -0.2 x the fitted rows' median AUM with the
  averaged self-confidence below its class's mean); the earlier rule (AUM < 0 or never learned)
  is shown beside it;
- *cleanlab*: ``cleanlab.filter.find_label_issues`` on 5-fold out-of-fold probabilities of
  the same MLP (five more trainings).
F1 of each method's flagged rows against the truly flipped rows. Cost: seconds per epoch
spent in the store (``add`` + ``end_epoch``) and its bytes per row.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' shared training helper
from tests.causes.training_dynamics_data import digits, f1, flip_labels, train_mlp

from gapdoctor.causes.label_noise.dynamics import dynamics_label_issues
from gapdoctor.inputs.training_dynamics import BYTES_PER_ROW, TrainingDynamics, flag_label_issues
from results_md import replace_section

SEEDS = (0, 1, 2)
BIG_SEEDS = (0, 1)  # 100k rows: 3 minutes a seed (cleanlab's 5 trainings) on the shared machine
MNIST_SEEDS = (0,)
FOLDS = 5
EPOCHS = 30


def one(X: np.ndarray, y: np.ndarray, noise: float, kind: str, seed: int, epochs: int) -> dict[str, float]:
    from cleanlab.filter import find_label_issues

    noisy = flip_labels(y, noise, seed, kind=kind)
    flipped = noisy != y
    store = TrainingDynamics(n_train=len(y))
    spent = [0.0]

    def on_batch(rows: np.ndarray, logits: object, labels: object) -> None:
        started = time.perf_counter()
        store.add(rows, logits, labels)
        spent[0] += time.perf_counter() - started

    def on_epoch() -> None:
        started = time.perf_counter()
        store.end_epoch()
        spent[0] += time.perf_counter() - started

    started = time.perf_counter()
    train_mlp(X, noisy, seed=seed, epochs=epochs, on_batch=on_batch, on_epoch=on_epoch)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = store.summary()  # the epochs still kept are processed here: their cost counts
    spent[0] += time.perf_counter() - started
    flags = dynamics_label_issues(summary, noisy)

    started = time.perf_counter()
    probs = np.zeros((len(y), int(y.max()) + 1))
    for fit, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(X, noisy):
        predict = train_mlp(X[fit], noisy[fit], seed=seed, epochs=epochs)
        probs[held] = predict(X[held])
    cv_seconds = time.perf_counter() - started
    issues = np.flatnonzero(find_label_issues(noisy, probs))
    return {
        "dynamics_f1": f1(flags.rows, flipped),
        "aum0_f1": f1(flag_label_issues(summary).rows, flipped),
        "cleanlab_f1": f1(issues, flipped),
        "extra_s_per_epoch": spent[0] / epochs,
        "train_s_per_epoch": train_seconds / epochs,
        "cv_s": cv_seconds,
        "bytes_per_row": store.nbytes / len(y),
    }


def mnist1d() -> tuple[np.ndarray, np.ndarray]:
    """mnist1d's 4,000 training rows, generated locally (``pip install mnist1d``; no download)."""
    from mnist1d.data import get_dataset_args, make_dataset

    data = make_dataset(get_dataset_args())
    return data["x"].astype(np.float32), data["y"].astype(np.int64)


def measure(big: bool, mnist: bool) -> list[dict[str, str | float]]:
    table: list[dict[str, str | float]] = []
    X, y = digits()
    kinds = ("symmetric", "class_conditional")
    scenarios: list[tuple[str, np.ndarray, np.ndarray, float, str, tuple[int, ...], int]] = [
        ("digits", X, y, noise, kind, SEEDS, EPOCHS) for kind in kinds for noise in (0.1, 0.2, 0.4)
    ]
    if big:
        Xb, yb = make_classification(
            100_000, n_features=20, n_informative=15, n_classes=10, n_clusters_per_class=1, random_state=0
        )
        Xb = ((Xb - Xb.mean(0)) / Xb.std(0)).astype(np.float32)
        scenarios += [("make_classification 100k", Xb, yb.astype(np.int64), 0.2, kind, BIG_SEEDS, 10) for kind in kinds]
    if mnist:
        Xm, ym = mnist1d()
        scenarios += [
            ("mnist1d", Xm, ym, noise, kind, MNIST_SEEDS, EPOCHS) for kind in kinds for noise in (0.1, 0.2, 0.4)
        ]
    scenarios = scenarios[6:] + scenarios[:6]  # digits last: the long runs first on a shared machine
    for name, Xs, ys, noise, kind, seeds, epochs in scenarios:
        runs = [one(Xs, ys, noise, kind, seed, epochs) for seed in seeds]
        row: dict[str, str | float] = {"data": name, "noise": f"{100 * noise:.0f}% {kind.replace('_', '-')}"}
        for key in runs[0]:
            row[key] = float(np.mean([r[key] for r in runs]))
        row["dynamics_f1_min"] = min(r["dynamics_f1"] for r in runs)
        row["cleanlab_f1_min"] = min(r["cleanlab_f1"] for r in runs)
        row["seeds"] = len(seeds)
        table.append(row)
        print(row, flush=True)
    return table


def markdown(table: list[dict[str, str | float]]) -> str:
    import cleanlab

    lines = [
        "## Training dynamics",
        "",
        "`benchmarks/training_dynamics.py`: MLP (hidden 128, Adam 1e-3, batch 64), CPU, 1 thread, "
        f"torch {torch.__version__}, cleanlab {cleanlab.__version__}, Python {platform.python_version()}. "
        "Same flipped rows and same MLP for both: gapdoctor's flags come from ONE training run recording every "
        "row's logits (`dynamics_label_issues`: confident learning on each row's softmax averaged over the epochs, "
        "or area under the margin below -0.2 x the fitted rows' median with the averaged self-confidence below "
        "its class's mean; the earlier rule, AUM < 0 or never "
        f"learned, beside it); cleanlab's `find_label_issues` gets {FOLDS}-fold out-of-fold "
        f"probabilities of the same MLP ({FOLDS} more trainings). F1 of the flagged rows vs the truly flipped rows, "
        "mean (min) over seeds. Extra cost = time inside the store (`add`, `end_epoch` and the processing of the "
        "epochs kept, at `summary()`) per epoch.",
        "",
        "| data | noise | seeds | gapdoctor dynamics F1 | earlier rule (AUM < 0) F1 | cleanlab (out-of-fold) F1 "
        "| extra s/epoch | training s/epoch | cleanlab's CV (s) | bytes/row |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table:
        lines.append(
            f"| {r['data']} | {r['noise']} | {r['seeds']} | {r['dynamics_f1']:.3f} ({r['dynamics_f1_min']:.3f}) "
            f"| {r['aum0_f1']:.3f} | {r['cleanlab_f1']:.3f} ({r['cleanlab_f1_min']:.3f}) "
            f"| {r['extra_s_per_epoch']:.4f} "
            f"| {r['train_s_per_epoch']:.3f} | {r['cv_s']:.1f} | {r['bytes_per_row']:.0f} |"
        )
    lines += [
        "",
        f"Memory: {BYTES_PER_ROW} bytes per training row plus 4 per class (the averaged probabilities, kept up to "
        "`MAX_PROBABILITY_CELLS` = 2^26 rows x classes), whatever the number of epochs: 66 bytes a row for 10 classes.",
        "The 100k sets are trained 10 epochs. Timings vary with the shared machine's load (2 cores, ~8 processes).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Training-dynamics label-noise detection vs cleanlab.")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    parser.add_argument("--big", action="store_true", help="add the 100k-row make_classification scenarios")
    parser.add_argument("--mnist1d", action="store_true", help="add mnist1d (pip install mnist1d)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    text = markdown(measure(args.big, args.mnist1d))
    print(text)
    if args.write:
        replace_section("## Training dynamics", text)
