"""Which corpus scenarios have a column that is the training rows' in-sample k-NN label mean, and how surely?

``preprocessing_leakage.train_only_signal`` reports a column that, rebuilt from the other
columns, is each training row's label mean over its ``k`` nearest training rows with the row
itself counted, on every rebuilt row (an in-sample k-NN stacking feature:
:mod:`gapdoctor.causes.preprocessing_leakage.neighbour_means`). This script prints, per corpus
scenario with such a column, the rows where the in-sample and out-of-fold means differ, the
chance alone (log10), the reconstructions tried, the family-wise p combined with the association
loss and whether the gate passes, by side (calibrate / held-out) and by what was injected; then
the runs with a ``knn_stacking`` transform that were not found.

It also prints, for comparison, the first fingerprint tried (``--cells``): the rows of each split
at the column's extreme value that contradicts their label (an in-sample mean counts the row's
own label, so no training row sits there) and the one-sided Fisher exact p that training has
fewer; it did not separate (breast cancer stackings 1e-0.4 to 1e-0.9, digits runs without one
down to 1e-75 under a distribution shift).

Usage (about 20 seconds on one core from the cache; a few minutes with ``--cells``):
``OMP_NUM_THREADS=1 python benchmarks/leakage_neighbour_means.py /work/s3/main4.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from scipy import stats as sps

from corpus_lines import scenarios_with_label_loss
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.causes.preprocessing_leakage.neighbour_means import in_sample_neighbour_mean
from gapdoctor.stats.splits import splits_of

_MAX_LEVELS = 51  # the cells fingerprint: columns with at most this many distinct values


def contradicting_cells(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray) -> str:
    """The strongest extreme-cell test over the few-valued columns (class 1 against the rest)."""
    best, tests = (0.0, -1, 0, 0), 0
    for j in range(X_train.shape[1]):
        t, v = X_train[:, j], X_val[:, j]
        levels = np.unique(np.r_[t, v])
        if not 3 <= len(levels) <= _MAX_LEVELS or not np.isfinite(levels).all():
            continue
        for c in np.unique(y_val)[1:] if len(np.unique(y_val)) == 2 else np.unique(y_val):
            in_t, in_v = y_train == c, y_val == c
            if in_v.all() or not in_v.any():
                continue
            rising = v[in_v].mean() > v[~in_v].mean()
            far_t, far_v = (t == levels[0], t == levels[-1]), (v == levels[0], v == levels[-1])
            if not rising:
                far_t, far_v = far_t[::-1], far_v[::-1]
            a = int(np.sum(far_t[0] & in_t) + np.sum(far_t[1] & ~in_t))
            b = int(np.sum(far_v[0] & in_v) + np.sum(far_v[1] & ~in_v))
            tests += 1
            log10_p = float(sps.hypergeom.logcdf(a, len(t) + len(v), a + b, len(t))) / math.log(10)
            if log10_p < best[0]:
                best = (log10_p, j, a, b)
    return f"cells: col {best[1]} {best[2]} train vs {best[3]} val, log10 p {best[0]:.1f} over {tests} tests"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="a corpus diagnose output (JSON lines): the seeds to read")
    parser.add_argument("--cache", type=Path, required=True, help="the corpus scenario cache")
    parser.add_argument("--cells", action="store_true", help="also print the contradicting-cells fingerprint")
    args = parser.parse_args()
    held_out = set(DEFAULT_HELD_OUT["dataset"])
    missed, read, null_found = [], 0, 0
    for line, scenario, evidence, loss in scenarios_with_label_loss(args.lines, args.cache):
        X_train, X_val = splits_of(evidence)
        assert evidence.y_train is not None and evidence.y_val is not None
        found = in_sample_neighbour_mean(X_train, evidence.y_train, evidence.n_classes, loss.z, alpha=math.inf)
        stacked = any(t["kind"] == "knn_stacking" for t in scenario.params.get("transforms", []))
        read += 1
        null_found += found is not None and not stacked
        side = "held-out" if line["families"].get("dataset") in held_out else "calibrate"
        kind = "knn_stacking" if stacked else "+".join(line["causes"]) or "healthy"
        cells = contradicting_cells(X_train, evidence.y_train, X_val, evidence.y_val) if args.cells else ""
        if found is None:
            if stacked:
                missed.append(line["seed"])
            if cells:
                print(f"{line['seed']:4d} {side:9s} {kind:40s} not found; {cells}", flush=True)
            continue
        gate = found.log10_p_exact + math.log10(found.tests) <= math.log10(0.05)
        print(
            f"{line['seed']:4d} {side:9s} {kind:40s} column {found.feature} k {found.k}: {found.differing} rows "
            f"differ, chance {found.log10_p_exact:6.1f} over {found.tests:3d} tries, family-wise "
            f"{found.log10_p_family:7.1f} {'gate' if gate else ''} {cells}",
            flush=True,
        )
    print(f"{read} runs read; knn_stacking runs not found: {missed}; runs without one rebuilt: {null_found}")


if __name__ == "__main__":
    main()
