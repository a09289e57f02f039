"""The command line: ``gapdoctor diagnose``, ``gapdoctor demo`` and ``gapdoctor bench``.

Exit codes: 0 healthy (no finding reaches the reporting threshold), 1 findings,
2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis

__all__ = ["main"]

EXIT_HEALTHY, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gapdoctor", description="Why does my training loss fall while my validation metric is stuck?"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("diagnose", help="diagnose a run from files")
    d.add_argument("--history", help="per-epoch log: .csv (one row per epoch) or .json")
    d.add_argument("--train", help="training split: .csv, .parquet or .npz")
    d.add_argument("--val", help="validation split: .csv, .parquet or .npz")
    d.add_argument("--label", default="label", help="name of the label column (default: label)")
    d.add_argument("--train-probs", help="out-of-sample training probabilities (.csv/.npy/.npz)")
    d.add_argument("--val-probs", help="validation probabilities (.csv/.npy/.npz)")
    d.add_argument("--metric", default="accuracy", help="validation metric you care about (default: accuracy)")
    d.add_argument("--group-col", help="column of the validation split holding a subgroup id (removed from features)")
    d.add_argument("--source-col", help="column of the training split naming each label's source (removed)")
    _outputs(d)

    demo = sub.add_parser("demo", help="train a real model with an injected problem and diagnose it")
    demo.add_argument("--seed", type=int, default=0)
    _outputs(demo)

    bench = sub.add_parser("bench", help="score gapdoctor on the fault scenarios (real training runs)")
    bench.add_argument("--cause", help="only the scenarios of this cause ('none': the healthy runs)")
    bench.add_argument("--json", dest="json_out", help="also write the results as JSON to this path")
    bench.add_argument("--fast", action="store_true", help="only one scenario per cause")
    bench.add_argument(
        "--cache-dir", help="scenario cache (default: $GAPDOCTOR_CACHE/bench or ~/.cache/gapdoctor/bench)"
    )
    bench.add_argument("--no-cache", action="store_true", help="build every scenario afresh, store nothing")
    return parser


def _bench(args: argparse.Namespace) -> int:
    from gapdoctor.bench.cli import run_bench_command

    return run_bench_command(
        cause=args.cause, json_out=args.json_out, fast=args.fast, cache_dir=args.cache_dir, no_cache=args.no_cache
    )


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", dest="json_out", help="also write the diagnosis as JSON to this path")
    parser.add_argument("--html", dest="html_out", help="also write the HTML report to this path")


def _read_split(path: str, label: str, extra: str | None) -> tuple[object, object, object]:
    import numpy as np

    from gapdoctor.io import read_labels_and_features

    X, y, names = read_labels_and_features(path, label)
    column = None
    if extra is not None:
        if extra not in names:
            raise GapdoctorInputError(path, f"has no column {extra!r}", f"check the column name given for {extra}")
        j = names.index(extra)
        column = X[:, j]
        X = np.delete(X, j, axis=1)
        names = names[:j] + names[j + 1 :]
    try:
        import pandas as pd
    except ImportError:
        return X, y, column
    return pd.DataFrame(X, columns=names), y, column


def _diagnose(args: argparse.Namespace) -> Diagnosis:
    from gapdoctor.engine import diagnose
    from gapdoctor.io import read_probabilities

    kwargs: dict[str, object] = {"metric": args.metric}
    if args.history:
        kwargs["history"] = Path(args.history)
    if args.train:
        kwargs["X_train"], kwargs["y_train"], kwargs["sources_train"] = _read_split(
            args.train, args.label, args.source_col
        )
    if args.val:
        kwargs["X_val"], kwargs["y_val"], kwargs["groups_val"] = _read_split(args.val, args.label, args.group_col)
    if args.train_probs:
        kwargs["train_probs"] = read_probabilities(args.train_probs)
    if args.val_probs:
        kwargs["val_probs"] = read_probabilities(args.val_probs)
    return diagnose(**kwargs)  # type: ignore[arg-type]


def _emit(diagnosis: Diagnosis, args: argparse.Namespace) -> int:
    print(diagnosis.render(color=sys.stdout.isatty()))
    if args.json_out:
        diagnosis.to_json(args.json_out)
        print(f"JSON written to {args.json_out}")
    if args.html_out:
        diagnosis.to_html(args.html_out)
        print(f"HTML report written to {args.html_out}")
    return EXIT_HEALTHY if diagnosis.healthy else EXIT_FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "bench":
            return _bench(args)
        if args.command == "demo":
            from gapdoctor.demo import run_demo

            print("Training an MLP on digits with 30% of its training labels flipped, epoch by epoch...")
            run = run_demo(seed=args.seed)
            code = _emit(run.diagnosis, args)
            print(f"(demo took {run.seconds:.1f} s; {len(run.flipped_rows)} training labels were truly flipped)")
            return code
        return _emit(_diagnose(args), args)
    except GapdoctorInputError as error:
        print(f"gapdoctor: bad input: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
