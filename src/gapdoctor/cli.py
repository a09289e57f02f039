"""The command line: ``gapdoctor diagnose``, ``demo``, ``bench``, ``runs`` and ``show``.

Exit codes of ``diagnose``: 0 healthy (no finding reaches the reporting threshold),
1 findings, 2 bad input. ``demo`` exits 0 once it has diagnosed its run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis

if TYPE_CHECKING:
    from gapdoctor.io.store import RunStore

__all__ = ["main"]

EXIT_HEALTHY, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gapdoctor", description="Why does my training loss fall while my validation metric is stuck?"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("diagnose", help="diagnose a run from files")
    d.add_argument(
        "--history",
        help="training log: CSV/JSON, Lightning or Keras CSVLogger, trainer_state.json, "
        "TensorBoard event file or directory, MLflow run directory",
    )
    d.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="rename a logged series (e.g. 'Loss/valid=val_loss'; 'OLD=' drops it); repeatable",
    )
    d.add_argument("--train", help="training split: .csv, .parquet or .npz")
    d.add_argument("--val", help="validation split: .csv, .parquet or .npz")
    d.add_argument("--label", default="label", help="name of the label column (default: label)")
    d.add_argument("--train-probs", help="out-of-sample training probabilities (.csv/.npy/.npz)")
    d.add_argument("--val-probs", help="validation probabilities (.csv/.npy/.npz)")
    d.add_argument("--metric", default="accuracy", help="validation metric you care about (default: accuracy)")
    d.add_argument("--group-col", help="column of the validation split holding a subgroup id (removed from features)")
    d.add_argument("--source-col", help="column of the training split naming each label's source (removed)")
    _outputs(d)

    runs = sub.add_parser("runs", help="list the runs in the run store")
    _store_option(runs)

    show = sub.add_parser("show", help="show a stored run's diagnosis (or diagnose its stored history)")
    show.add_argument("run", metavar="RUN", help="run id or name (the latest run of that name)")
    _store_option(show)
    _outputs(show)

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
    bench.add_argument(
        "--experiments",
        action="store_true",
        help="also confirm each leading cause by re-training a reference logistic regression",
    )
    return parser


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="run store database (default: $GAPDOCTOR_STORE, else ./.gapdoctor/runs.sqlite)")


def _bench(args: argparse.Namespace) -> int:
    from gapdoctor.bench.cli import run_bench_command

    return run_bench_command(
        cause=args.cause,
        json_out=args.json_out,
        fast=args.fast,
        cache_dir=args.cache_dir,
        no_cache=args.no_cache,
        experiments=args.experiments,
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
    return pd.DataFrame(X, columns=names, copy=False), y, column  # no second copy of a large split


def _diagnose(args: argparse.Namespace) -> Diagnosis:
    from gapdoctor.engine import diagnose
    from gapdoctor.io import read_probabilities

    kwargs: dict[str, object] = {"metric": args.metric}
    if args.map and not args.history:
        raise GapdoctorInputError("--map", "renames series of --history, which was not given", "add --history LOG")
    if args.history:
        from gapdoctor.io import read_history

        kwargs["history"] = read_history(Path(args.history), mapping=_parse_map(args.map))
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


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip():
            raise GapdoctorInputError("--map", f"{pair!r} is not OLD=NEW", "write e.g. --map 'Loss/valid=val_loss'")
        mapping[old.strip()] = new.strip()
    return mapping


def _open_store(path: str | None) -> RunStore | None:
    """The run store, or None when there is none yet (reading never creates one)."""
    from gapdoctor.io.store import RunStore, default_store_path

    location = Path(path) if path else default_store_path()
    return RunStore(location) if location.is_file() else None


def _list_runs(args: argparse.Namespace) -> int:
    from gapdoctor.io.store import default_store_path

    store = _open_store(args.store)
    if store is None or not store.list_runs():
        print(f"No runs recorded in {args.store or default_store_path()}.")
        return EXIT_HEALTHY
    with store:
        print(f"{'id':>4}  {'name':<24} {'started (UTC)':<25} {'epochs':>6}  top cause")
        for run in store.list_runs():
            if not run.diagnosed:
                top = "-"
            elif run.top_cause is None:
                top = "healthy"
            else:
                top = f"{run.top_cause} ({run.top_score:.2f})"
            print(f"{run.id:>4}  {run.name[:24]:<24} {run.started_at:<25} {run.n_epochs:>6}  {top}")
    return EXIT_HEALTHY


def _show_run(args: argparse.Namespace) -> Diagnosis:
    from gapdoctor.engine import diagnose
    from gapdoctor.io.store import default_store_path

    store = _open_store(args.store)
    if store is None:
        raise GapdoctorInputError(
            "--store", f"no run store at {args.store or default_store_path()}", "pass --store PATH or record a run"
        )
    with store:
        run = store.find_run(args.run)
        print(f"Run {run.id} {run.name!r}, started {run.started_at}, {run.n_epochs} epochs recorded.")
        stored = store.diagnosis(run.id)
        if stored is not None:
            return Diagnosis.from_dict(stored)
        print("No diagnosis was saved for this run: diagnosing its recorded history.")
        return diagnose(history=store.history(run.id))


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
            _emit(run.diagnosis, args)
            print(f"(demo took {run.seconds:.1f} s; {len(run.flipped_rows)} training labels were truly flipped)")
            return EXIT_HEALTHY  # the findings are the demo's expected output, not a failure
        if args.command == "runs":
            return _list_runs(args)
        if args.command == "show":
            return _emit(_show_run(args), args)
        return _emit(_diagnose(args), args)
    except GapdoctorInputError as error:
        print(f"gapdoctor: bad input: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
