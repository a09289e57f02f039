"""The lines a hand-written training loop prints each epoch, read from its saved console output.

``print(f"Epoch {epoch}/{n}, Train Loss: {tl:.4f}, Val Loss: {vl:.4f}, Val Acc: {va:.2f}%")`` and its many variants:
``Epoch [3/20] | train_loss=0.41 | val_acc 0.83`` (or ``[ 3/20]`` opening the line, ``Ep 3``); a train line and a
validation line per epoch; an ``Epoch 3/20`` header followed by the epoch's lines (``train Loss: 0.41 Acc: 0.86`` /
``val Loss: ...``, as PyTorch's transfer-learning tutorial prints them); sections (``Train: loss=0.41, acc=0.86 | Val:
loss=...``, a section ending at ``|`` or ``;``). Values are ``name: value`` / ``name = value`` pairs, or ``name value``
where the name ends in a metric's word (``train loss 0.41``, ``val acc 83.1 %``, ``val acc is 0.68``), or a metric's
word on a split (``Accuracy of the network on the val images: 95 %``, PyTorch's classifier tutorial's words). Names are
read as written, lower-cased, spaces as underscores (``Val Acc`` -> ``val_acc``), so the usual series names apply; a
name in a section is prefixed with the section (``Val: acc=...`` -> ``val_acc``); a value under a split's name alone
(``train: 0.41 | val: 0.52``) is its loss when the training values fall, and a percentage so (``Train: 90.36% |
Validation: 92.77%``, as Raschka's course helpers print them) its accuracy when the training ones rise, its error when
they fall (said); a value with ``%`` is divided by 100; a value followed by another in brackets (``loss: 0.8549
(1.4481)``, torchvision's MetricLogger and the ImageNet example's AverageMeter: the last batch's value, then the mean
since the epoch began) is read as the bracketed mean. Lines that also name a step, batch or iteration, and progress
bars, are progress within an epoch and are not read. Lines of one epoch are merged (of the lines between two markers,
the first and last few); an epoch counter that goes back starts a new run (not a line counting from 0 under a header
counting from 1: ``Training at epoch 1/30`` then ``epoch: 0 lr: ...`` is one epoch); a 0-based counter counts epochs
completed from 1; a name printed in one epoch only (a final test line) is a summary, not a curve, and is left out.
COCOeval's summary (pycocotools' ``summarize()``, printed after each epoch by torchvision's detection references and the
loops built on them: ``IoU metric: bbox`` then `` Average Precision (AP) @[ IoU=0.50:0.95 | area= all | maxDets=100 ] =
0.412``) is read wherever it falls in the epoch's prints: that first line as the epoch's validation mAP
(``val_bbox_map``; a ``segm`` or ``keypoints`` block's under its own name). Read only when no known writer's output was
found, and only runs of at least :data:`_MIN_EPOCHS` epochs with a validation value: a stray line is no run.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import deque
from dataclasses import dataclass, field

from gapdoctor.inputs.series_names import normalise_series_name
from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["NUMBER", "PROGRESS_BAR", "VALIDATION_NAME", "epoch_line_runs", "line_values"]

NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf)"
"""A printed number, as the regular expressions of console output match it (``0.41``, ``1.2e-05``, ``nan``)."""
_EPOCH = re.compile(  # ``Epoch 3``, ``epoch: 3``, ``Epoch [3/20]``, ``Ep 3 of 20``; ``[ 3/20]`` opening a line
    r"\b(?:epoch|ep)\b\s*[:=#]?\s*[\[(]?\s*(\d+)(?:\s*(?:/|of)\s*\d+)?\s*[\])]?|^\s*\[\s*(\d+)\s*/\s*\d+\s*\]",
    re.IGNORECASE,
)
_WITHIN_EPOCH = re.compile(  # ``step 500``, ``Batch [3/40]``, ``200/2826 batches``; not ``ms/batch 181.6``, ``s/it``
    r"(?<![/\w])(?:step|batch|iter|iteration|it)\b\s*[:=#]?\s*[\[(]?\s*\d+|\b\d+\s*/\s*\d+\s*(?:batches|steps|iters)\b",
    re.IGNORECASE,
)
PROGRESS_BAR = re.compile(r"\d%\||it/s\]|s/it\]")
"""A tqdm bar: progress within an epoch (its postfix is a batch's values, not an evaluation's)."""
_WORD = r"[A-Za-z][\w.@/-]*"
_PERCENT = r"(\s?%)?(?![\w:/-]|\.[^\s.])"  # not ``1.2.3``, ``3/20``, ``12:30``; ``0.41.`` and ``0.41...`` are read
_AVERAGE = r"(?:\s*\(\s*(" + NUMBER + r")\s*\))?"  # ``Loss 0.4988 (0.6440)``: a batch's value, then the epoch's so far
_PAIR = re.compile(r"(" + _WORD + r"(?: " + _WORD + r"){0,2})\s*(?::|=)\s*(" + NUMBER + r")" + _PERCENT + _AVERAGE)
_METRIC_WORD = (
    r"loss|acc|accuracy|top-?[15]|f1|f1[_-]score|auc|roc[_-]auc|precision|recall|mae|mse|rmse|r2|iou|miou|dice"
    r"|map|bleu|rouge\w*|wer|cer|perplexity|ppl|error|err"
)
_SPLIT_WORDS = ("training", "train", "validation", "valid", "val", "evaluation", "eval", "dev", "test")
_BARE_PAIR = (
    re.compile(  # ``val loss 0.41``; ``Loss train 0.0567`` (the split's word after the metric's); ``val acc is 0.68``
        r"\b((?:[A-Za-z][\w-]*\s+)?(?:"
        + _METRIC_WORD
        + r")(?:\s+(?:"
        + "|".join(_SPLIT_WORDS)
        + r")\b)?)\s+(?:is\s+)?("
        + NUMBER
        + r")"
        + _PERCENT
        + _AVERAGE,
        re.IGNORECASE,
    )
)
_SECTION_WORD = "(" + "|".join(_SPLIT_WORDS) + ")"
_SECTION = re.compile(  # a section's word where a segment starts: ``Train: loss=...``, ``| val Loss: ...``
    r"(?:^|(?<=[|,;\t\]])|(?<=\s-\s)|(?<=\s\s))\s*[\[(]?\s*" + _SECTION_WORD + r"\b(?:\s+(?:set|split|data))?"
    r"\s*[\])]?(?=\s*[:|-]|\s+[A-Za-z])",
    re.IGNORECASE,
)
_SECTION_END = re.compile(r"[|;]")
_SPLIT_VALUE = r"(?:" + "|".join(_SPLIT_WORDS) + r")\s+" + NUMBER + r"(?:\s?%)?"
_GROUP = re.compile(  # a metric's values per split: ``(cost: train 0.70 test 0.65)``, ``acc: train 84% val 83%``
    r"\b(" + _WORD + r")\s*:\s*(" + _SPLIT_VALUE + r"(?:\s*[,/]?\s*" + _SPLIT_VALUE + r")+)(?![\w.])", re.IGNORECASE
)
_COUNTED = re.compile(  # ``Accuracy: 9832/10000 (98%)``, as PyTorch's MNIST example prints it: the share, in full
    r"\b((?:[A-Za-z]+\s+)?(?:acc|accuracy|correct))\s*[:=]\s*(\d+)\s*/\s*(\d+)(?:\s*\(\s*\d+(?:\.\d*)?\s*%\s*\))?",
    re.IGNORECASE,
)
_ON_SPLIT = re.compile(  # ``Accuracy of the network on the val images: 95 %`` (PyTorch's classifier tutorial's words)
    r"\b("
    + _METRIC_WORD
    + r")\b(?:\s+of\s+the\s+(?:network|model))?\s+on\s+(?:the\s+)?(?:\d+\s+)?"
    + _SECTION_WORD
    + r"\b[^:=|,;]{0,30}?\s*(?=[:=])",
    re.IGNORECASE,
)
_GROUP_MEMBER = re.compile("(" + "|".join(_SPLIT_WORDS) + r")\s+(" + NUMBER + r"(?:\s?%)?)", re.IGNORECASE)
# trainLoss -> train_Loss, TrainLoss -> Train_Loss (the split's word in either case, then a capital)
_CAMEL_SPLIT = re.compile(r"^((?i:train|training|val|valid|validation|eval|test|dev))(?=[A-Z])")
_NOT_SERIES = {"epoch", "step", "time", "eta", "elapsed", "took", "duration", "seconds", "s"}
VALIDATION_NAME = re.compile(r"^(?:val|valid|validation|eval|dev|test)(?:_|$)")
"""A value name as a loop prints it that is a held-out split's (``val_loss``, ``eval_acc``, ``test``)."""
_SECTIONED = re.compile("^" + _SECTION_WORD + "(?:_|$)")  # a name already said to be a split's
_COCO_AP = re.compile(  # COCOeval's headline: AP at IoU 0.50:0.95 over all areas, 100 detections
    r"^\s*Average Precision\s+\(AP\)\s+@\[\s*IoU=0\.50:0\.95\s*\|\s*area=\s*all\s*\|\s*maxDets=\s*100\s*\]\s*=\s*("
    + NUMBER
    + r")\s*$"
)
_COCO_TYPE = re.compile(r"^\s*(?:IoU metric:\s*(\w+)|Evaluate annotation type \*(\w+)\*)")
_MIN_EPOCHS = 3
_SHARE = "%"  # marks a percentage printed under a split's name alone until the run says what it is
_LINES_READ = 8  # of the lines between two epochs' markers, the first and the last this many are read


def _segment_pairs(segment: str, section: str) -> dict[str, float]:
    paired = list(_PAIR.finditer(segment)) if ":" in segment or "=" in segment else []
    # a metric printed without ":" or "=" beside ones printed with: "Accuracy train = 14.51%, Loss train 0.0567"
    bare = [
        m for m in _BARE_PAIR.finditer(segment) if not any(p.start() < m.end() and m.start() < p.end() for p in paired)
    ]
    found = [m.groups() for m in sorted([*paired, *bare], key=lambda m: m.start())]
    values: dict[str, float] = {}
    for name, value, percent, average in found:
        number = average or value  # AverageMeter / MetricLogger print the running mean in brackets: the epoch's
        before, stop, after = name.rpartition(". ")  # a sentence's end: "Epoch 1 completed. Train loss: 0.69"
        if stop and before.split()[-1].lower() not in _SPLIT_WORDS:  # (not a split's abbreviation: "Val. acc")
            name = after
        key = re.sub(r"[\s/.-]+", "_", _CAMEL_SPLIT.sub(r"\1_", name.strip()).lower()).strip("_")
        if not key or key in _NOT_SERIES or key.endswith("_time"):
            continue
        body, _, split = key.rpartition("_")
        if (
            body and split in _SPLIT_WORDS and not _SECTIONED.match(key)
        ):  # "Loss train", "Accuracy test": the split first
            key = f"{split}_{body}"
        if section and not _SECTIONED.match(key):
            key = f"{section}_{key}"
        if percent and key in _SPLIT_WORDS:
            key += _SHARE  # a split's share alone: its accuracy or its error, as the run shows (_split_values)
        values[key] = float(number) / (100.0 if percent else 1.0)
    return values


def _counted(match: re.Match[str]) -> str:
    """``Accuracy: 9832/10000 (98%)`` -> ``Accuracy: 0.9832`` (no share of no rows: left as printed)."""
    total = int(match.group(3))
    return f"{match.group(1)}: {int(match.group(2)) / total!r}" if total else match.group(0)


def _ungrouped(match: re.Match[str]) -> str:
    """``cost: train 0.70 test 0.65`` -> ``train_cost: 0.70, test_cost: 0.65``."""
    return ", ".join(f"{split}_{match.group(1)}: {value}" for split, value in _GROUP_MEMBER.findall(match.group(2)))


def line_values(text: str) -> dict[str, float]:
    """The values a line prints, each named with the section it is printed in (if any).

    Examples
    --------
    >>> line_values("(cost: train 0.70 test 0.65) (accuracy: train 0.16 test 0.83)")
    {'train_cost': 0.7, 'test_cost': 0.65, 'train_accuracy': 0.16, 'test_accuracy': 0.83}
    >>> line_values("Loss: -13.000004... Test Loss: -9.828203... time: 20.0min")
    {'loss': -13.000004, 'test_loss': -9.828203}
    >>> line_values("Test set: Average loss: 0.0520, Accuracy: 9832/10000 (98%)")
    {'test_average_loss': 0.052, 'test_accuracy': 0.9832}
    >>> line_values("Accuracy of the network on the val images: 95 %")
    {'val_accuracy': 0.95}
    """
    text = _ON_SPLIT.sub(r"\2 \1", _GROUP.sub(_ungrouped, _COUNTED.sub(_counted, text)))
    starts = [(m.start(), m.group(1).lower()) for m in _SECTION.finditer(text)]
    bounds = [(0, ""), *starts] if not starts or starts[0][0] > 0 else starts
    values: dict[str, float] = {}
    for (start, section), (end, _) in zip(bounds, [*bounds[1:], (len(text), "")], strict=True):
        own, *rest = _SECTION_END.split(text[start:end])  # ``| lr: 1e-4`` after ``val: 0.68``: no longer val's
        values.update(_segment_pairs(own, section))
        for segment in rest:
            values.update(_segment_pairs(segment, ""))
    return values


@dataclass
class _Run:
    """A run being read: where it was printed, its values per epoch, and the last line printed inside each epoch."""

    first: int
    last: int
    epochs: dict[int, dict[str, float]] = field(default_factory=dict)
    within: dict[int, str] = field(default_factory=dict)

    def merge(self, number: int, epoch: int, values: dict[str, float], *, over: bool) -> None:
        """The values printed for an epoch: over what it holds (its own line), or never over it (the lines after)."""
        if values:
            self.last = number
            held = self.epochs.setdefault(epoch, {})
            held.update(values if over else {k: v for k, v in values.items() if k not in held})


def epoch_line_runs(updates: list[tuple[int, str]]) -> list[tuple[int, int, list[LoggedRaw], list[str]]]:
    """``(first line, last line, points, notes)`` of each run a loop's per-epoch prints show.

    Examples
    --------
    >>> out = [(i, f"Epoch {i}/3, Train Loss: {1 / i:.2f}, Val Loss: {1.2 / i:.2f}, Val Acc: {50 + i}%")
    ...        for i in (1, 2, 3)]
    >>> [(name, epoch, value) for name, _, epoch, value in epoch_line_runs(out)[0][2][-3:]]
    [('train_loss', 3.0, 0.33), ('val_loss', 3.0, 0.4), ('val_acc', 3.0, 0.53)]
    """
    runs: list[_Run] = []
    previous = -1  # the last epoch named
    header = -1  # that epoch, when its line was a header printing no values (the lines after it are inside it)
    after: list[tuple[int, str]] = []  # the lines after it without an epoch: its own values too, the first and
    last: deque[tuple[int, str]] = deque(maxlen=_LINES_READ)  # last few read (its report ends the epoch's prints)
    within: dict[int, tuple[int, str]] = {}  # epoch -> the last line printed inside it that names it
    annotation = "bbox"  # the COCOeval block being printed
    for number, update in updates:
        typed = _COCO_TYPE.match(update)
        if typed is not None:
            annotation = (typed.group(1) or typed.group(2)).lower()
        coco = _COCO_AP.match(update)
        if coco is not None and runs and previous >= 0:  # the epoch's evaluation, however far into its prints
            runs[-1].merge(number, previous, {f"val_{annotation}_map": float(coco.group(1))}, over=True)
            continue
        found = _EPOCH.search(update)
        if _WITHIN_EPOCH.search(update):  # ``| epoch 3 | 200/2826 batches | loss 4.60``: progress inside an epoch
            if found is not None or header >= 0:  # ``Batch 100, loss: 0.37`` under an ``Epoch: 3`` header: epoch 3's
                within[int(found.group(1) or found.group(2)) if found is not None else header] = (number, update)
            continue
        if found is None and PROGRESS_BAR.search(update):
            continue
        if found is None:
            (after if len(after) < _LINES_READ else last).append((number, update))
            continue
        _merge_after(runs, previous, after, last)
        epoch = int(found.group(1) or found.group(2))
        if header >= 0 and epoch == header - 1:  # ``Training at epoch 1/100`` then ``epoch: 0 lr: ...``: one epoch,
            epoch = header  # a header's counter from 1 and a line's from 0
        if not runs or epoch < previous:
            within = _close(runs, within)
            runs.append(_Run(number, number))
        previous = epoch
        # an epoch's line, or its header (``Epoch 3/20``: its values on the lines after it)
        own = line_values(update[: found.start()] + " " + update[found.end() :])
        header = epoch if not own else -1
        runs[-1].merge(number, epoch, own, over=True)
    _merge_after(runs, previous, after, last)
    _close(runs, within)
    return [out for run in runs if (out := _run(run)) is not None]


def _merge_after(runs: list[_Run], epoch: int, after: list[tuple[int, str]], last: deque[tuple[int, str]]) -> None:
    """The values of the lines read after an epoch's marker, into that epoch, never over its own line's; emptied."""
    for line, text in [*after, *last] if runs else []:
        runs[-1].merge(line, epoch, line_values(text), over=False)
    after.clear()
    last.clear()


def _close(runs: list[_Run], within: dict[int, tuple[int, str]]) -> dict[int, tuple[int, str]]:
    """Give the run read so far the lines printed inside its epochs; those printed after it are the next run's."""
    if not runs:
        return within
    runs[-1].within = {epoch: text for epoch, (line, text) in within.items() if line <= runs[-1].last}
    return {epoch: (line, text) for epoch, (line, text) in within.items() if line > runs[-1].last}


def _training_from_within(run: _Run) -> list[str]:
    """A loop that prints its training loss only inside each epoch (PyTorch's word-language-model example: ``| epoch
    3 | 2800/2826 batches | ... | loss 4.64``, then ``| end of epoch 3 | valid loss 4.50``): the last values printed
    inside an epoch that printed no training loss of its own are read as its training values, said."""
    used = 0
    for epoch, values in run.epochs.items():
        text = run.within.get(epoch)
        if text is None or any(normalise_series_name(name) == "train_loss" for name in values):
            continue
        inside = {k: v for k, v in line_values(text).items() if not VALIDATION_NAME.match(k)}
        if any(normalise_series_name(name) == "train_loss" for name in inside):
            used += 1
            values.update({k: v for k, v in inside.items() if k not in values})
    if not used:
        return []
    return [
        f"the training loss is printed only inside the epochs: the last value printed inside each of {used} epochs "
        "read as its training loss"
    ]


def _falls(epochs: dict[int, dict[str, float]], names: set[str]) -> bool | None:
    """Whether the training one of ``names`` (else the first) falls over the run (median of its last third below
    its first's), rises, or neither (None: too few values, or no change)."""
    lead = next((name for name in names if name.removesuffix(_SHARE) in ("train", "training")), min(names))
    series = [epochs[e][lead] for e in sorted(epochs) if lead in epochs[e] and math.isfinite(epochs[e][lead])]
    third = max(1, len(series) // 3)
    if len(series) < _MIN_EPOCHS:
        return None
    first, last = statistics.median(series[:third]), statistics.median(series[-third:])
    return None if first == last else last < first


def _renamed(epochs: dict[int, dict[str, float]], names: set[str], suffix: str) -> None:
    for values in epochs.values():
        for name in names & set(values):
            values.setdefault(f"{name.removesuffix(_SHARE)}_{suffix}", values.pop(name))


def _split_values(epochs: dict[int, dict[str, float]]) -> list[str]:
    """A value printed under a split's name alone (``train: 0.41 | val: 0.52``) is that split's loss when the
    training one falls over the run (a loop that names no metric prints its loss); a percentage so (``Train: 90.36%
    | Validation: 92.77%``) is its accuracy when the training one rises, its error when it falls. Said; left unread
    otherwise."""
    notes: list[str] = []
    bare = {name for values in epochs.values() for name in values if name in _SPLIT_WORDS}
    if bare and _falls(epochs, bare):
        _renamed(epochs, bare, "loss")
        notes.append(
            f"values printed under a split's name alone ({', '.join(sorted(bare))}) read as its loss: the training "
            "values fall over the run (pass mapping= to read them otherwise)"
        )
    shares = {name for values in epochs.values() for name in values if name.endswith(_SHARE)}
    falls = _falls(epochs, shares) if shares else None
    if falls is not None:
        _renamed(epochs, shares, "error" if falls else "accuracy")
        said = ", ".join(sorted(name.removesuffix(_SHARE) for name in shares))
        notes.append(
            f"percentages printed under a split's name alone ({said}) read as its "
            + ("error: the training ones fall" if falls else "accuracy: the training ones rise")
            + " over the run (pass mapping= to read them otherwise)"
        )
    elif shares:
        for values in epochs.values():
            for name in shares & set(values):
                del values[name]
    return notes


def _run(run: _Run) -> tuple[int, int, list[LoggedRaw], list[str]] | None:
    """A run's points and notes, or None when it is no run (too few epochs, no validation value)."""
    epochs = run.epochs
    notes = _training_from_within(run) + _split_values(epochs)
    seen: dict[str, int] = {}
    for values in epochs.values():
        for name in values:
            seen[name] = seen.get(name, 0) + 1
    curves = {name for name, count in seen.items() if count > 1 or len(epochs) == 1}
    held_out = (
        VALIDATION_NAME.match(name) or (normalise_series_name(name) or "").startswith("val_") for name in curves
    )
    if len(epochs) < _MIN_EPOCHS or not any(held_out):  # "val_loss", or "Average val loss" (a qualifier first)
        return None
    shift = 1 if min(epochs) == 0 else 0  # a 0-based counter: epochs completed from 1
    points = [
        (name, math.nan, float(epoch + shift), value)
        for epoch, values in sorted(epochs.items())
        for name, value in values.items()
        if name in curves
    ]
    return run.first, run.last, points, notes
