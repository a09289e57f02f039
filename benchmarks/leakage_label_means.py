"""Which corpus scenarios have a column that is exactly the training label share of its rows, and how surely?

``preprocessing_leakage.train_only_signal`` reports a column whose training values are, on every
value, exactly the share of one class among the training rows with that value (an in-sample
target encoding: :mod:`gapdoctor.causes.preprocessing_leakage.label_means`). The fit alone must
be significant family-wise (``FINGERPRINT_FAMILY_ALPHA``) before the association loss adds to
it; the strength grows with -log10 of the combined family-wise p (reported at
``IN_SAMPLE_MEAN_P_REPORTABLE``). This script prints, per corpus scenario with any exact fit,
the strongest fit's chance alone (log10, before the correction), that of the fit the
check would rank first (gated or not) with the number of (column, class) pairs
tested, the combined family-wise log10 p, and whether the gate passes, by side (calibrate /
held-out) and by what was injected; then, per side, the weakest fit among the injected
encodings and the strongest among the runs without one.

Usage (about a minute and a half on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/leakage_label_means.py /work/s3/main3.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from corpus_lines import scenarios_with_label_loss
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.causes.preprocessing_leakage.label_means import FINGERPRINT_FAMILY_ALPHA, in_sample_label_mean
from gapdoctor.stats.splits import splits_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="a corpus diagnose output (JSON lines): the seeds to read")
    parser.add_argument("--cache", type=Path, required=True, help="the corpus scenario cache")
    args = parser.parse_args()
    held_out = set(DEFAULT_HELD_OUT["dataset"])
    weakest: dict[str, float] = {}
    strongest_null: dict[str, float] = {}
    for line, scenario, evidence, loss in scenarios_with_label_loss(args.lines, args.cache):
        X_train, X_val = splits_of(evidence)
        assert evidence.y_train is not None and evidence.y_val is not None
        found = in_sample_label_mean(
            X_train, evidence.y_train, X_val, evidence.y_val, evidence.n_classes, loss.z, alpha=math.inf
        )
        encoded = any(t["kind"] == "target_encoding" for t in scenario.params.get("transforms", []))
        side = "held-out" if line["families"].get("dataset") in held_out else "calibrate"
        if encoded:
            weakest[side] = max(weakest.get(side, -math.inf), found.strongest_fit_log10_p if found else 0.0)
        elif found:
            strongest_null[side] = min(strongest_null.get(side, 0.0), found.strongest_fit_log10_p)
        if found is None:
            continue
        gate = found.log10_p_exact + math.log10(found.tests) <= math.log10(FINGERPRINT_FAMILY_ALPHA)
        kind = "target_encoding" if encoded else "+".join(line["causes"]) or "healthy"
        print(
            f"{line['seed']:4d} {side:9s} {kind:40s} strongest fit log10 p {found.strongest_fit_log10_p:6.1f}, "
            f"reported one {found.log10_p_exact:6.1f} over {found.tests:4d} "
            f"tests, combined family-wise {found.log10_p_family:7.1f} {'gate' if gate else ''}"
        )
    for side in ("calibrate", "held-out"):
        print(
            f"{side}: weakest injected encoding's fit log10 p {weakest.get(side, float('nan')):.1f}; "
            f"strongest fit without one {strongest_null.get(side, 0.0):.1f}"
        )


if __name__ == "__main__":
    main()
