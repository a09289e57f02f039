"""Training output as a console printed it: saved to a file (``nohup.out``, ``train.log``, a Slurm
``.out``) or kept in a notebook's cell outputs (:mod:`gapdoctor.io.notebooks`).

- Keras' ``fit``: an ``Epoch N/M`` line, then the epoch's progress line ``- loss: 0.41 - accuracy: 0.86
  - val_loss: 0.52 - val_accuracy: 0.82`` (Keras 1 and 2 ``[====]`` bars, ``verbose=2``, Keras 3 ``━``
  bars). A bar redrawn in place leaves every update in the file, apart by ``\\r`` or backspaces: an
  epoch's values are those of its last update holding the most values (the end of the epoch, which adds
  the validation's). ``N`` counts epochs completed. Several ``fit`` calls restart the counter; a loop
  calling ``fit(epochs=1)`` prints ``Epoch 1/1`` each time: read as successive epochs;
- HF Transformers' ``Trainer`` printing its logs: a Python dict a line, ``{'loss': 0.69, 'learning_rate':
  4e-05, 'epoch': 0.5}``, ``{'eval_loss': 0.41, ..., 'epoch': 1.0}`` (often behind a progress bar on the
  same line), read like ``trainer_state.json``'s ``log_history`` with no step: placed by epoch;
- Keras' ``History.history`` printed (``{'loss': [...], 'val_loss': [...]}``), unless the fit's own lines
  printed the same run;
- fairseq: ``epoch 003 | loss 4.52 | ... | num_updates 15120`` at each epoch's end and ``epoch 003 | valid
  on 'valid' subset | loss 4.36 | ... | num_updates 15120`` at each validation (bare, behind ``| INFO |
  valid |`` or ``[valid][INFO] -``), or as JSON (``{"epoch": 3, "valid_loss": "4.36", ...}``), placed at
  their ``num_updates``; ``best_*`` and speed fields unread;
- PyTorch Lightning's progress bar: ``Epoch 3: 100%|████| 50/50 [00:01<00:00, 30.1it/s, loss=0.31,
  v_num=0, val_loss=0.42]``: the last update of each (0-based) epoch, whose values include the
  validation run at its end; fastai's table as text; scikit-learn's verbose MLP (``io.sklearn_verbose``).

Without any of these, a hand-written loop's per-epoch line (``Epoch 3/20, Train Loss: 0.41, Val Acc: 83%``) is
read (:mod:`gapdoctor.io.epoch_lines`). Literals are parsed with :func:`ast.literal_eval`, never evaluated.
Several runs in one output (a counter that goes back): the last run with validation values is read, with a
note; when it resumed from a checkpoint (its counter starts again past 1, at an epoch the run printed just before
it had reached, with the same series), that run's earlier epochs are read before it.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gapdoctor.io.epoch_lines import NUMBER as _NUMBER
from gapdoctor.io.epoch_lines import epoch_line_runs
from gapdoctor.io.fastai_tables import FASTAI_WRITER, fastai_text_runs
from gapdoctor.io.log_formats import LoggedRaw
from gapdoctor.io.sklearn_verbose import SKLEARN_WRITER, sklearn_verbose_runs
from gapdoctor.io.step_lines import step_line_runs

__all__ = ["HISTORY_WRITER", "ConsoleRun", "console_runs", "history_dict_run", "one_console_run", "repeated"]

_KERAS_EPOCH = re.compile(r"^\s*Epoch (\d+)/(\d+)\s*$")
# " - loss: 0.41", "- val_accuracy: 0.82", "lr: 1.0000e-04"; a value ends the field ("ETA: 1:02" is no value)
_KERAS_PAIR = re.compile(r"(?:^|\s)([A-Za-z_][\w/.@-]*): (" + _NUMBER + r")(?=\s|$)")
_KERAS_FIELD = re.compile(r"(?:^|\s)- [A-Za-z_][\w/.@-]*: ")  # Keras' fields follow " - "
_HF_DICT = re.compile(r"\{'[^{}]*\}")
HISTORY_WRITER = "Keras History.history"
_HISTORY_DICT = re.compile(r"\{'[^{}]*\[[^{}]*\}")  # a printed dict of lists: Keras' History.history
_NUMPY_SCALAR = re.compile(r"\b(?:np|numpy)\.(?:float|int)(?:16|32|64)?\(([^()]*)\)")  # np.float64(0.5) -> 0.5
_HF_SUMMARY = {"train_runtime", "train_samples_per_second", "total_flos"}
_LIGHTNING_BAR = re.compile(r"^\s*Epoch (\d+):.*\|[^|]*\[[^\]]*?,\s*([^\]]*=[^\]]*)\]\s*$")
_LIGHTNING_PAIR = re.compile(r"([A-Za-z_][\w/.@-]*)=(" + _NUMBER + r")(?=,|$)")
# fairseq: "| epoch 003 | valid on 'valid' subset | loss 4.36 | ppl 6.27 | num_updates 15120 | best_loss 4.36",
# the epoch's training line without the subset; behind "| INFO | valid |" or "[valid][INFO] - " in later versions
_FAIRSEQ_LINE = re.compile(r"\bepoch (\d+) \|(?:\s*valid on ['\"]([\w.-]+)['\"] subset \|)?(.*)$")
_FAIRSEQ_FIELD = re.compile(r"(?:^|\|)\s*([A-Za-z_][\w-]*) (" + _NUMBER + r")\s*(?=\||$)")
_FAIRSEQ_BOOKKEEPING = {"wps", "ups", "wpb", "bsz", "num_updates", "clip", "oom", "loss_scale", "train_wall", "temp"}
_FAIRSEQ_BOOKKEEPING |= {"wall", "gb_free", "cuda_gb_allocated", "cuda_gb_reserved", "cuda_gb_free", "ntokens"}
_FAIRSEQ_BOOKKEEPING.add("nsentences")
_FAIRSEQ_NAMES = {"gnorm": "grad_norm"}
_UPDATE_BREAK = re.compile(r"[\r\x08]+")
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # Keras 3's bold and grey: ESC[1m ... ESC[0m
_KERAS_BOOKKEEPING = {"ETA"}
_FINISHED_BAR = re.compile(r"^\s*(\d+)/(\d+) ")
_VALIDATION = ("val_", "eval_", "val/", "valid")
_LIGHTNING_BOOKKEEPING = {"v_num"}


@dataclass
class ConsoleRun:
    """One training run found in console output: its points and where it was printed."""

    writer: str
    first_line: int
    last_line: int = 0
    points: list[LoggedRaw] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def validated(self) -> bool:
        """Whether the run printed any validation value."""
        return any(name.startswith(_VALIDATION) for name, *_ in self.points)


def _updates(text: str) -> Iterable[tuple[int, str]]:
    """``(line number, text)`` of every update a console printed, a bar redrawn in place giving several."""
    for number, line in enumerate(_ANSI_STYLE.sub("", text).split("\n"), start=1):
        for update in _UPDATE_BREAK.split(line):
            if update.strip():
                yield number, update


def _keras_runs(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    runs: list[ConsoleRun] = []
    epoch = previous = 0
    best: dict[int, tuple[int, dict[str, float]]] = {}  # epoch -> (line, values)
    for number, update in updates:
        header = _KERAS_EPOCH.match(update)
        if header:
            epoch = int(header.group(1))
            if not runs or epoch <= previous:
                _close_keras(runs, best)
                runs.append(ConsoleRun("keras", number))
            previous = epoch
            continue
        if not runs:
            continue
        values = _keras_values(update)
        if values and len(values) >= len(best.get(epoch, (0, {}))[1]):
            best[epoch] = (number, values)
    _close_keras(runs, best)
    return _one_epoch_fits(runs) if runs else _headerless_keras(updates)


def _keras_values(update: str) -> dict[str, float]:
    """The ``name: value`` pairs of a Keras progress line (``ETA`` is no value); a line whose fields are not Keras'
    `` - name: value``, or that shows no loss, is none (``train Loss: 0.41 Acc: 0.86`` under a loop's ``Epoch 3``)."""
    if not _KERAS_FIELD.search(update):
        return {}
    values = {k: float(v) for k, v in _KERAS_PAIR.findall(update) if k not in _KERAS_BOOKKEEPING}
    return values if any("loss" in name for name in values) else {}  # fit() always shows its loss


def _headerless_keras(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    """Keras 3 prints no ``Epoch 1/1`` for ``fit(epochs=1)``: a loop of such fits prints a finished bar per
    epoch (``6/6 - 0s - 4ms/step - loss: ... - val_loss: ...``); one with validation values is an epoch."""
    run = ConsoleRun("keras, one epoch per fit", 0)
    epochs = 0
    for number, update in updates:
        bar = _FINISHED_BAR.match(update)
        if not bar or bar.group(1) != bar.group(2):
            continue
        values = _keras_values(update)
        if any(name.startswith("val_") for name in values):
            epochs += 1
            run.first_line = run.first_line or number
            run.last_line = number
            run.points.extend((name, math.nan, float(epochs), value) for name, value in values.items())
    return [run] if run.points else []


def _close_keras(runs: list[ConsoleRun], best: dict[int, tuple[int, dict[str, float]]]) -> None:
    if runs:
        run = runs[-1]
        for epoch, (number, values) in sorted(best.items()):
            run.points.extend((name, math.nan, float(epoch), value) for name, value in values.items())
            run.last_line = max(run.last_line, number)
    best.clear()


def _one_epoch_fits(runs: list[ConsoleRun]) -> list[ConsoleRun]:
    """A loop calling ``fit(epochs=1)`` prints ``Epoch 1/1`` each time: one run, an epoch per fit. Runs of one
    epoch each, every one printing the same series, are joined; runs from scratch print more than one epoch."""
    if len(runs) < 2 or any({epoch for _, _, epoch, _ in run.points} != {1.0} for run in runs):
        return runs
    if len({frozenset(name for name, *_ in run.points) for run in runs}) != 1:
        return runs
    joined = ConsoleRun("keras, one epoch per fit", runs[0].first_line, runs[-1].last_line)
    for i, run in enumerate(runs):
        joined.points.extend((name, step, float(i + 1), value) for name, step, _, value in run.points)
    return [joined]


def _hf_runs(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    runs: list[ConsoleRun] = []
    previous = -math.inf
    for number, update in updates:
        for literal in _HF_DICT.findall(update):
            entry = _literal(literal)
            if entry is None or _HF_SUMMARY & set(entry):
                continue
            epoch = entry["epoch"]
            if not runs or epoch < previous:
                runs.append(ConsoleRun("HF Trainer", number))
            previous = epoch
            runs[-1].last_line = number
            runs[-1].points.extend((k, math.nan, epoch, v) for k, v in entry.items() if k != "epoch")
    return runs


def history_dict_run(text: str, where: int) -> ConsoleRun | None:
    """Keras' ``History.history`` as printed (``print(history.history)``, or shown by a notebook, pretty-printed
    over several lines): ``{'loss': [...], 'val_loss': [...]}``, a list per series and an item per epoch; None
    when the text is no such dict (at least two series of one length, 2 or more, one a validation series)."""
    try:
        value = ast.literal_eval(_NUMPY_SCALAR.sub(r"\1", text.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    series = {
        str(name): numbers
        for name, values in value.items()
        if isinstance(values, list) and None not in (numbers := [_number(v) for v in values])
    }
    lengths = {len(values) for values in series.values()}
    if len(series) < 2 or len(lengths) != 1 or min(lengths) < 2 or not any(n.startswith("val_") for n in series):
        return None
    run = ConsoleRun(HISTORY_WRITER, where, where)
    run.points = [
        (name, math.nan, float(i + 1), float(v))  # type: ignore[arg-type]
        for name, values in series.items()
        for i, v in enumerate(values)
    ]
    return run


def _history_dict_runs(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    return [
        run
        for number, update in updates
        for literal in _HISTORY_DICT.findall(update)
        if (run := history_dict_run(literal, number)) is not None
    ]


def repeated(run: ConsoleRun, runs: list[ConsoleRun]) -> bool:
    """Whether a printed ``History.history`` repeats a run printed as it trained (the fit's own lines)."""
    names = {n for n, *_ in run.points if n.startswith("val_")}  # the curves, not a constant learning rate
    mine = {name: [v for n, _, _, v in run.points if n == name] for name in names}
    for other in (other for other in runs if other.writer != HISTORY_WRITER):
        for name, values in mine.items():
            theirs = [v for n, _, _, v in other.points if n == name]
            if len(theirs) == len(values) and all(
                abs(a - b) <= 1e-3 * abs(b) + 1e-4 for a, b in zip(values, theirs, strict=True)
            ):
                return True
    return False


def _literal(text: str) -> dict[str, float] | None:
    """A printed dict of numbers with a finite ``epoch`` (other values dropped), or None when it is not one."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    numbers = {str(k): number for k, v in value.items() if (number := _number(v)) is not None}
    return numbers if math.isfinite(numbers.get("epoch", math.nan)) else None


def _number(value: object) -> float | None:
    """A logged value: a number, or a number printed as a string (Transformers 5 prints ``'loss': '2.306'``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and re.fullmatch(_NUMBER, value.strip()):
        return float(value)
    return None


def _lightning_runs(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    runs: list[ConsoleRun] = []
    last: dict[int, tuple[int, dict[str, float]]] = {}
    previous = -1
    for number, update in updates:
        bar = _LIGHTNING_BAR.match(update)
        if not bar:
            continue
        epoch = int(bar.group(1))
        if not runs or epoch < previous:
            _close_lightning(runs, last)
            runs.append(ConsoleRun("Lightning progress bar", number))
        previous = epoch
        values = {k: float(v) for k, v in _LIGHTNING_PAIR.findall(bar.group(2)) if k not in _LIGHTNING_BOOKKEEPING}
        if values:
            last[epoch] = (number, values)
    _close_lightning(runs, last)
    return runs


def _close_lightning(runs: list[ConsoleRun], last: dict[int, tuple[int, dict[str, float]]]) -> None:
    """Each epoch's last values, 0-based epochs: ``epoch + 1`` completed. The bar keeps showing the last
    validation's values: an epoch without a validation of its own repeats every one of them, left out."""
    if runs:
        run = runs[-1]
        shown: dict[str, float] = {}
        for epoch, (number, values) in sorted(last.items()):
            validation = {k: v for k, v in values.items() if k.startswith(_VALIDATION)}
            stale = bool(validation) and validation == shown
            shown = validation
            run.points.extend(
                (name, math.nan, float(epoch + 1), value)
                for name, value in values.items()
                if not (stale and name in validation)
            )
            run.last_line = max(run.last_line, number)
    last.clear()


def _fairseq_runs(updates: list[tuple[int, str]]) -> list[ConsoleRun]:
    """fairseq's end-of-epoch training line and its validation lines, placed at their ``num_updates``; the
    epoch is known where a training line ends one (a validation every N updates falls between)."""
    runs: list[tuple[ConsoleRun, dict[float, float]]] = []  # with num_updates at each epoch's end -> the epoch
    previous = 0
    for number, update in updates:
        found = _fairseq_fields(update)
        if found is None:
            continue
        epoch, prefix, fields = found
        step = float(fields["num_updates"])
        if not runs or epoch < previous:
            runs.append((ConsoleRun("fairseq", number), {}))
        previous = epoch
        run, ends = runs[-1]
        if not prefix:
            ends[step] = float(epoch)
        run.last_line = number
        for key, value in fields.items():
            if key not in _FAIRSEQ_BOOKKEEPING and not key.startswith("best_"):
                run.points.append((prefix + _FAIRSEQ_NAMES.get(key, str(key)), step, math.nan, float(value)))
    for run, ends in runs:
        run.points[:] = [(name, step, ends.get(step, math.nan), value) for name, step, _, value in run.points]
    return [run for run, _ in runs]


def _fairseq_fields(update: str) -> tuple[int, str, dict[str, str]] | None:
    """A fairseq epoch-end or validation line: its epoch, the subset's prefix (``valid_``, ``""`` for
    training) and its fields, from the ``|`` form or the JSON form (``--log-format json``); None otherwise."""
    line = _FAIRSEQ_LINE.search(update)
    if line is not None:
        fields = dict(_FAIRSEQ_FIELD.findall(line.group(3)))
        prefix = f"{line.group(2)}_" if line.group(2) else ""  # valid on 'valid' subset: valid_loss ...
        return (int(line.group(1)), prefix, fields) if "num_updates" in fields else None
    start = update.find('{"epoch": ')
    try:
        logged = json.loads(update[start:]) if start >= 0 else None
    except ValueError:
        return None
    if not isinstance(logged, dict) or not isinstance(logged.get("epoch"), int):
        return None
    subset = next((k[: -len("num_updates")] for k in logged if k.endswith("_num_updates")), "")
    if not subset:  # no subset's end: train_inner's progress lines ("loss", "num_updates") are no point
        return None
    fields = {k[len(subset) :]: str(v) for k, v in logged.items() if k.startswith(subset) and _number(v) is not None}
    return logged["epoch"], "" if subset == "train_" else subset, fields


def console_runs(text: str) -> list[ConsoleRun]:
    """Every training run printed in a console output, in the order printed.

    Examples
    --------
    >>> out = "Epoch 1/2\\n1/1 [====] - 0s - loss: 0.9 - val_loss: 0.8\\nEpoch 2/2\\n1/1 - loss: 0.5 - val_loss: 0.6"
    >>> [(run.writer, run.points[-1]) for run in console_runs(out)]
    [('keras', ('val_loss', nan, 2.0, 0.6))]
    """
    updates = list(_updates(text))
    runs = [*_keras_runs(updates), *_hf_runs(updates), *_lightning_runs(updates), *_fairseq_runs(updates)]
    runs += [run for run in _history_dict_runs(updates) if not repeated(run, runs)]
    runs += [ConsoleRun(FASTAI_WRITER, *run) for run in fastai_text_runs(updates)]  # a script's fastai table
    runs += [ConsoleRun(SKLEARN_WRITER, *run) for run in sklearn_verbose_runs(updates)]  # MLP*(verbose=True)
    if not any(run.points for run in runs):  # no known writer's output: a hand-written loop's prints
        runs = [ConsoleRun("a loop's per-epoch prints", *run) for run in epoch_line_runs(updates)]
    if not any(run.points for run in runs):  # a loop that evaluates every N steps (nanoGPT's "step 2000: ...")
        runs = [ConsoleRun("a loop's per-step prints", *run) for run in step_line_runs(updates)]
    return sorted((run for run in runs if run.points), key=lambda run: run.first_line)


def _resumed(before: ConsoleRun, run: ConsoleRun, where: str, notes: list[str]) -> ConsoleRun:
    """``run`` read after the epochs of ``before`` up to its start when it resumed from a checkpoint (its counter past
    1 where ``before``'s had reached, same writer and series, printing again no more epochs than it keeps, or 2: at 2
    after 60 it resumed from a checkpoint never printed here, real_logs_heldout80), said; else ``run``."""
    epochs, earlier = ([e for *_, e, _ in r.points if math.isfinite(e)] for r in (run, before))
    start = min(epochs, default=0.0)
    same = before.writer == run.writer and {p[0] for p in before.points} == {p[0] for p in run.points}
    again = max(earlier, default=0.0) + 1 - start  # the epochs it prints again
    resumed = same and start > 1 and start == int(start) and min(earlier, default=start) < start
    if not resumed or not 0 <= again <= max(2.0, start - 1):
        return run
    printed = {p[0] for p in run.points if p[2] == start}  # a first epoch may print the checkpoint's figures alone
    kept = [p for p in before.points if p[2] < start or (p[2] == start and p[0] not in printed)]
    notes.append(
        f"it resumed at epoch {start:g} from the run printed before it ({where} {before.first_line}-"
        f"{before.last_line}): that run's epochs up to {start:g} are read first"
    )
    return ConsoleRun(run.writer, before.first_line, run.last_line, kept + run.points, run.notes)


def one_console_run(runs: list[ConsoleRun], notes: list[str], where: str = "lines") -> ConsoleRun:
    """The run to diagnose: the last that printed validation values (else the last), saying which when several;
    a run resumed from a checkpoint is read after the epochs the run before it printed up to the resume."""
    validated = [run for run in runs if run.validated]
    chosen = (validated or runs)[-1]
    notes.extend(chosen.notes)
    if len(runs) > 1:
        span = f"{chosen.first_line}-{chosen.last_line}" if chosen.last_line > chosen.first_line else chosen.first_line
        notes.append(
            f"{len(runs)} training runs printed in this output (a counter starting again); diagnosed the "
            f"{'last with validation values' if validated else 'last'}: {chosen.writer}, {where} {span}"
        )
        index = runs.index(chosen)
        return _resumed(runs[index - 1], chosen, where, notes) if index else chosen
    return chosen
