"""Does a train-only-signal statistic separate leakage from other causes on the calibration corpus?

``preprocessing_leakage.train_only_signal`` scores the label association (Kruskal-Wallis
epsilon²) a feature loses between training and validation. An in-sample stacked feature (a
k-NN label mean computed on the training rows themselves) keeps most of its association in
validation, so the bench's ``breast-cancer-knn-stacking`` is not found at all. This script
measures, per diagnosed corpus scenario, three candidate statistics (the max over features of
the low end of a 95% interval):

- ``marginal``: epsilon² lost (what the check uses; 0 when no feature collapsed);
- ``residual``: share of validation's unexplained rank variance that training explains,
  ``1 - (1 - eps²_train) / (1 - eps²_val)`` (does not saturate near eps² = 1), for features
  whose Fisher-z loss is significant (Bonferroni);
- ``partial``: epsilon² lost by each feature's part not predicted by the other features
  (ridge fitted on validation rows).

For each it prints how many leakage scenarios (by how the leak was built) score above the
largest value of any scenario without leakage or a pipeline bug (misaligned or unscaled
validation rows lose every feature's signal; the check discounts that pattern separately): a
statistic only helps if that count is high.

Usage (about 1.5 min on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/leakage_association.py /work/corpus/calib-fit/diagnoses.jsonl
--cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy import stats as sps
from sklearn.linear_model import Ridge

from corpus_lines import scenarios_with_features
from gapdoctor.stats.association import (
    COLLAPSE_FAMILY_ALPHA,
    LOSS_INTERVAL_Z,
    association_loss,
    association_rows,
    fisher_z,
    from_fisher_z,
)

_CAP = 1 - 1e-6


def _residual(Xt: np.ndarray, yt: np.ndarray, Xv: np.ndarray, yv: np.ndarray, k: int) -> float:
    loss = association_loss(Xt, yt, Xv, yv, k)
    se_t = 1 / np.sqrt(max(association_rows(len(yt)), 4) - 3)
    se_v = 1 / np.sqrt(max(association_rows(len(yv)), 4) - 3)
    low_t = from_fisher_z(fisher_z(loss.train) - LOSS_INTERVAL_Z * se_t)
    high_v = from_fisher_z(fisher_z(loss.val) + LOSS_INTERVAL_Z * se_v)
    r_t, r_v = np.log1p(-np.minimum(loss.train, _CAP)), np.log1p(-np.minimum(loss.val, _CAP))
    err = np.hypot(r_v - np.log1p(-np.minimum(high_v, _CAP)), np.log1p(-np.minimum(low_t, _CAP)) - r_t)
    low = 1 - np.exp(-(r_v - r_t - err))
    significant = loss.z >= sps.norm.isf(COLLAPSE_FAMILY_ALPHA / len(loss.train))
    return float(np.max(low[significant])) if significant.any() else 0.0


def _partial(Xt: np.ndarray, yt: np.ndarray, Xv: np.ndarray, yv: np.ndarray, k: int) -> float:
    mu, sd = Xv.mean(0), Xv.std(0)
    sd[sd == 0] = 1
    Zt, Zv = (Xt - mu) / sd, (Xv - mu) / sd
    Rt, Rv = np.empty_like(Zt), np.empty_like(Zv)
    for j in range(Zt.shape[1]):
        others = np.delete(np.arange(Zt.shape[1]), j)
        model = Ridge(alpha=1.0).fit(Zv[:, others], Zv[:, j])
        Rt[:, j] = Zt[:, j] - model.predict(Zt[:, others])
        Rv[:, j] = Zv[:, j] - model.predict(Zv[:, others])
    return float(np.max(association_loss(Rt, yt, Rv, yv, k).lost_low))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="a corpus diagnose output (JSON lines)")
    parser.add_argument("--cache", type=Path, required=True, help="the corpus scenario cache")
    args = parser.parse_args()
    rows = []
    for line, scenario, kw in scenarios_with_features(args.lines, args.cache):
        Xt, Xv = np.nan_to_num(np.asarray(kw["X_train"], float)), np.nan_to_num(np.asarray(kw["X_val"], float))
        yt, yv = np.asarray(kw["y_train"]), np.asarray(kw["y_val"])
        k = max(len(np.unique(np.concatenate([yt, yv]))), 2)
        loss = association_loss(Xt, yt, Xv, yv, k)
        marginal = max((float(loss.lost_low[j]) for j in loss.order()), default=0.0)
        leak = [
            t["kind"] for t in scenario.params.get("transforms", []) if t["kind"] in ("knn_stacking", "target_encoding")
        ]
        kind = leak[0] if "preprocessing_leakage" in line["causes"] and leak else "none"
        kind = "pipeline_bug" if kind == "none" and "pipeline_bug" in line["causes"] else kind
        rows.append((kind, marginal, _residual(Xt, yt, Xv, yv, k), _partial(Xt, yt, Xv, yv, k)))
    print(f"{len(rows)} scenarios; leakage scenarios above every other scenario's value (pipeline bugs aside):")
    for i, name in enumerate(("marginal", "residual", "partial"), start=1):
        ceiling = max(r[i] for r in rows if r[0] == "none")
        counts = {
            kind: f"{sum(r[i] > ceiling for r in rows if r[0] == kind)}/{sum(r[0] == kind for r in rows)}"
            for kind in ("target_encoding", "knn_stacking")
        }
        print(f"  {name:9s} max without leakage {ceiling:.3f}: {counts}")


if __name__ == "__main__":
    main()
