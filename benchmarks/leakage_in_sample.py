"""Which corpus scenarios show an in-sample fitted feature, and how strongly?

``preprocessing_leakage.train_only_signal`` reports, besides features whose label association
collapses between the splits (target encodings of label-free ids), features that keep most of
it but lose a significant part (Bonferroni over the features at the collapse test's 0.001),
with the same distribution in both splits: a prediction stacked in-sample (a k-NN label mean
computed on the training rows themselves). With label sources, the training association is the
lowest source's (pseudo labels follow the features). This script prints, per corpus scenario
that has such a feature or a k-NN stacking leak, the strongest one's loss on the Fisher-z scale
(low end of its 95% interval; reported at ``FISHER_GAP_REPORTABLE``) and z, by side
(calibrate / held-out) and by what was injected, so a reporting point can be judged on the
calibration families and checked on the held-out ones.

Usage (about a minute on one core, from the cache):
``OMP_NUM_THREADS=1 python benchmarks/leakage_in_sample.py /work/s3/main0.jsonl --cache /work/corpus/cache``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpus_lines import scenarios_with_label_loss
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.causes.preprocessing_leakage.check import _weakened
from gapdoctor.causes.preprocessing_leakage.score import FISHER_GAP_REPORTABLE
from gapdoctor.stats.splits import splits_of


def _kind(causes: list[str], transforms: list[str]) -> str:
    if "preprocessing_leakage" in causes:
        return "knn_stacking" if "knn_stacking" in transforms else "target_encoding"
    return "+".join(causes) or "healthy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="a corpus diagnose output (JSON lines): the seeds to read")
    parser.add_argument("--cache", type=Path, required=True, help="the corpus scenario cache")
    args = parser.parse_args()
    held_out = set(DEFAULT_HELD_OUT["dataset"])
    for line, scenario, evidence, loss in scenarios_with_label_loss(args.lines, args.cache):
        X_train, X_val = splits_of(evidence)
        weakened = _weakened(loss, X_train, X_val)
        transforms = [t["kind"] for t in scenario.params.get("transforms", [])]
        kind = _kind(line["causes"], transforms)
        if not weakened and kind != "knn_stacking":
            continue
        side = "held-out" if line["families"].get("dataset") in held_out else "calibrate"
        low = float(loss.fisher_lost_low[weakened[0]]) if weakened else 0.0
        z = float(loss.z[weakened[0]]) if weakened else float(loss.z.max())
        flag = "reported" if low >= FISHER_GAP_REPORTABLE else ""
        print(f"{line['seed']:4d} {side:9s} {kind:40s} in-sample features {len(weakened)} ", end="")
        print(f"Fisher loss low {low:.3f} z {z:.1f} {flag}")


if __name__ == "__main__":
    main()
