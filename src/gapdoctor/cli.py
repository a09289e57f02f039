"""The command line: ``gapdoctor diagnose``, ``demo``, ``bench``, ``runs``, ``show`` and ``compare``.

Exit codes (``diagnose`` and ``show``; see :data:`EXIT_CODES`): 0 healthy (checks ran,
no finding reaches the reporting threshold), 1 findings, 2 bad input (one line on stderr,
never a traceback), 3 not enough to judge (no check could run), 4 internal error (a bug in
gapdoctor: one line asking for a report). ``demo`` exits 0 once it has diagnosed its run;
``compare`` (:mod:`gapdoctor.cli_compare`) exits 0 once it has compared its two runs.

Every file named on the command line is read through one door (:mod:`gapdoctor.cli_door`), which turns
any failure of a reader into a bad-input error naming the option and the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from gapdoctor.cli_compare import add_compare_parser, run_compare
from gapdoctor.cli_door import (
    NoteCollector,
    check_output,
    collecting_notes,
    one_line,
    read_input,
    write_output,
)
from gapdoctor.cli_inputs import is_dataset, read_probabilities_input, read_split
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis
from gapdoctor.report.printable import printable

if TYPE_CHECKING:
    from gapdoctor.io.store import RunStore

__all__ = ["EXIT_CODES", "main"]

EXIT_HEALTHY, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_NOT_JUDGED, EXIT_INTERNAL_ERROR = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # the shell's code for a process whose reader went away (128 + SIGPIPE)
EXIT_CODES = {
    EXIT_HEALTHY: "healthy: checks ran and no finding reaches the reporting threshold",
    EXIT_FINDINGS: "findings: at least one cause is reported",
    EXIT_BAD_INPUT: "bad input: an argument or file gapdoctor cannot read (one line on stderr says which and why)",
    EXIT_NOT_JUDGED: "not enough to judge: no check could run on what was given",
    EXIT_INTERNAL_ERROR: "internal error: a bug in gapdoctor (please report it)",
}
_EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gapdoctor",
        description="Why does my training loss fall while my validation metric is stuck?",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser(
        "diagnose",
        help="diagnose a run from files",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument(
        "--history",
        help="training log: CSV/JSON, Lightning or Keras CSVLogger, trainer_state.json, "
        "TensorBoard event file or directory, MLflow run directory or mlflow.db (mlflow.db#RUN picks a run), "
        "W&B run folder or run-<id>.wandb, JSON lines (log.txt of DeiT/MAE/DETR, Detectron2 metrics.json, "
        "MMDetection / MMEngine logs), console output saved to a file (Keras fit, HF Trainer, Lightning bar) "
        "or a notebook (.ipynb) with its outputs",
    )
    d.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="rename a logged series (e.g. 'Loss/valid=val_loss'; 'OLD=' drops it); repeatable",
    )
    d.add_argument("--train", help="training split: .csv, .parquet, .npz, or a folder of Parquet files (Dask)")
    d.add_argument("--val", help="validation split: .csv, .parquet, .npz, or a folder of Parquet files (Dask)")
    d.add_argument("--label", default="label", help="name of the label column (default: label)")
    d.add_argument("--train-probs", help="out-of-sample training probabilities (.csv/.npy/.npz)")
    d.add_argument("--val-probs", help="validation probabilities (.csv/.npy/.npz)")
    d.add_argument(
        "--val-size",
        type=int,
        metavar="ROWS",
        help="number of validation rows behind the logged validation metric, when --val is not given",
    )
    d.add_argument(
        "--metric",
        default="accuracy",
        help="validation metric you care about (default: accuracy, or when the log has none the task's headline "
        "metric of those logged: f1 before precision, wer before cer, map before map_50...; also f1, roc_auc, mcc, "
        "kappa, wer, cer, bleu, rouge1, perplexity, map, iou, r2, mape, ... or your own name with --higher-is-better / "
        "--lower-is-better)",
    )
    direction = d.add_mutually_exclusive_group()
    direction.add_argument(
        "--higher-is-better",
        dest="higher_is_better",
        action="store_const",
        const=True,
        default=None,
        help="the metric improves upwards (needed for a metric gapdoctor does not know)",
    )
    direction.add_argument(
        "--lower-is-better",
        dest="higher_is_better",
        action="store_const",
        const=False,
        help="the metric improves downwards (an error rate, a distance)",
    )
    d.add_argument(
        "--probs-prefix",
        metavar="PREFIX",
        help="with a Parquet dataset folder: its columns starting with PREFIX are the split's probabilities",
    )
    d.add_argument("--group-col", help="column of the validation split holding a subgroup id (removed from features)")
    d.add_argument("--source-col", help="column of the training split naming each label's source (removed)")
    _outputs(d)

    runs = sub.add_parser("runs", help="list the runs in the run store")
    _store_option(runs)

    show = sub.add_parser(
        "show",
        help="show a stored run's diagnosis (or diagnose its stored history)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("run", metavar="RUN", help="run id or name (the latest run of that name)")
    _store_option(show)
    _outputs(show)
    add_compare_parser(sub)

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
    parser.add_argument(
        "--rows",
        dest="rows_out",
        help="also write every flagged row (row, given label, suggested label, confidence, finding) as CSV",
    )


def _diagnose(args: argparse.Namespace) -> tuple[Diagnosis, dict[str, object]]:
    from gapdoctor.engine import diagnose
    from gapdoctor.inputs.arguments import DiagnoseInputs, own_metric_names

    own = own_metric_names(args.metric, args.higher_is_better)  # the metric, validated once, before any file is read
    inputs = DiagnoseInputs(metric=args.metric, higher_is_better=args.higher_is_better, val_size=args.val_size)
    if args.val_size is not None and (args.val_size < 1 or args.val is not None):
        raise GapdoctorInputError(
            "--val-size",
            f"is {args.val_size}: it must be a positive number of rows, and is read only without --val",
            "pass the validation set's row count, or leave --val-size out when giving --val",
        )
    if args.map and args.history is None:
        raise GapdoctorInputError("--map", "renames series of --history, which was not given", "add --history LOG")
    if args.history is not None:
        from gapdoctor.io import read_history

        mapping = _parse_map(args.map)
        history = read_input(
            "--history", args.history, lambda: read_history(args.history, mapping=mapping, metrics=own)
        )
        inputs = replace(inputs, history=history)
    if args.probs_prefix is not None and not any(is_dataset(p or "") for p in (args.train, args.val)):
        raise GapdoctorInputError("--probs-prefix", "needs a Parquet dataset folder", "pass --train/--val DIR")
    if args.train is not None:
        X, y, sources, probs = read_split("--train", args.train, args.label, args.source_col, args.probs_prefix)
        inputs = replace(inputs, X_train=X, y_train=y, sources_train=sources, train_probs=probs)
    if args.val is not None:
        X, y, groups, probs = read_split("--val", args.val, args.label, args.group_col, args.probs_prefix)
        inputs = replace(inputs, X_val=X, y_val=y, groups_val=groups, val_probs=probs)
    if args.train_probs is not None:
        train_probs = read_input("--train-probs", args.train_probs, lambda: read_probabilities_input(args.train_probs))
        inputs = replace(inputs, train_probs=train_probs)
    if args.val_probs is not None:
        val_probs = args.val_probs
        inputs = replace(
            inputs, val_probs=read_input("--val-probs", val_probs, lambda: read_probabilities_input(val_probs))
        )
    rows_context = {"y_train": inputs.y_train, "train_probs": inputs.train_probs}  # labels of the flagged rows
    if any(is_dataset(p or "") for p in (args.train, args.val, args.train_probs, args.val_probs)):
        rows_context = {}  # a dataset larger than memory: the flagged rows are written without their labels
    return diagnose(**inputs.arguments()), rows_context


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

    location = Path(path) if path is not None else default_store_path()
    if not location.exists():
        return None
    return read_input("--store", str(location), lambda: RunStore(location, create=False))


def _list_runs(args: argparse.Namespace) -> int:
    from gapdoctor.io.store import default_store_path

    store = _open_store(args.store)
    if store is None:
        print(f"No runs recorded in {printable(args.store or default_store_path())}.")
        return EXIT_HEALTHY
    with store:
        runs = read_input("--store", str(store.path), store.list_runs)
        if not runs:
            print(f"No runs recorded in {printable(store.path)}.")
            return EXIT_HEALTHY
        print(f"{'id':>4}  {'name':<24} {'started (UTC)':<25} {'epochs':>6}  top cause")
        for run in runs:
            if not run.diagnosed:
                top = "-"
            elif run.top_cause is None:
                top = "healthy"
            else:
                score = "" if run.top_score is None else f" ({run.top_score:.2f})"
                top = f"{printable(run.top_cause)}{score}"
            name = printable(run.name)[:24]
            print(f"{run.id:>4}  {name:<24} {printable(run.started_at):<25} {run.n_epochs:>6}  {top}")
    return EXIT_HEALTHY


def _show_run(args: argparse.Namespace) -> Diagnosis:
    from gapdoctor.engine import diagnose
    from gapdoctor.io.store import default_store_path

    store = _open_store(args.store)
    if store is None:
        raise GapdoctorInputError(
            "--store",
            f"no run store at {args.store or default_store_path()}",
            "pass --store PATH or record a run",
        )
    with store:
        run = read_input("--store", str(store.path), lambda: store.find_run(args.run))
        print(
            f"Run {run.id} {printable(repr(run.name))}, started {printable(run.started_at)}, "
            f"{run.n_epochs} epochs recorded."
        )
        stored = read_input("--store", str(store.path), lambda: store.diagnosis(run.id))
        if stored is not None:
            try:
                return Diagnosis.from_dict(stored)
            except (KeyError, TypeError, ValueError) as error:
                print(f"The stored diagnosis cannot be read back ({printable(error)}): diagnosing the history again.")
        else:
            print("No diagnosis was saved for this run: diagnosing its recorded history.")
        history = read_input("--store", str(store.path), lambda: store.history(run.id))
        return diagnose(history=history)


def _emit(
    diagnosis: Diagnosis,
    args: argparse.Namespace,
    notes: Sequence[str] = (),
    rows_context: Mapping[str, object] | None = None,
) -> int:
    if notes:
        diagnosis = replace(diagnosis, notes=(*diagnosis.notes, *notes))
    print(diagnosis.render(color=sys.stdout.isatty()))
    if args.json_out:
        write_output("--json", args.json_out, lambda: diagnosis.to_json(args.json_out))
        print(f"JSON written to {printable(args.json_out)}")
    if args.html_out:
        write_output("--html", args.html_out, lambda: diagnosis.to_html(args.html_out))
        print(f"HTML report written to {printable(args.html_out)}")
    if args.rows_out:
        _write_rows(diagnosis, args.rows_out, rows_context or {})
    if not diagnosis.judged:
        return EXIT_NOT_JUDGED
    return EXIT_HEALTHY if diagnosis.healthy else EXIT_FINDINGS


def _write_rows(diagnosis: Diagnosis, path: str, context: Mapping[str, object]) -> None:
    from gapdoctor.report.rows import rows_table, write_rows_csv

    table = rows_table(diagnosis, y_train=context.get("y_train"), train_probs=context.get("train_probs"))
    write_output("--rows", path, lambda: write_rows_csv(table, Path(path)))
    findings = len({record["finding"] for record in table})
    print(f"{len(table):,} flagged row(s) from {findings} finding(s) written to {printable(path)}")


def _run(args: argparse.Namespace, collector: NoteCollector) -> int:
    if args.command == "runs":
        code = _list_runs(args)
        for note in collector.notes:
            print(f"gapdoctor: note: {one_line(note)}", file=sys.stderr)
        return code
    check_output("--json", getattr(args, "json_out", None))
    check_output("--html", getattr(args, "html_out", None))
    check_output("--rows", getattr(args, "rows_out", None))
    if args.command == "compare":
        return run_compare(args, _open_store)
    if args.command == "bench":
        return _bench(args)
    if args.command == "demo":
        from gapdoctor.demo import run_demo

        print("Training an MLP on digits with 30% of its training labels flipped, epoch by epoch...")
        run = run_demo(seed=args.seed)
        _emit(run.diagnosis, args, rows_context={"y_train": run.y_train, "train_probs": run.train_probs})
        print(f"(demo took {run.seconds:.1f} s; {len(run.flipped_rows)} training labels were truly flipped)")
        return EXIT_HEALTHY  # the findings are the demo's expected output, not a failure
    if args.command == "show":
        return _emit(_show_run(args), args, collector.notes)
    diagnosis, rows_context = _diagnose(args)
    return _emit(diagnosis, args, collector.notes, rows_context)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see :data:`EXIT_CODES`)."""
    args = _parser().parse_args(argv)
    try:
        with collecting_notes() as collector:
            return _run(args, collector)
    except GapdoctorInputError as error:
        print(f"gapdoctor: bad input: {one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("gapdoctor: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of our output went away (| head): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_BROKEN_PIPE
    except Exception as error:
        where = ""
        if error.__traceback__ is not None:
            last = traceback.extract_tb(error.__traceback__)[-1]
            where = f" at {Path(last.filename).name}:{last.lineno}"
        print(
            f"gapdoctor: internal error: {type(error).__name__}: {one_line(error)}{where}; "
            f"please report it with the command that caused it (exit code {EXIT_INTERNAL_ERROR})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
