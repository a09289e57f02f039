"""The calibration section of RESULTS.md in one command: fit on the corpus, measure held-out and on the bench.

Usage (from the repository root, one BLAS thread)::

    python benchmarks/calibration.py LINES.jsonl [--cache CORPUS_CACHE [--jobs N]] [--fit-out FIT.json] [--ship]

``--cache``: first (re-)diagnose the 800 corpus seeds from that cache into ``LINES.jsonl``
(``python -m gapdoctor.bench.corpus diagnose``; about 0.3-0.8 s a scenario), with no scoring
policy, whatever is shipped: the lines hold the checks' own strengths (lines diagnosed with a
policy work too: each finding keeps its strength in ``evidence_strength``). Then:

1. fit the scoring policy (:mod:`gapdoctor.stats.scoring`: one increasing map for every cause,
   0.5 kept at 0.5, so no headline can move) on the calibration families (``FIT.json``,
   default beside LINES);
2. evaluate it on the held-out families, before/after (``evaluate --markdown``);
3. the same with the sides swapped (fit on the held-out families, report on the others),
   to see how much of a difference is the split's noise;
4. run ``gapdoctor bench`` (its scenario cache) without a policy and with this one;
5. print the ship rule's verdict: held-out ECE lower, held-out top-1 not lower, bench top-1
   and top-3 not lower, bench false alarms not higher. ``--ship`` then copies the fit to
   ``gapdoctor/stats/scoring_fit.json`` (only when the verdict is yes).

``--sensitivity CORPUS_CACHE`` adds how the held-out figures move when every observed-symptom
threshold (:mod:`gapdoctor.bench.corpus.symptoms`) is halved or doubled: the findings are
re-labelled from the cached scenarios (no re-diagnosis). A check of the rules, not a way to
choose them: the shipped labels use the thresholds as written.

``--report-seeds LO:HI`` keeps, of the held-out families, the scenarios of seeds LO..HI-1 only (the
calibration families keep every seed): the figures on scenarios drawn after the checks were
frozen, which nobody looked at while changing them (a fresh batch built with ``corpus build
--start LO``). The swapped sides then fit on those held-out scenarios alone.

Prints Markdown to stdout. Bad input (a missing or foreign lines file, no findings): one line on
stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus import calibration
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT, FAMILY_AXES, split_by_family
from gapdoctor.bench.runner import BenchResult, run_bench
from gapdoctor.bench.scenario import cache_dir
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats import scoring
from gapdoctor.stats.scoring import REPORTING_POINT

SHIPPED = Path(scoring.__file__).with_name("scoring_fit.json")
"""Where ``--ship`` puts the fit: the file the engine reads."""


CORPUS_SEEDS = range(800)
"""The corpus the RESULTS figures read (its cache: ``python -m gapdoctor.bench.corpus build --n 800``; seeds
400-799 were drawn after the fourth session's check changes: ``--report-seeds 400:800`` reports on them)."""


def _diagnose(lines: Path, cache: Path, jobs: int) -> None:
    from gapdoctor.bench.corpus.batch import diagnose_corpus, write_lines

    if not cache.is_dir():
        raise GapdoctorInputError("--cache", f"{cache} is not a folder", "pass a corpus cache built by corpus build")
    with scoring.scored_with(None), threadpool_limits(limits=1):  # the variable reaches the workers
        count = write_lines(diagnose_corpus(CORPUS_SEEDS, cache=cache, jobs=jobs), lines, lambda _: None)
    print(f"<!-- {count} corpus seeds diagnosed into {lines} -->")


def _held_out_evaluation(rows: list[dict[str, Any]], fit: Path, held_out: dict[str, tuple[str, ...]]) -> list[Any]:
    calibration.fit_policy(rows, fit, held_out)
    policy = scoring.load_policy(fit)
    report = split_by_family(rows, held_out).report
    before, after = calibration.evaluate(report, None), calibration.evaluate(report, policy)
    pairs = list(zip(before.headline_hits, after.headline_hits, strict=True))
    gained, lost = sum(a and not b for b, a in pairs), sum(b and not a for b, a in pairs)
    print(f"<!-- {', '.join(held_out['dataset'])}: headlines gained {gained}, lost {lost} -->")
    return [
        ("check strengths (no policy)", before.to_dict()),
        ("calibrated (fit on the other families)", after.to_dict()),
    ]


ECE_TARGET = 0.05
"""Issue 13's calibration target on the held-out families (reported beside the ship rule, not part of it)."""

_THRESHOLDS = (
    "OVERFIT_VAL_RISE",
    "OVERFIT_TRAIN_FALL",
    "SATURATION_MARGIN",
    "SMALL_VAL_ROW_STEP",
    "LABEL_NOISE_SHARE",
    "OPTIMIZATION_RISE",
)


def _sensitivity(rows: list[dict[str, Any]], cache: Path, fit: Path) -> str:
    """Held-out figures with every symptom threshold halved / as written / doubled (a margin: inverted)."""
    import copy

    from gapdoctor.bench.corpus import symptoms
    from gapdoctor.bench.corpus.generate import draw_scenario

    datas = {row["seed"]: draw_scenario(row["seed"], cache=cache).data for row in rows}
    written = {name: getattr(symptoms, name) for name in _THRESHOLDS}
    out = [
        "| symptom thresholds | top-1, no policy | ECE, no policy | top-1, fitted | top-3, fitted "
        "| healthy alarms, fitted | ECE, fitted | score at strength 0.3 / 0.7 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    try:
        for factor in (0.5, 1.0, 2.0):
            for name, value in written.items():
                setattr(symptoms, name, value / factor if name == "SATURATION_MARGIN" else value * factor)
            relabelled = copy.deepcopy(rows)
            for row in relabelled:
                seen = symptoms.observe_symptoms(datas[row["seed"]], healthy=not row["causes"])
                for finding in row["findings"]:
                    finding["truth"] = symptoms.finding_truth(finding["cause"], row["causes"], seen)
            calibration.fit_policy(relabelled, fit)
            report = split_by_family(relabelled).report
            b, a = calibration.evaluate(report, None), calibration.evaluate(report, scoring.load_policy(fit))
            fitted = scoring.load_policy(fit)
            slopes = "-" if fitted is None else f"{fitted(0.3):.2f} / {fitted(0.7):.2f}"
            out.append(
                f"| x{factor} | {100 * b.top1:.1f}% | {b.ece:.3f} | {100 * a.top1:.1f}% | {100 * a.top3:.1f}% "
                f"| {a.false_alarms} of {a.healthy} | {a.ece:.3f} | {slopes} |"
            )
    finally:
        for name, value in written.items():
            setattr(symptoms, name, value)
    return "\n".join(out)


def _bench(policy_file: Path | None) -> BenchResult:
    """The bench scored with ``policy_file`` (None: no policy, every score its check's strength)."""
    with scoring.scored_with(policy_file), threadpool_limits(limits=1):
        return run_bench(cache=cache_dir())


def _bench_rows(before: BenchResult, after: BenchResult) -> str:
    out = [
        "| bench (42 scenarios) | top-1 | top-3 | false alarms (healthy) |",
        "|---|---:|---:|---:|",
        f"| check strengths (no policy) | {100 * before.top1:.1f}% | {100 * before.top3:.1f}% "
        f"| {before.false_alarms} of {before.healthy} |",
        f"| calibrated | {100 * after.top1:.1f}% | {100 * after.top3:.1f}% | {after.false_alarms} of {after.healthy} |",
        "",
        "| bench scenario | headline before | headline after |",
        "|---|---|---|",
    ]
    for a, b in zip(before.to_dict()["results"], after.to_dict()["results"], strict=True):
        if a["top"] != b["top"]:
            mark = {True: "hit", False: "miss"}
            out.append(f"| `{a['name']}` | {a['top']} ({mark[a['hit']]}) | {b['top']} ({mark[b['hit']]}) |")
    return "\n".join(out)


def reported_ece(evaluation: dict[str, Any]) -> float:
    """The expected calibration error over the reliability table's bins at or above the reporting point.

    The ECE weighs every finding, and most findings are weak (scores near 0, rarely right): their
    bins can carry the figure. This one reads the findings a user is shown.

    Examples
    --------
    >>> table = [{"bin": "0.0-0.1", "findings": 90, "mean_score": 0.05, "real": 0.05},
    ...          {"bin": "0.9-1.0", "findings": 10, "mean_score": 0.95, "real": 0.75}]
    >>> round(reported_ece({"reliability": table}), 3)
    0.2
    """
    rows = [r for r in evaluation["reliability"] if float(r["bin"].split("-")[0]) >= REPORTING_POINT]
    total = sum(r["findings"] for r in rows)
    return sum(r["findings"] * abs(r["mean_score"] - r["real"]) for r in rows) / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except GapdoctorInputError as error:
        print(f"calibration: bad input: {error}", file=sys.stderr)
        return 2


def keep_report_seeds(rows: list[dict[str, Any]], seeds: str) -> list[dict[str, Any]]:
    """Every calibration-side row, and the held-out rows whose seed is in ``LO:HI`` (``LO`` included).

    Examples
    --------
    >>> rows = [{"seed": s, "families": {"dataset": d}} for s, d in [(1, "wine"), (500, "wine"), (2, "iris")]]
    >>> [r["seed"] for r in keep_report_seeds(rows, "400:800")]
    [500, 2]
    """
    try:
        low, high = (int(part) for part in seeds.split(":"))
    except ValueError:
        raise GapdoctorInputError("--report-seeds", f"got {seeds!r}", "pass two seeds as LO:HI, e.g. 400:800") from None
    if low >= high:
        raise GapdoctorInputError("--report-seeds", f"{seeds!r} holds no seed", "pass LO:HI with LO < HI")
    report = {id(r) for r in split_by_family(rows).report}
    return [r for r in rows if id(r) not in report or low <= int(r["seed"]) < high]


def _read(lines: Path) -> list[dict[str, Any]]:
    if not lines.is_file():
        raise GapdoctorInputError("LINES", f"{lines} is not a file", "pass a diagnose output, or --cache to write it")
    try:
        rows = calibration.read_lines(lines)
        split_by_family(rows)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        what = f"{lines} is not a diagnose output ({type(error).__name__}: {error})"
        raise GapdoctorInputError("LINES", what, "pass the output of corpus diagnose") from None
    return rows


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path)
    parser.add_argument("--cache", type=Path, default=None, help="re-diagnose the corpus from this cache first")
    parser.add_argument("--jobs", type=int, default=1, help="diagnosing processes with --cache (default 1)")
    parser.add_argument("--fit-out", type=Path, default=None)
    parser.add_argument("--ship", action="store_true")
    parser.add_argument("--sensitivity", type=Path, default=None, metavar="CORPUS_CACHE")
    parser.add_argument("--report-seeds", default=None, metavar="LO:HI", help="held-out scenarios of these seeds only")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        raise GapdoctorInputError("--jobs", f"got {args.jobs}", "use 1 or more")
    if args.cache is not None:
        _diagnose(args.lines, args.cache, args.jobs)
    fit = args.fit_out or args.lines.with_name("scoring_fit.json")
    rows = _read(args.lines)
    if args.report_seeds is not None:
        rows = keep_report_seeds(rows, args.report_seeds)
    held = _held_out_evaluation(rows, fit, DEFAULT_HELD_OUT)
    print(calibration.markdown(held, "held-out"))
    others = {"dataset": tuple(d for d in FAMILY_AXES["dataset"] or () if d not in DEFAULT_HELD_OUT["dataset"])}
    swapped = _held_out_evaluation(rows, fit.with_name(fit.stem + "_swapped.json"), others)
    print("\nSides swapped (fit on " + ", ".join(DEFAULT_HELD_OUT["dataset"]) + "; report on the others):\n")
    print(calibration.markdown(swapped, "swapped").split("\n\n")[0])
    if args.sensitivity is not None:
        print("\nSymptom thresholds halved / as written / doubled (held out):\n")
        print(_sensitivity(rows, args.sensitivity, fit.with_name(fit.stem + "_sensitivity.json")))
    calibration.fit_policy(rows, fit)  # the candidate is the default split's fit
    bench_before, bench_after = _bench(None), _bench(fit)
    print("\n" + _bench_rows(bench_before, bench_after))
    (_, b), (_, a) = held
    checks = {
        "held-out ECE lower": a["ece"] < b["ece"],
        "held-out top-1 not lower": a["top1"] >= b["top1"],
        "bench top-1 not lower": bench_after.top1 >= bench_before.top1,
        "bench top-3 not lower": bench_after.top3 >= bench_before.top3,
        "bench false alarms not higher": bench_after.false_alarms <= bench_before.false_alarms,
    }
    verdict = all(checks.values())
    print("\nShip rule: " + json.dumps(checks) + f" -> {'ship' if verdict else 'do not ship'}")
    target = "met" if a["ece"] <= ECE_TARGET else "not met"
    print(f"Issue 13's target, held-out ECE <= {ECE_TARGET}: {target} ({b['ece']:.3f} -> {a['ece']:.3f})")
    print(
        "Held-out ECE over reported findings alone (score >= 0.5; the low bins' many weak findings left out): "
        f"{reported_ece(b):.3f} -> {reported_ece(a):.3f}"
    )
    if args.ship and verdict:
        shipped = scoring.load_policy(fit)  # validated once more: the engine will read it on every diagnosis
        shutil.copyfile(fit, SHIPPED)
        assert shipped is not None
        knots = ", ".join(f"{x:.2f} -> {y:.2f}" for x, y in zip(shipped.strengths, shipped.scores, strict=True))
        print(f"shipped: {fit} -> gapdoctor/stats/scoring_fit.json (strength -> score: {knots})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
