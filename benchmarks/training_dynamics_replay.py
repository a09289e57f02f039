"""Record the benchmark's training runs once, then replay their logits into the store under any flag rule.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/training_dynamics_replay.py record DIR DATA KIND NOISE SEED``
(DATA: digits, mnist1d or big; 30 epochs, 10 for big), then ``... replay DIR``.

``record`` trains exactly what ``benchmarks/training_dynamics.py`` trains (same flips, same MLP,
same seeds, same 5-fold cleanlab run) and keeps every epoch's logits (float16 for big) with
cleanlab's flags in ``DIR/DATA_KIND_NOISE_SEED.npz``. ``replay`` feeds the logits into a
:class:`~gapdoctor.inputs.training_dynamics.TrainingDynamics` (order and batch size do not change
the statistics) and prints F1 per scenario (mean over the seeds recorded) for
:func:`~gapdoctor.causes.label_noise.dynamics.dynamics_label_issues`, the earlier AUM < 0 rule and
cleanlab: how the flag rule's one share (``_FLAG_MIRROR_SHARE``) was chosen without retraining.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' shared training helper
from tests.causes.training_dynamics_data import digits, f1, flip_labels, train_mlp

from gapdoctor.causes.label_noise.dynamics import dynamics_label_issues
from gapdoctor.inputs.training_dynamics import TrainingDynamics, flag_label_issues
from training_dynamics import FOLDS, mnist1d


def data(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        return digits()
    if name == "mnist1d":
        return mnist1d()
    X, y = make_classification(
        100_000, n_features=20, n_informative=15, n_classes=10, n_clusters_per_class=1, random_state=0
    )
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y.astype(np.int64)


def record(folder: Path, name: str, kind: str, noise: float, seed: int) -> None:
    from cleanlab.filter import find_label_issues

    X, y = data(name)
    epochs = 10 if name == "big" else 30
    noisy = flip_labels(y, noise, seed, kind=kind)
    logits = np.zeros((epochs, len(y), int(y.max()) + 1), np.float16 if name == "big" else np.float32)
    epoch = [0]

    def on_batch(rows: np.ndarray, batch_logits: object, labels: object) -> None:
        logits[epoch[0], rows] = np.asarray(batch_logits)

    def on_epoch() -> None:
        epoch[0] += 1

    started = time.perf_counter()
    train_mlp(X, noisy, seed=seed, epochs=epochs, on_batch=on_batch, on_epoch=on_epoch)
    probs = np.zeros((len(y), int(y.max()) + 1))
    for fit, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(X, noisy):
        probs[held] = train_mlp(X[fit], noisy[fit], seed=seed, epochs=epochs)(X[held])
    flags = find_label_issues(noisy, probs)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}_{kind}_{noise}_{seed}.npz"
    np.savez_compressed(path, logits=logits, y=y, noisy=noisy, cl=flags)
    print(path, f"{time.perf_counter() - started:.0f} s", flush=True)


def replay(folder: Path) -> None:
    results: dict[str, list[dict[str, float]]] = defaultdict(list)
    for path in sorted(folder.glob("*.npz")):
        run = np.load(path)
        logits, noisy = run["logits"], run["noisy"]
        flipped = noisy != run["y"]
        store = TrainingDynamics(n_train=len(noisy))
        order = np.random.default_rng(0)
        for epoch in range(logits.shape[0]):
            rows = order.permutation(len(noisy))
            for start in range(0, len(rows), 4096):
                batch = rows[start : start + 4096]
                store.add(batch, logits[epoch, batch].astype(np.float32), noisy[batch])
            store.end_epoch()
        summary = store.summary()
        results[path.stem.rsplit("_", 1)[0]].append(
            {
                "gapdoctor": f1(dynamics_label_issues(summary, noisy).rows, flipped),
                "aum_below_0": f1(flag_label_issues(summary).rows, flipped),
                "cleanlab": f1(np.flatnonzero(run["cl"]), flipped),
            }
        )
    for scenario, runs in results.items():
        means = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
        print(f"{scenario:32s} seeds {len(runs)} " + " ".join(f"{k} {v:.3f}" for k, v in means.items()))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "record":
        record(Path(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
    else:
        replay(Path(sys.argv[2]))
