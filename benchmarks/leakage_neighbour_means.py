"""Which corpus scenarios have a column whose training rows avoid the value contradicting their own label?

``preprocessing_leakage.train_only_signal`` reports a column on which no training row sits at the
value that contradicts its own label outright while validation rows do (an in-sample k-nearest-
neighbour label mean: :mod:`gapdoctor.causes.preprocessing_leakage.neighbour_means`). The
fingerprint alone must be significant family-wise (``FINGERPRINT_FAMILY_ALPHA``) before the
association loss adds to it. This script prints, per corpus scenario, the strongest
fingerprint's one-sided Fisher exact p (log10, before the correction), the one the check would
rank first with its contradicting rows per split and the (column, class) pairs tested, the
combined family-wise log10 p, and whether the gate passes, by side (calibrate / held-out) and by
what was injected; then, per side, the weakest fingerprint among the injected k-NN stackings and
the strongest among the runs without one.

Usage (about two minutes on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/leakage_neighbour_means.py /work/s3/main4.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from corpus_lines import scenarios_with_features
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.causes.preprocessing_leakage.check import _label_loss
from gapdoctor.causes.preprocessing_leakage.neighbour_means import FINGERPRINT_FAMILY_ALPHA, in_sample_neighbour_mean
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.splits import splits_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="a corpus diagnose output (JSON lines): the seeds to read")
    parser.add_argument("--cache", type=Path, required=True, help="the corpus scenario cache")
    args = parser.parse_args()
    held_out = set(DEFAULT_HELD_OUT["dataset"])
    weakest: dict[str, float] = {}
    strongest_null: dict[str, float] = {}
    for line, scenario, kw in scenarios_with_features(args.lines, args.cache):
        evidence = build_evidence(
            X_train=kw["X_train"],
            y_train=kw["y_train"],
            X_val=kw["X_val"],
            y_val=kw["y_val"],
            sources_train=kw.get("sources_train"),
        )
        X_train, X_val = splits_of(evidence)
        assert evidence.y_train is not None and evidence.y_val is not None
        loss = _label_loss(evidence, X_train, X_val, evidence.n_classes)
        found = in_sample_neighbour_mean(
            X_train, evidence.y_train, X_val, evidence.y_val, evidence.n_classes, loss.z, alpha=math.inf
        )
        stacked = any(t["kind"] == "knn_stacking" for t in scenario.params.get("transforms", []))
        side = "held-out" if line["families"].get("dataset") in held_out else "calibrate"
        if stacked:
            weakest[side] = max(weakest.get(side, -math.inf), found.strongest_log10_p if found else 0.0)
        elif found:
            strongest_null[side] = min(strongest_null.get(side, 0.0), found.strongest_log10_p)
        if found is None:
            continue
        gate = found.log10_p_exact + math.log10(found.tests) <= math.log10(FINGERPRINT_FAMILY_ALPHA)
        kind = "knn_stacking" if stacked else "+".join(line["causes"]) or "healthy"
        print(
            f"{line['seed']:4d} {side:9s} {kind:36s} {line['families'].get('dataset', '?'):16s} "
            f"strongest {found.strongest_log10_p:6.1f}, first col {found.feature} "
            f"{found.train_contradicting}/{found.train_rows} vs {found.val_contradicting}/{found.val_rows} "
            f"p {found.log10_p_exact:6.1f} over {found.tests:4d} tests, family {found.log10_p_family:7.1f} "
            f"{'GATE' if gate else ''}",
            flush=True,
        )
    for side in ("calibrate", "held-out"):
        print(
            f"{side}: weakest injected stacking's log10 p {weakest.get(side, float('nan')):.1f}; "
            f"strongest without one {strongest_null.get(side, 0.0):.1f}"
        )


if __name__ == "__main__":
    main()
