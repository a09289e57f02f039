"""Could the validation labels join the trusted rows as the taught test's reference? Measured: no.

With 32-90 trusted rows the what-its-labels-teach test (:mod:`gapdoctor.causes.pseudo_label_noise.teaching`)
is limited by the trusted source's own fit: a model fitted on its m rows is one draw, whose
validation accuracy varies by 3-6 points (breast-cancer corpus runs 201 and 377: fit sd 0.033 and
0.060 against 0.017 from the validation rows). Validation labels are true labels too, so a
reference pool of the trusted rows plus half the validation rows (the other half scores every
fit; draws of m = half the smaller of the pool and the source, at most 200 rows) would have far
more rows and many draws. This script measures that variant of the test (the same judges,
finite-population fit variance, t tail and Bonferroni over the two judges) on the corpus's
pseudo-labelled runs and on the null controls of ``pseudo_label_agreement.py`` (the same random
split of every other scenario into two clean sources).

Measured (main3.jsonl, 2026-12-02): pseudo-labelled 17 of 29 at p < 0.01 (the check's taught test:
13), null controls 40 of 314: every scenario whose training labels differ from the validation
labels as a whole (covariate or label shift: 19, 35, 51, 179...; a pipeline bug: 24, 104, 120...;
label noise in the training rows: 1, 113, 305, 385...) makes *any* training source teach worse than
validation labels. A source can only be judged against labels drawn like its own: the trusted
rows, whatever their number. The check keeps them as its reference.

Usage (about 6 min on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/pseudo_label_reference.py /work/s3/main3.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from corpus_lines import scenarios_with_features, with_trusted_rows
from gapdoctor.causes.pseudo_label_noise import teaching
from gapdoctor.causes.pseudo_label_noise.score import TAUGHT_P_VALUE

MAX_FIT_ROWS = 200
"""Rows per fit at most (the pool and the source give many draws of it)."""
Array = np.ndarray[Any, Any]


def pooled_p(X: Array, y: Array, sources: Array, X_val: Array, y_val: Array) -> float:
    """Bonferroni p of 'the non-trusted rows teach worse than trusted rows + half the validation rows'."""
    X = np.nan_to_num(np.asarray(X, dtype=np.float64))
    X_val = np.nan_to_num(np.asarray(X_val, dtype=np.float64))
    order = np.random.default_rng(0).permutation(len(y_val))
    fit_val, scored = order[: len(y_val) // 2], order[len(y_val) // 2 :]
    trusted, own = np.flatnonzero(sources == "human"), np.flatnonzero(sources != "human")
    X_all, y_all = np.vstack([X, X_val[fit_val]]), np.concatenate([y, y_val[fit_val]])
    pool = np.concatenate([trusted, len(y) + np.arange(len(fit_val))])
    m = min(MAX_FIT_ROWS, len(own) // 2, len(pool) // 2)
    best = 1.0
    for make in teaching.judges().values():
        mine = teaching._correct(make, X_all, y_all, own, m, X_val[scored], y_val[scored])
        ref = teaching._correct(make, X_all, y_all, pool, m, X_val[scored], y_val[scored])
        fits = [(mine, len(own)), (ref, len(pool))]
        fit_var = teaching._fit_variance(fits, m)
        diff = mine.mean(axis=0) - ref.mean(axis=0)
        fit_part = teaching._source_variance(fit_var, m, len(own), len(mine))
        fit_part += teaching._source_variance(fit_var, m, len(pool), len(ref))
        val_part = float(np.var(diff, ddof=1)) / len(diff)
        se = math.sqrt(max(fit_part + val_part, 1e-12))
        df = teaching._welch_df(fit_part, sum(len(c) - 1 for c, _ in fits), val_part, len(diff) - 1)
        best = min(best, float(sps.t.sf(-float(diff.mean()) / se, df)) * len(teaching.judges()))
    return min(best, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("diagnoses", type=Path, help="corpus diagnose JSON lines (seeds, causes, status)")
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args()
    found: dict[bool, list[tuple[int, float]]] = {True: [], False: []}
    for line, _, kw in scenarios_with_features(args.diagnoses, args.cache):
        if len(kw["y_val"]) < 40:
            continue
        pseudo, arrays = with_trusted_rows(line, kw)
        y, sources = np.asarray(arrays["y_train"]), np.asarray(arrays["sources_train"])
        found[pseudo].append((line["seed"], pooled_p(arrays["X_train"], y, sources, arrays["X_val"], arrays["y_val"])))
    for side, name in ((True, "pseudo-labelled"), (False, "null controls")):
        passed = [seed for seed, p in found[side] if p < TAUGHT_P_VALUE]
        print(f"{name}: {len(found[side])} runs; pooled reference p < {TAUGHT_P_VALUE}: {len(passed)} {passed}")


if __name__ == "__main__":
    main()
