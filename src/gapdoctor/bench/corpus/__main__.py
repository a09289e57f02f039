"""``python -m gapdoctor.bench.corpus {build,diagnose,split,fit,evaluate}``: the corpus batch from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gapdoctor.bench.corpus", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("build", "build (or read from the cache) the scenarios; write a manifest line per seed"),
        ("diagnose", "diagnose every scenario; write one JSON line per scenario"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--n", type=int, default=400, help="number of corpus seeds (default 400)")
        sub.add_argument("--start", type=int, default=0, help="first corpus seed (default 0)")
        sub.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
        sub.add_argument("--cache", default=None, help="cache directory (default: beside the bench cache)")
        sub.add_argument(
            "--models",
            default=None,
            help="comma-separated model families (default: installed; torch_cnn only when named)",
        )
        sub.add_argument(
            "--datasets",
            default=None,
            help="comma-separated data-set families (default: the bundled and synthetic ones; mnist1d only when named)",
        )
        sub.add_argument(
            "--reported-first",
            action="store_true",
            help="only the seeds whose first draw lies on the held-out families (a blind batch of the report side)",
        )
        default_out = "corpus-manifest.jsonl" if name == "build" else "corpus-diagnoses.jsonl"
        sub.add_argument("--out", default=default_out, help=f"JSON-lines output (default {default_out})")
    split = commands.add_parser("split", help="count a diagnose output's scenarios on each side of the family split")
    split.add_argument("lines", help="a JSON-lines file written by build or diagnose")
    split.add_argument(
        "--hold-out", action="append", default=None, metavar="AXIS=LABEL,LABEL", help="families reported on"
    )
    for name, text in (
        ("fit", "fit the scoring policy on the calibration families of a diagnose output"),
        ("evaluate", "headline accuracy and reliability on the held-out families, with and without the policy"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("lines", help="a JSON-lines file written by diagnose")
        sub.add_argument(
            "--hold-out", action="append", default=None, metavar="AXIS=LABEL,LABEL", help="families reported on"
        )
        if name == "fit":
            sub.add_argument("--out", default=None, help="the policy file (default: the one shipped in gapdoctor)")
        else:
            sub.add_argument("--side", choices=("report", "calibrate", "all"), default="report")
            sub.add_argument("--policy", default=None, help="a policy file from fit (default: the one shipped)")
            sub.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    return parser


def _calibration(args: argparse.Namespace) -> int:
    from gapdoctor.bench.corpus import calibration
    from gapdoctor.bench.corpus.split import split_by_family
    from gapdoctor.stats.scoring import FIT_FILE, load_policy

    if not Path(args.lines).is_file():
        raise GapdoctorInputError("lines", f"{args.lines} is not a file", "pass the output of diagnose")
    held_out = _held_out(args.hold_out)
    try:
        lines = calibration.read_lines(args.lines)
        split_by_family(lines)  # every line names its families
        for line in lines:
            _ = [(f["cause"], f["score"]) for f in line["findings"]], set(line["causes"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        what = f"{args.lines} is not a diagnose output ({type(error).__name__}: {error})"
        raise GapdoctorInputError("lines", what, "pass the output of diagnose") from None
    if args.command == "fit":
        out = Path(args.out) if args.out else FIT_FILE
        content = calibration.fit_policy(lines, out, held_out)
        print(json.dumps(content, indent=1))
        print(f"policy written to {out}")
        return 0
    if args.policy is not None and not Path(args.policy).is_file():
        raise GapdoctorInputError("--policy", f"{args.policy} is not a file", "pass a file written by fit --out")
    parts = split_by_family(lines, held_out)
    chosen = lines if args.side == "all" else getattr(parts, args.side)
    try:
        policy = load_policy(None if args.policy is None else Path(args.policy))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        what = f"{args.policy} is not a policy file ({type(error).__name__}: {error})"
        raise GapdoctorInputError("--policy", what, "pass a file written by fit --out") from None
    label = "shipped policy" if args.policy is None else f"policy {args.policy}"
    results = [
        (title, calibration.evaluate(chosen, used).to_dict())
        for title, used in (("check strengths (no policy)", None), (f"calibrated ({label})", policy))
    ]
    if args.markdown:
        print(calibration.markdown(results, args.side))
        return 0
    for title, result in results:
        print(f"{title}, {args.side} side: " + json.dumps({k: v for k, v in result.items() if k != "reliability"}))
        for row in result["reliability"]:
            counts = f"{row['findings']:5d} findings, mean score {row['mean_score']:.3f}"
            print(f"   {row['bin']}: {counts}, right {row['real']:.3f}")
    return 0


def _held_out(values: list[str] | None) -> dict[str, list[str]] | None:
    if not values:
        return None
    out: dict[str, list[str]] = {}
    for value in values:
        axis, sep, labels = value.partition("=")
        if not sep or not labels:
            raise GapdoctorInputError("--hold-out", f"{value!r} is not AXIS=LABEL[,LABEL...]", "e.g. dataset=wine,iris")
        out[axis] = labels.split(",")
    return out


def _names(given: str | None, known: tuple[str, ...], flag: str) -> tuple[str, ...] | None:
    """The families a comma-separated flag names (None: not given)."""
    names = None if given is None else tuple(given.split(","))
    if names is not None and not set(names) <= set(known):
        raise GapdoctorInputError(flag, f"got {given!r}", f"use some of {', '.join(known)}")
    return names


def _check(args: argparse.Namespace) -> tuple[list[int], tuple[str, ...] | None, tuple[str, ...] | None]:
    from gapdoctor.bench.corpus.families import KNOWN_DATASETS, KNOWN_MODELS
    from gapdoctor.bench.corpus.generate import reported_first

    if args.n < 1 or args.start < 0:
        raise GapdoctorInputError("--n/--start", f"got {args.n}/{args.start}", "use --n >= 1 and --start >= 0")
    if args.jobs < 1:
        raise GapdoctorInputError("--jobs", f"got {args.jobs}", "use 1 or more worker processes")
    models = _names(args.models, KNOWN_MODELS, "--models")
    datasets = _names(args.datasets, KNOWN_DATASETS, "--datasets")
    seeds = list(range(args.start, args.start + args.n))
    if args.reported_first:
        seeds = reported_first(seeds, models=models, datasets=datasets)
        if not seeds:
            what = f"no seed of {args.start}-{args.start + args.n - 1} has its first draw on the held-out families"
            raise GapdoctorInputError("--reported-first", what, "raise --n (nearly half of the seeds have)")
    return seeds, models, datasets


def _batch(args: argparse.Namespace) -> int:
    from gapdoctor.bench.corpus.batch import build_corpus, diagnose_corpus, write_lines
    from gapdoctor.bench.corpus.generate import corpus_cache_dir

    seeds, models, datasets = _check(args)
    cache = corpus_cache_dir(args.cache)
    run = build_corpus if args.command == "build" else diagnose_corpus
    started = time.perf_counter()
    tally: dict[str, int] = {"accepted": 0, "rejected attempts": 0}

    def progress(line: dict[str, Any]) -> None:
        tally["accepted"] += bool(line["accepted"])
        tally["rejected attempts"] += len(line["rejections"])
        status = line.get("status", "accepted" if line["accepted"] else "rejected")
        if status == "errored":
            tally["errored"] = tally.get("errored", 0) + 1
            status = f"errored: {line['error']}"
        print(f"{line['name']}: {status} ({line['build_seconds']:.1f} s build)", file=sys.stderr, flush=True)

    lines = run(seeds, cache=cache, jobs=args.jobs, models=models, datasets=datasets)
    count = write_lines(lines, Path(args.out), progress)
    seconds = time.perf_counter() - started
    print(
        f"{count} scenarios ({tally['accepted']} accepted, {tally['rejected attempts']} rejected attempts, "
        f"{tally.get('errored', 0)} errored) "
        f"in {seconds:.0f} s ({seconds / count:.1f} s each); cache {cache}; lines in {args.out}"
    )
    return 0


def _split(args: argparse.Namespace) -> int:
    from gapdoctor.bench.corpus.split import split_by_family

    held_out = _held_out(args.hold_out)
    path = Path(args.lines)
    if not path.is_file():
        raise GapdoctorInputError("lines", f"{path} is not a file", "pass the output of build or diagnose")
    wrong = GapdoctorInputError(
        "lines", f"{path} is not a corpus JSON-lines file", "pass the output of build or diagnose"
    )
    try:
        lines = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]
    except ValueError as error:
        raise wrong from error
    if not all(isinstance(line, dict) and isinstance(line.get("families"), dict) for line in lines):
        raise wrong
    parts = split_by_family(lines, held_out)
    print(f"held out: {parts.held_out}")
    for side in ("calibrate", "report", "unused"):
        rows = getattr(parts, side)
        print(f"{side}: {len(rows)} scenarios ({sum(r['accepted'] for r in rows)} accepted)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the corpus command line; returns the exit code (2 for bad input, with one line)."""
    args = _parser().parse_args(argv)
    try:
        if args.command in ("fit", "evaluate"):
            return _calibration(args)
        return _split(args) if args.command == "split" else _batch(args)
    except GapdoctorInputError as error:
        print(f"gapdoctor: bad input: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
