"""Label the real training logs by the rule in LABELLING.md, without gapdoctor.

Deliberately independent of gapdoctor (standard library only): the labels must not come from
the code they test. ``python tests/data/real_logs/label_rule.py`` prints each file's label and
the figures behind it; ``--write`` also rewrites the ``label`` column of MANIFEST.csv. A folder
given as argument labels that corpus instead (``tests/data/real_logs_heldout``). A ``file`` that is a folder
is either a Keras TensorBoard pair (``train/`` and ``validation/`` event files, read by ``_read_keras_pair``) or
an MLflow file-store run (``mlruns/<experiment_id>/<run_id>/metrics/<key>``), read by ``_read_mlflow``. Console
output (Keras ``fit`` text, HF Trainer log dicts) in a ``.txt`` / ``.log`` / ``.out`` file, and a Jupyter notebook's
cell outputs (``.ipynb``, HF and fastai progress tables included), are read by ``_read_console``; so are fairseq's
end-of-epoch summaries (text and JSON) and PyTorch Lightning's tqdm progress bars saved to a text file. A hand-written
training loop's own per-epoch prints (``Epoch 3/20, Train Loss: 0.41, Val Acc: 83.1%``) are read by
``_loop_curves``, only where no known writer's output is found (a text file, or a notebook, in which none of the
readers above finds a value) and only when the run read has at least 3 epochs with a validation value; else the
file is read as before.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import re
import statistics
import struct
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent

MIN_EVAL_POINTS = 4  # fewer points than this show no trend a person could read
MIN_TRAIN_POINTS = 3  # the training-loss tests need a curve, not one or two values
TRAIN_CHUNKS = 10  # the training loss is read as the means of at most this many chunks
NO_PROGRESS_RATIO = 0.95  # last chunk above 95% of the first: the loss never really fell
DIVERGED_GIVEBACK = 0.5  # gave back more than half of its progress: diverged
OVERFIT_MIN_AFTER = 2  # evaluation points after the best one needed to call a rise
OVERFIT_END_POINTS = 3  # the end level is the median of at most this many last points
OVERFIT_RISE_OF_FALL = 0.25  # the rise must exceed this share of the fall before the best ...
OVERFIT_RISE_OF_BEST = 0.05  # ... and this share of the best value itself (more than noise)
TRAIN_ALIGN_POINTS = 3  # training-loss points averaged at the best evaluation and at the end

VAL_LOSS_NAMES = ("eval_loss", "val_loss", "val_loss_epoch", "valid_loss", "validation_loss", "val/loss")
TRAIN_LOSS_NAMES = ("train_loss_epoch", "train_loss", "train/loss", "train_loss_step", "loss", "total_loss")
TEST_PREFIXES = ("test_",)  # the held-out curve of a log with no validation series
# JSON lines: evaluators' namespaces, whose metrics are the validation's (Detectron2 "bbox/AP", MMEngine
# "coco/bbox_mAP"), and the keys of an evaluation line that place it or time it rather than measure
EVALUATOR_PREFIXES = ("bbox/", "segm/", "keypoints/", "sem_seg/", "coco/", "pascal_voc/")
NOT_MEASURED = ("time", "memory", "eta", "iter", "epoch", "step", "mode", "lr")
EVENT_VAL_TAGS = ("eval/loss", "val_loss", "val_loss_epoch", "val/loss")
EVENT_TRAIN_TAGS = ("train/loss", "train_loss_epoch", "train_loss", "train_loss_step", "loss")
# Read after the tags above (which keep their precedence): the CSV reader's other validation-loss names, then
# the suffix-split names a hand-written SummaryWriter loop uses; the split names are matched case-insensitively.
EVENT_VAL_TAGS_MORE = ("valid_loss", "validation_loss", "eval_loss")
EVENT_VAL_SPLIT_TAGS = ("loss/val", "loss/valid", "loss/validation")
EVENT_TRAIN_SPLIT_TAGS = ("loss/train",)
EVENT_VAL_PREFIXES = ("val_", "val/", "valid_", "eval/", "eval_")  # a validation metric's tag, split first ...
EVENT_VAL_SUFFIXES = ("/val", "/valid", "/validation")  # ... or split last (``Accuracy/val``)
KERAS_LOSS_TAG = "epoch_loss"  # TF2 Keras writes the same tags in train/ and validation/
KERAS_TAG_PREFIX = "epoch_"
# Console output (Keras ``fit`` text, HF Trainer printed dicts) and the notebooks that hold it
CONSOLE_SUFFIXES = (".txt", ".log", ".out")
KERAS_EPOCH = re.compile(r"^\s*Epoch\s+(\d+)\s*/\s*(\d+)\s*$")
KERAS_PAIR = re.compile(
    r"(?:^|\s)-\s+([A-Za-z_][\w./-]*):\s+([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf))(?=\s|$)",
    re.IGNORECASE,
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROGRESS_SPLIT = re.compile(r"[\r\x08]+")  # a progress bar's updates overwrite each other with \r or backspaces
# fairseq's end-of-epoch summaries: text (``epoch 003 | valid on 'valid' subset | loss 4.36 | ... | num_updates
# 15120``, ``epoch 003 | loss 4.52 | ... | num_updates 15120``) and JSON (``{"epoch": 1, "valid_loss": "6.389", ...}``)
FAIRSEQ_TEXT = re.compile(r"(?:^|[|\s])epoch\s+(\d+)\s*\|(?:\s*valid on '([^']*)' subset\s*\|)?(.*)$")
FAIRSEQ_JSON_START = re.compile(r"\{\s*\"epoch\"\s*:")
# PyTorch Lightning's tqdm bar: ``Epoch 3: 100%|#####| 50/50 [00:01<00:00, 30.1it/s, loss=0.31, val_loss=0.42]``
PL_BAR = re.compile(r"^\s*Epoch\s+(\d+):\s+(?:\d+%\|[^|]*\|\s*)?\d+(?:/\d+|it)\s*\[([^\]]*)\]")
PL_PAIR = re.compile(
    r"(?:^|[\s,])([A-Za-z_][\w./-]*)=([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf))(?=[\s,]|$)",
    re.IGNORECASE,
)
PL_TRAIN_NAMES = ("train_loss_epoch", "train_loss", "loss", "train_loss_step")
PL_VAL_PREFIXES = ("val_", "val/", "valid_", "eval_")
# A hand-written loop's own prints: an epoch marker at a line's start (after an optional logging prefix and
# decoration: ``Epoch 3``, ``Epoch 3/20``, ``epoch: 3``, ``[Epoch 3]``, ``Epoch [3/20]``, ``[3/20]``), then ``name:
# value`` / ``name = value`` / ``name value`` pairs (a value may end in ``%``, or sit in ``tensor(...)``); a split label
# (``Val:``) or a name whose first spaced word is a split (``val Loss``) names the split of the pairs after it
LOOP_EPOCH = re.compile(
    r"^(?:.*?\b(?:INFO|DEBUG)(?::[\w.]*:|\s*[-:|\]]?)\s*)?[\s\[(|=*#>:-]*"
    r"(?:epoch\s*[:=#]?\s*\[?\s*(\d+)(?:\s*/\s*\d+)?\s*\]?|\[\s*(\d+)\s*/\s*\d+\s*\])(?!\d|\.\d)",
    re.IGNORECASE,
)
LOOP_PAIR = re.compile(
    r"(?<![\w.])(?:(?P<name>[A-Za-z]\w*(?:[ ./-][A-Za-z]\w*)*)\s*(?:[:=]\s*|\s+)(?:tensor\()?"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)(?P<percent>\s?%)?(?![\w/]|\.\d)"
    r"|(?P<split>train(?:ing)?|val(?:id(?:ation)?)?|eval(?:uation)?|test|dev)\s*:(?!\s*[-+.\d]))",
    re.IGNORECASE,
)
LOOP_VAL_WORDS = ("val", "valid", "validation", "eval", "evaluation", "dev")  # a validation series' word ...
LOOP_TEST_WORDS = ("test",)  # ... else a test series' word (a loop that evaluates its held-out split as "test")
LOOP_TRAIN_WORDS = ("train", "training")
LOOP_SKIP_WORDS = ("best", "time", "batch", "iter")  # no curve: a best-so-far, a duration, a counter
LOOP_MIN_EPOCHS = 3  # epochs with a validation value needed before a file is read as a loop's prints
ULTRALYTICS_SPLITS = ("train", "val")  # results.csv: a split's loss is the sum of its ``<split>/*_loss`` terms
HF_TABLE_NAMES = {"training loss": "loss", "validation loss": "eval_loss", "epoch": "epoch", "step": "step"}
FASTAI_TABLE_NAMES = {"train_loss": "loss", "valid_loss": "eval_loss", "epoch": "epoch"}  # fastai's Recorder table
LOWER_IS_BETTER = ("loss", "wer", "cer", "error", "mae", "mse", "rmse", "perplexity")
NOT_A_METRIC = ("runtime", "per_second", "epoch", "step", "flos", "lr", "learning_rate")
# A per-epoch history saved by hand as one JSON object in another shape (``_read_json_shapes``): the keys that name a
# split (numbered sets too: LightGBM's ``valid_0``, XGBoost's ``validation_1``), the plural names made singular, and
# the gradient-boosting metrics (LightGBM, XGBoost) that are lower-is-better beside the ``LOWER_IS_BETTER`` words
JSON_SPLIT = re.compile(r"^(train|training|val|valid|validation|eval|evaluation|dev|test)(?:[_-]?(\d+)|_[a-z_]+)?$")
JSON_SPLIT_ALONE = re.compile(r"^(?:train|training|val|valid|validation|eval|evaluation|dev|test)(?:[_-]?\d+)?$")
JSON_PLURALS = {"losses": "loss", "accs": "acc", "accuracies": "accuracy"}
BOOSTING_LOWER_IS_BETTER = (
    "l1",
    "l2",
    "l2_root",
    "mape",
    "huber",
    "fair",
    "quantile",
    "poisson",
    "gamma",
    "gamma_deviance",
    "tweedie",
    "xentropy",
    "cross_entropy",
    "xentlambda",
    "cross_entropy_lambda",
    "kullback_leibler",
    "kldiv",
    "mphe",
    "rmsle",
    "mlogloss",
    "merror",
    "poisson-nloglik",
    "gamma-nloglik",
    "gamma-deviance",
    "cox-nloglik",
    "tweedie-nloglik",
)


@dataclass
class Curves:
    """What the rule reads: evaluation points and training-loss points, each (position, value)."""

    val_name: str
    val: list[tuple[float, float]]
    train: list[tuple[float, float]]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _pick_metric(names: list[str], prefixes: tuple[str, ...]) -> str | None:
    for name in names:
        low = name.lower()
        if low.startswith(prefixes) and not any(part in low for part in NOT_A_METRIC):
            return name
    return None


def _orient(name: str, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    low = name.lower()
    if any(word in low for word in LOWER_IS_BETTER):
        return points
    return [(pos, -value) for pos, value in points]


def _read_keras_history(data: dict[str, object]) -> Curves:
    """A Keras ``History.history`` saved by hand (``json.dump(history.history, f)``): one list of values per key
    (``loss``, ``val_loss``, ``accuracy``, ...); a point's position is its epoch index. The series are picked as in
    a Keras CSV; values that are not finite numbers (``null``, strings) are skipped.

    >>> curves = _read_keras_history({"loss": [1.0, 0.5], "val_loss": [2, None, 1.5], "lr": 0.1})
    >>> curves.val_name, curves.val, curves.train
    ('val_loss', [(0.0, 2.0), (2.0, 1.5)], [(0.0, 1.0), (1.0, 0.5)])
    """
    series: dict[str, list[tuple[float, float]]] = {}
    for key, values in data.items():
        if not isinstance(values, list):
            continue
        series[key] = [
            (float(i), float(v))
            for i, v in enumerate(values)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        ]
    val_name, train_name = _pick_series(list(series))
    return Curves(val_name, _orient(val_name, series.get(val_name, [])), series.get(train_name, []))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _as_series(value: object) -> list[tuple[float, float]] | None:
    """A per-epoch series held in one JSON value, or None when the value is none: a list holding a number and no list
    or object (a point per finite number, at its index), or an object whose keys are all row numbers (pandas'
    ``to_json`` default: a point per finite number, at its row number, in file order)."""
    if isinstance(value, list):
        if any(isinstance(v, (list, dict)) for v in value) or not any(_is_number(v) for v in value):
            return None
        return [(float(i), float(v)) for i, v in enumerate(value) if _is_number(v)]
    if isinstance(value, dict) and value and all(isinstance(k, str) and k.isdigit() for k in value):
        if any(isinstance(v, (list, dict)) for v in value.values()):
            return None
        return [(float(k), float(v)) for k, v in value.items() if _is_number(v)]
    return None


def _json_split(part: str) -> tuple[str, int | None] | None:
    """The split a key names (``train``, ``val``, ``test``) and its set number (``valid_1``: 1), or None. A key names a
    split when it is a split word, optionally numbered (``validation_0``, ``valid_1``), or, for a key holding an
    object, when its first word is one (``train_metrics``)."""
    match = JSON_SPLIT.match(part.lower())
    if match is None:
        return None
    word = match.group(1)
    split = "train" if word in ("train", "training") else "test" if word == "test" else "val"
    return split, int(match.group(2)) if match.group(2) else None


def _json_metric(name: str) -> str:
    """A series name in the rule's spelling: a plural last word made singular (``val_losses`` -> ``val_loss``,
    ``train_accs`` -> ``train_acc``), a first word naming a split made ``train`` / ``val`` / ``test``
    (``validation_loss`` -> ``val_loss``, ``training_loss`` -> ``train_loss``)."""
    words = name.split("_")
    words[-1] = JSON_PLURALS.get(words[-1].lower(), words[-1])
    if len(words) > 1:
        split = _json_split(words[0])
        if split is not None and split[1] is None:
            words[0] = split[0]
    return "_".join(words)


def _json_series(data: dict[str, object]) -> list[tuple[str | None, int | None, int, str, list[tuple[float, float]]]]:
    """Every series of a JSON object, at any depth: (split, set number, split's order, metric, points). The split is
    the nearest enclosing key naming one (or the series' own key, when it names one alone: ``{"val": [...]}``); the
    metric is the series' own key, or, when that key names a split, the key enclosing it (``{"loss": {"train": ...}}``),
    else ``loss`` (a split's name alone holding a list). Other enclosing keys (``history``) are wrappers, not read."""
    found: list[tuple[str | None, int | None, int, str, list[tuple[float, float]]]] = []
    orders: dict[tuple[str, int | None], int] = {}

    def walk(obj: dict[str, object], parts: tuple[str, ...]) -> None:
        for key, value in obj.items():
            path = (*parts, str(key))
            series = _as_series(value)
            if series is None:
                if isinstance(value, dict):
                    walk(value, path)
                continue
            own = _json_split(path[-1]) if JSON_SPLIT_ALONE.match(path[-1].lower()) else None
            if own is not None:
                metric = path[-2] if len(path) > 1 else "loss"
                outer = path[:-2]
                split: tuple[str, int | None] | None = own
            else:
                metric = path[-1]
                outer = path[:-1]
                split = next((s for s in (_json_split(p) for p in reversed(outer)) if s is not None), None)
            if split is not None:
                orders.setdefault(split, len(orders))
            found.append(
                (
                    split[0] if split else None,
                    split[1] if split else None,
                    orders[split] if split else -1,
                    metric,
                    series,
                )
            )

    walk(data, ())
    return found


def _json_new_shape(data: dict[str, object]) -> bool:
    """Whether a JSON object holds a shape the Keras-history reading does not read: a series inside an object, a
    series keyed by row number, a split's name alone holding a list, or a plural name (``val_losses``)."""
    for key, value in data.items():
        if isinstance(value, dict) and (_as_series(value) is not None or _json_series(value)):
            return True
        named = JSON_SPLIT_ALONE.match(key.lower()) or key.split("_")[-1].lower() in JSON_PLURALS
        if isinstance(value, list) and _as_series(value) is not None and named:
            return True
    return False


def _json_lower_better(name: str) -> bool:
    metric = name.split("_", 1)[-1].split("@")[0].lower()
    return any(word in name.lower() for word in LOWER_IS_BETTER) or metric in BOOSTING_LOWER_IS_BETTER


def _read_json_shapes(data: dict[str, object]) -> Curves:
    """A per-epoch history saved by hand as one JSON object in a shape other than ``{name: [values]}`` (LABELLING.md):
    every series found by ``_json_series`` is named ``<split>_<metric>`` (``train_loss``, ``val_acc``), or its own
    key when no split encloses it (``loss``, ``val_loss`` in a ``{"history": {...}}`` wrapper), spelt by
    ``_json_metric``. Held-out splits: the validation ones (``val``, ``valid``, ``eval``, ``dev``, numbered or not),
    else the ``test`` ones; of several, the last in the file is read as ``val``; when no split is a training one and
    several numbered sets were recorded (XGBoost's ``validation_0``, ``validation_1``), the first is read as
    ``train`` (``eval_set=[(X_train, y_train), (X_valid, y_valid)]``). The others are not read. The series are then
    picked as a CSV's (``_pick_series``; the first of two same names is kept); a gradient-boosting metric
    (``l2``, ``mape``, ...) is lower-is-better as ``loss`` is.

    >>> curves = _read_json_shapes({"train": {"loss": [1, 0.5]}, "val": {"acc": [0.5, 0.6], "loss": [2, 1, 0.9]}})
    >>> curves.val_name, curves.val, curves.train
    ('val_loss', [(0.0, 2.0), (1.0, 1.0), (2.0, 0.9)], [(0.0, 1.0), (1.0, 0.5)])
    >>> _read_json_shapes({"loss": {"0": 1.0, "1": 0.5}, "val_loss": {"0": 2, "1": None}}).val
    [(0.0, 2.0)]
    >>> curves = _read_json_shapes({"validation_0": {"l2": [3, 2]}, "validation_1": {"l2": [4, 3.5]}})
    >>> curves.val_name, curves.val, curves.train
    ('val_l2', [(0.0, 4.0), (1.0, 3.5)], [(0.0, 3.0), (1.0, 2.0)])
    >>> _read_json_shapes({"train": [1, 0.5], "val": [2, 1.5]}).val_name
    'val_loss'
    """
    found = _json_series(data)
    sets = {(split, number, order) for split, number, order, _, _ in found if split is not None}
    held = sorted((s for s in sets if s[0] == "val"), key=lambda s: s[2]) or sorted(
        (s for s in sets if s[0] == "test"), key=lambda s: s[2]
    )
    trained = [s for s in sets if s[0] == "train"]
    chosen_train = None
    if not trained and len([s for s in held if s[1] is not None]) >= 2:
        chosen_train = held[0]
        held = held[1:]
    chosen_val = held[-1] if held else None
    series: dict[str, list[tuple[float, float]]] = {}
    for split, number, order, metric, points in found:
        if split is None:
            name = _json_metric(metric)
        elif (split, number, order) == chosen_train or (split == "train" and chosen_train is None):
            name = "train_" + _json_metric(metric).removeprefix("train_")
        elif (split, number, order) == chosen_val:
            prefix = "val_" if split == "val" else "test_"
            name = prefix + _json_metric(metric).removeprefix(prefix)
        else:
            continue
        series.setdefault(name, points)
    val_name, train_name = _pick_series(list(series))
    val = series.get(val_name, [])
    if not _json_lower_better(val_name):
        val = [(pos, -value) for pos, value in val]
    return Curves(val_name, val, series.get(train_name, []))


def _read_trainer_state(path: Path) -> Curves:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "log_history" not in data and _json_new_shape(data):
        return _read_json_shapes(data)
    if isinstance(data, dict) and "log_history" not in data:  # a Keras history saved by hand, not an HF state
        return _read_keras_history(data)
    history = data["log_history"]
    names = sorted({key for entry in history for key in entry})
    val_name = "eval_loss" if "eval_loss" in names else _pick_metric(names, ("eval_",)) or "eval_loss"
    val = [(float(e.get("step", i)), float(e[val_name])) for i, e in enumerate(history) if val_name in e]
    train = [(float(e.get("step", i)), float(e["loss"])) for i, e in enumerate(history) if "loss" in e]
    return Curves(val_name, _orient(val_name, val), train)


def _last_run(rows: list[dict[str, str]], epoch_col: str | None) -> list[dict[str, str]]:
    """Rows of the last run when the epoch counter goes back (two fits appended to one file)."""
    if epoch_col is None:
        return rows
    start, highest = 0, -math.inf
    for i, row in enumerate(rows):
        epoch = _number(row.get(epoch_col, ""))
        if epoch is None:
            continue
        if epoch < highest:
            start, highest = i, epoch
        highest = max(highest, epoch)
    return rows[start:]


def _pick_series(names: list[str]) -> tuple[str, str]:
    """The validation series (its loss, else the first validation metric) and the training loss (else the
    training twin of the validation series: val_mse -> train_mse) among a log's column or key names.

    A log with no validation series at all reads its test series instead (``test_loss``, else the first
    ``test_`` metric): research scripts evaluate their held-out split every epoch as ``test_*``; a test
    row written once after training gives one point, too few to label.
    """
    val_name = next((n for n in VAL_LOSS_NAMES if n in names), None)
    if val_name is None:
        val_name = _pick_metric(names, ("val_", "val/", "valid_", "eval_"))
    if val_name is None:
        val_name = "test_loss" if "test_loss" in names else _pick_metric(names, TEST_PREFIXES) or "val_loss"
    train_name = next((n for n in TRAIN_LOSS_NAMES if n in names), None)
    if train_name is None:
        twin = "train_" + val_name.split("_", 1)[-1]
        train_name = twin if twin in names else "loss"
    return val_name, train_name


def _ultralytics_rows(rows: list[dict[str, str]]) -> list[dict[str, str]] | None:
    """Ultralytics' ``results.csv`` (YOLOv5, YOLOv8, YOLO11) read as a plain CSV, or None when the rows are not one.

    The trainer pads every name and value to 23 characters (``"%23s,"``; YOLO11 does not) and logs a split's loss
    only as its weighted terms (``train/box_loss``, ``train/cls_loss``, ``train/dfl_loss``; ``val/`` the same), with
    the validation metrics under ``metrics/``. A file is one when its stripped names hold ``epoch`` and a ``metrics/``
    name. Names and values are stripped; a split with no ``<split>/loss`` (the classifier logs one) gets it as the sum
    of its ``<split>/*_loss`` terms, on a row where all of them are numbers, which the picking then reads
    (``val/loss``, ``train/loss``).

    >>> rows = [{"  epoch": "  1", " train/box_loss": " 1.5", " train/cls_loss": " 2", " metrics/mAP50(B)": " 0.1",
    ...          " val/box_loss": " 1.25", " val/cls_loss": " nan"}]
    >>> [(row["epoch"], row["train/loss"], row["val/loss"]) for row in _ultralytics_rows(rows) or []]
    [('1', '3.5', 'nan')]
    >>> _ultralytics_rows([{"epoch": "1", "val_loss": "0.5"}]) is None
    True
    """
    names = [name.strip() for name in (rows[0] if rows else {}) if isinstance(name, str)]
    if "epoch" not in names or not any(name.startswith("metrics/") for name in names):
        return None
    out = [
        {name.strip(): (value.strip() if isinstance(value, str) else "") for name, value in row.items() if name}
        for row in rows
    ]
    for split in ULTRALYTICS_SPLITS:
        terms = [name for name in names if name.startswith(f"{split}/") and name.endswith("_loss")]
        if f"{split}/loss" in names or not terms:
            continue
        for row in out:
            values = [_number(row.get(term, "")) for term in terms]
            row[f"{split}/loss"] = "" if None in values else repr(sum(v for v in values if v is not None))
    return out


def _read_csv(path: Path) -> Curves:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows = _ultralytics_rows(rows) or rows
    names = list(rows[0].keys()) if rows else []
    epoch_col = "epoch" if "epoch" in names else None
    rows = _last_run(rows, epoch_col)
    position_col = "step" if "step" in names else epoch_col
    val_name, train_name = _pick_series(names)

    def points(column: str) -> list[tuple[float, float]]:
        out = []
        for i, row in enumerate(rows):
            value = _number(row.get(column, ""))
            if value is None:
                continue
            position = _number(row.get(position_col, "")) if position_col else None
            out.append((float(i) if position is None else position, value))
        return out

    return Curves(val_name, _orient(val_name, points(val_name)), points(train_name))


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if byte < 0x80:
            return value, i
        shift += 7


def _proto_fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of a protobuf message: just what TensorBoard events need."""
    out: list[tuple[int, int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i : i + length], i + length
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {wire} is not expected in an event file")
        out.append((number, wire, value))
    return out


def _tensor_scalar(tensor: bytes) -> float | None:
    dtype, content, floats, doubles = 1, b"", b"", b""
    for number, _, value in _proto_fields(tensor):
        if number == 1 and isinstance(value, int):
            dtype = value
        elif number == 4 and isinstance(value, bytes):
            content = value
        elif number == 5 and isinstance(value, bytes):
            floats += value
        elif number == 6 and isinstance(value, bytes):
            doubles += value
    if dtype not in (1, 2):  # DT_FLOAT, DT_DOUBLE: text and histogram tensors are no scalars
        return None
    if floats:
        return float(struct.unpack("<f", floats[:4])[0])
    if doubles:
        return float(struct.unpack("<d", doubles[:8])[0])
    if content:
        return float(struct.unpack("<d" if dtype == 2 else "<f", content[: 8 if dtype == 2 else 4])[0])
    return None


def _event_scalars(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Scalars of a TensorBoard event file (TFRecord framing, Event/Summary protobufs), read by hand: each tag's
    (step, value) points, the tags in the order they first appear in the file."""
    data = path.read_bytes()
    scalars: dict[str, list[tuple[float, float]]] = {}
    i = 0
    while i + 12 <= len(data):
        (length,) = struct.unpack("<Q", data[i : i + 8])
        record = data[i + 12 : i + 12 + length]
        i += 12 + length + 4
        step, summary = 0, b""
        for number, _, value in _proto_fields(record):
            if number == 2 and isinstance(value, int):
                step = value
            elif number == 5 and isinstance(value, bytes):
                summary = value
        for number, _, value in _proto_fields(summary):
            if number != 1 or not isinstance(value, bytes):
                continue
            tag, scalar = "", None
            for field, _, item in _proto_fields(value):
                if field == 1 and isinstance(item, bytes):
                    tag = item.decode("utf-8", "replace")
                elif field == 2 and isinstance(item, bytes):
                    scalar = float(struct.unpack("<f", item)[0])
                elif field == 8 and isinstance(item, bytes):
                    scalar = _tensor_scalar(item)
            if scalar is not None:
                scalars.setdefault(tag, []).append((float(step), scalar))
    return scalars


def _split_metric(tag: str) -> str | None:
    """The metric part of a tag whose split part names validation (``val_acc``, ``eval/f1``, ``Accuracy/val``:
    ``acc``, ``f1``, ``Accuracy``), or None when the tag names no validation split."""
    low = tag.lower()
    prefix = next((p for p in EVENT_VAL_PREFIXES if low.startswith(p)), None)
    if prefix is not None:
        return tag[len(prefix) :]
    suffix = next((s for s in EVENT_VAL_SUFFIXES if low.endswith(s)), None)
    if suffix is not None:
        return tag[: -len(suffix)]
    return None


def _event_train_twin(val_tag: str, tags: list[str]) -> str | None:
    """The training twin of a validation tag (``val_acc`` -> ``train_acc``, ``Accuracy/val`` -> ``Accuracy/train``),
    matched case-insensitively, as the CSV reader's ``val_mse`` -> ``train_mse``."""
    metric = _split_metric(val_tag)
    if metric is None:
        return None
    suffixed = not val_tag.lower().startswith(EVENT_VAL_PREFIXES)
    wanted = {f"{metric}/train".lower()} if suffixed else {f"train_{metric}".lower(), f"train/{metric}".lower()}
    return next((tag for tag in tags if tag.lower() in wanted), None)


def _pick_event_tags(tags: list[str]) -> tuple[str, str]:
    """The validation series and the training loss among an event file's tags (in file order).

    Validation: the loss tags of ``EVENT_VAL_TAGS`` first (their old precedence), then ``EVENT_VAL_TAGS_MORE``, then
    a suffix-split loss (``Loss/val``), else the first tag whose split part names validation, as ``_pick_metric``
    picks a CSV column. Training: ``EVENT_TRAIN_TAGS``, then ``Loss/train``, else the validation series' twin.
    """
    lowered = {tag.lower(): tag for tag in reversed(tags)}  # the first tag of each lower-case spelling
    val_name = next((tag for tag in EVENT_VAL_TAGS + EVENT_VAL_TAGS_MORE if tag in tags), None)
    if val_name is None:
        val_name = next((lowered[tag] for tag in EVENT_VAL_SPLIT_TAGS if tag in lowered), None)
    if val_name is None:
        val_name = next(
            (tag for tag in tags if _split_metric(tag) is not None and not any(p in tag.lower() for p in NOT_A_METRIC)),
            None,
        )
    train_name = next((tag for tag in EVENT_TRAIN_TAGS if tag in tags), None)
    if train_name is None:
        train_name = next((lowered[tag] for tag in EVENT_TRAIN_SPLIT_TAGS if tag in lowered), None)
    if train_name is None and val_name is not None:
        train_name = _event_train_twin(val_name, tags)
    return val_name or "eval/loss", train_name or "train/loss"


def _read_events(path: Path) -> Curves:
    """The validation series and training loss of one TensorBoard event file."""
    scalars = _event_scalars(path)
    val_name, train_name = _pick_event_tags(list(scalars))
    return Curves(val_name, _orient(val_name, scalars.get(val_name, [])), scalars.get(train_name, []))


def _wandb_history(data: bytes) -> list[dict[str, float]]:
    """The numbers of each ``wandb.log`` call in a W&B run file, in the order logged.

    The file: 7 header bytes (``:W&B``, magic, version), then LevelDB-log records in 32768-byte blocks (7 bytes:
    crc, little-endian length, type 1 whole / 2 first / 3 middle / 4 last; fewer than 7 bytes left in a block are
    padding). A record is a protobuf ``Record`` whose field 2 is a history record: items (field 1) with a name
    (field 1 ``key``, or the parts of field 2 ``nested_key`` joined by ``/``) and a JSON value (field 16).
    A record cut short at the end is skipped.
    """
    rows: list[dict[str, float]] = []
    pos, pending, block = 7, b"", 32768
    while pos + 7 <= len(data):
        if block - pos % block < 7:
            pos += block - pos % block
            continue
        length, kind = struct.unpack_from("<HB", data, pos + 4)
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if len(chunk) < length or kind == 0:
            break
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind not in (1, 4):
            continue
        for number, _, history in _proto_fields(pending):
            if number != 2 or not isinstance(history, bytes):
                continue
            row: dict[str, float] = {}
            for field, _, item in _proto_fields(history):
                if field != 1 or not isinstance(item, bytes):
                    continue
                parts = {n: v for n, _, v in _proto_fields(item) if isinstance(v, bytes)}
                nested = [v.decode() for n, _, v in _proto_fields(item) if n == 2 and isinstance(v, bytes)]
                name = parts[1].decode() if 1 in parts else "/".join(nested)
                try:
                    value = json.loads(parts.get(16, b"null"))
                except ValueError:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    row[name] = float(value)
            rows.append(row)
    return rows


def _read_wandb(path: Path) -> Curves:
    """A W&B run file (``run-<id>.wandb``): a point's position is its ``wandb.log`` call's number. Keras'
    ``WandbMetricsLogger`` prefix ``epoch/`` is dropped (``epoch/val_loss`` is ``val_loss``); the series are picked
    as an event file's tags (``_pick_event_tags``), and a run with no validation series reads its test series
    (``test_loss`` / ``test/loss``, else the first ``test_`` / ``test/`` metric), as a CSV."""
    series: dict[str, list[tuple[float, float]]] = {}
    for i, row in enumerate(_wandb_history(path.read_bytes())):
        for name, value in row.items():
            name = name[len("epoch/") :] if name.startswith("epoch/") else name
            series.setdefault(name, []).append((float(i), value))
    names = list(series)
    val_name, train_name = _pick_event_tags(names)
    if val_name not in series:
        test = [n for n in names if n.lower().startswith(("test_", "test/"))]
        losses = [n for n in test if n.lower() in ("test_loss", "test/loss")]
        val_name = (losses or [n for n in test if not any(p in n.lower() for p in NOT_A_METRIC)] or [val_name])[0]
    return Curves(val_name, _orient(val_name, series.get(val_name, [])), series.get(train_name, []))


def _is_keras_pair(path: Path) -> bool:
    return all(any((path / split).glob("events.out.tfevents*")) for split in ("train", "validation"))


def _folder_scalars(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """Scalars of every event file in a folder, the files in sorted (file name) order."""
    scalars: dict[str, list[tuple[float, float]]] = {}
    for file in sorted(folder.glob("events.out.tfevents*")):
        for tag, points in _event_scalars(file).items():
            scalars.setdefault(tag, []).extend(points)
    return scalars


def _read_keras_pair(path: Path) -> Curves:
    """A TF2 Keras ``TensorBoard`` callback run: ``train/`` and ``validation/`` event files holding the same tags
    (``epoch_loss``, ``epoch_accuracy``, ...); the split is the folder's name only.

    The validation series is ``epoch_loss`` of ``validation/``, else its first ``epoch_*`` metric (file order, the
    ``NOT_A_METRIC`` names skipped as ``_pick_metric`` skips them), oriented by ``_orient``; the training loss is
    ``epoch_loss`` of ``train/``, else the training twin (the same tag in ``train/``).
    """
    val_scalars, train_scalars = _folder_scalars(path / "validation"), _folder_scalars(path / "train")
    val_name = KERAS_LOSS_TAG if KERAS_LOSS_TAG in val_scalars else None
    if val_name is None:
        metrics = [t for t in val_scalars if t.startswith(KERAS_TAG_PREFIX)]
        val_name = next(
            (t for t in metrics if not any(p in t[len(KERAS_TAG_PREFIX) :].lower() for p in NOT_A_METRIC)),
            KERAS_LOSS_TAG,
        )
    train_name = KERAS_LOSS_TAG if KERAS_LOSS_TAG in train_scalars else val_name
    return Curves(
        f"validation/{val_name}",
        _orient(val_name, val_scalars.get(val_name, [])),
        train_scalars.get(train_name, []),
    )


def _mlflow_run(path: Path) -> Path:
    """The run folder (the one holding ``metrics/``) of an MLflow file store: the folder itself, or the
    first run found under it (``mlruns/<experiment_id>/<run_id>/``, in sorted order)."""
    if (path / "metrics").is_dir():
        return path
    runs = sorted(p.parent for p in path.rglob("metrics") if p.is_dir() and ".trash" not in p.relative_to(path).parts)
    if not runs:
        raise FileNotFoundError(f"no MLflow run (a folder holding metrics/) under {path}")
    return runs[0]


def _read_mlflow(path: Path) -> Curves:
    """Metrics of an MLflow file-store run: ``metrics/<key>`` text files, one ``timestamp value [step]`` a line.

    A key with ``/`` in it is a nested file (``metrics/val/loss`` is ``val/loss``). The series are picked by
    the same names as the CSV columns (validation loss, else the first validation metric, oriented; training
    loss, else the training twin of the validation series); a point's position is its step, else its line.
    """
    metrics = _mlflow_run(path) / "metrics"
    series: dict[str, list[tuple[float, float]]] = {}
    for file in sorted(f for f in metrics.rglob("*") if f.is_file()):
        points = []
        for i, line in enumerate(file.read_text(encoding="utf-8").splitlines()):
            parts = line.split()
            value = _number(parts[1]) if len(parts) >= 2 else None
            if value is None:
                continue
            step = _number(parts[2]) if len(parts) >= 3 else None
            points.append((float(i) if step is None else step, value))
        series[file.relative_to(metrics).as_posix()] = points
    val_name, train_name = _pick_series(sorted(series))
    return Curves(val_name, _orient(val_name, series.get(val_name, [])), series.get(train_name, []))


def _json_record(line: str) -> dict[str, object] | None:
    """A line's JSON object, or None when the line is not one."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _record_values(record: dict[str, object]) -> dict[str, float]:
    """A JSON line's finite numbers (DETR's COCOeval statistics list gives its first: box AP)."""
    values: dict[str, float] = {}
    for key, value in record.items():
        if isinstance(value, list) and key.endswith("coco_eval_bbox") and value:
            value = value[0]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            values[key] = float(value)
    return values


def _read_json_lines(path: Path) -> Curves:
    """A log of one JSON object per line (facebookresearch's ``log.txt``, Detectron2's ``metrics.json``, MMCV's
    ``*.log.json``, MMEngine's ``scalars.json``); a point's position is its line number.

    An evaluation line (``"mode": "val"`` in a log whose lines carry a ``mode``, else a line with no ``lr`` and
    no key holding ``loss``: MMEngine's evaluation lines, Detectron2's evaluation-only lines) has its measured
    keys read as validation (``val_`` + key); so are evaluators' namespaced metrics (``EVALUATOR_PREFIXES``) on
    any line. A last line cut short is skipped, as are non-finite values; when the ``epoch`` goes back, only the
    lines of the last run are read (as for a CSV). The series are picked as for a CSV.
    """
    lines = enumerate(path.read_text(encoding="utf-8").splitlines())
    parsed = [(i, _json_record(line)) for i, line in lines if line.strip()]
    records = [(i, record) for i, record in parsed if record is not None]
    start, highest = 0, -math.inf  # the last run, as LABELLING.md says: the epoch counter went back
    for k, (_, record) in enumerate(records):
        epoch = record.get("epoch")
        if isinstance(epoch, (int, float)) and not isinstance(epoch, bool):
            if epoch < highest:
                start = k
            highest = epoch if epoch < highest else max(highest, epoch)
    records = records[start:]
    with_mode = any("mode" in record for _, record in records)
    series: dict[str, list[tuple[float, float]]] = {}
    for i, record in records:
        values = _record_values(record)
        no_loss = "lr" not in record and not any("loss" in k for k in record)
        evaluation = record.get("mode") == "val" if with_mode else no_loss
        for key, value in values.items():
            measured = not any(word in key.lower() for word in NOT_MEASURED) and not key.startswith("val")
            if measured and (evaluation or key.startswith(EVALUATOR_PREFIXES)):
                key = "val_" + key
            series.setdefault(key, []).append((float(i), value))
    val_name, train_name = _pick_series(list(series))
    return Curves(val_name, _orient(val_name, series.get(val_name, [])), series.get(train_name, []))


def _is_json_lines(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(1 << 20).decode("utf-8", errors="replace")
    lines = [line for line in head.splitlines() if line.strip()]
    return len(lines) >= 2 and _json_record(lines[0]) is not None and lines[1].lstrip().startswith("{")


@dataclass
class _Record:
    """One epoch of console output: Keras' end-of-epoch values (``stream`` "keras", at its ``Epoch N/M``), or an
    HF Trainer log entry (``stream`` "hf": a printed dict, or a row of the notebook's progress table, at its epoch,
    else its step). ``table`` numbers the HF progress table a row comes from (0 for anything else)."""

    stream: str
    position: float
    values: dict[str, float]
    table: int = 0


def _literal_number(node: ast.expr) -> float | None:
    """The number an HF log dict holds in one value: a literal, ``nan`` / ``inf``, or ``np.float64(0.5)``."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        return _literal_number(node.args[0])
    if isinstance(node, ast.Name) and node.id in ("nan", "inf"):
        return float(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal_number(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _hf_dict(text: str) -> dict[str, float] | None:
    """The numbers of an HF Trainer log dict printed on a line (``{'loss': 0.69, 'learning_rate': 4e-05, 'epoch':
    0.5}``), read with ``ast`` (never evaluated); text before the ``{`` (a progress bar) is skipped. None when the
    line is no such dict, or a dict with neither ``loss`` nor an ``eval_`` key."""
    start = min((i for i in (text.find("{'"), text.find('{"')) if i >= 0), default=-1)
    candidate = text[start:].strip() if start >= 0 else ""
    if not candidate.endswith("}"):
        return None
    try:
        tree = ast.parse(candidate, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not isinstance(tree.body, ast.Dict):
        return None
    values: dict[str, float] = {}
    for key_node, value_node in zip(tree.body.keys, tree.body.values, strict=True):
        if not isinstance(key_node, ast.Constant) or not isinstance(key_node.value, str):
            continue
        value = _literal_number(value_node)
        if value is not None:
            values[key_node.value] = value
    if "loss" not in values and not any(key.startswith("eval_") for key in values):
        return None
    return values


def _fairseq_summary(text: str) -> tuple[float, dict[str, float]] | None:
    """(num_updates, values) of a fairseq end-of-epoch summary on a line, or None when the line is none.

    Text: ``epoch 003 | valid on 'valid' subset | loss 4.36 | ... | num_updates 15120`` (after any prefix: ``| ``,
    ``... | INFO | valid | ``, ``[...][valid][INFO] - ``) is a validation, ``epoch 003 | loss 4.52 | ... |
    num_updates 15120`` a training summary; the ``name value`` fields must begin with ``loss`` and hold
    ``num_updates``. JSON: ``{"epoch": 1, "valid_loss": "6.389", ..., "valid_num_updates": "479"}`` (values as
    strings), the subset being the prefix of its ``<subset>_num_updates`` key (``train_inner`` lines are no
    summary). A validation's names are given the prefix ``valid_`` (whatever its subset) and its subset as
    ``subset:<name>`` (a number-free marker key, see ``_text_records``); a training summary's names ``train_``.

    >>> _fairseq_summary("| epoch 003 | valid on 'valid' subset | loss 4.36 | ppl 6.27 | num_updates 15120")
    (15120.0, {'valid_loss': 4.36, 'valid_ppl': 6.27, 'valid_num_updates': 15120.0, 'subset:valid': 0.0})
    >>> _fairseq_summary('[x][train][INFO] - {"epoch": 1, "train_loss": "7.864", "train_num_updates": "479"}')
    (479.0, {'train_loss': 7.864, 'train_num_updates': 479.0})
    """
    found = FAIRSEQ_JSON_START.search(text)
    if found is not None:
        record = _json_record(text[found.start() :].strip())
        if record is None:
            return None
        subset = next((key[: -len("_num_updates")] for key in record if key.endswith("_num_updates")), None)
        if subset is None or subset == "train_inner" or f"{subset}_loss" not in record:
            return None
        values = {}
        for key, value in record.items():
            number = _number(value) if isinstance(value, str) else None
            if key.startswith(subset + "_") and number is not None:
                values[key[len(subset) + 1 :]] = number
        if "loss" not in values or "num_updates" not in values:
            return None
        prefix = "train_" if subset == "train" else "valid_"
        out = {prefix + key: value for key, value in values.items()}
        if subset != "train":
            out[f"subset:{subset}"] = 0.0
        return out[prefix + "num_updates"], out
    match = FAIRSEQ_TEXT.search(text)
    if match is None:
        return None
    fields = [field.split() for field in match.group(3).split("|")]
    pairs = [(field[0], _number(field[1])) for field in fields if len(field) == 2]
    values = {name: number for name, number in pairs if number is not None}
    first = fields[0][0] if fields and fields[0] else ""
    subset = match.group(2)
    if subset is not None and first.startswith("valid_"):  # older fairseq: ``valid_loss 8.39``
        values = {name.removeprefix("valid_"): number for name, number in values.items()}
        first = first.removeprefix("valid_")
    if first != "loss" or "loss" not in values or "num_updates" not in values:
        return None
    prefix = "train_" if subset is None else "valid_"
    out = {prefix + name: number for name, number in values.items()}
    if subset is not None:
        out[f"subset:{subset}"] = 0.0
    return values["num_updates"], out


def _pl_bar(text: str) -> tuple[int, dict[str, float]] | None:
    """(epoch, postfix values) of a PyTorch Lightning tqdm bar update, or None when it is none."""
    match = PL_BAR.match(text)
    if match is None:
        return None
    postfix = {m.group(1): float(m.group(2)) for m in PL_PAIR.finditer(match.group(2))}
    return int(match.group(1)), postfix


def _pl_validations(records: list[_Record]) -> None:
    """Drop, in place, the validation values of a Lightning epoch that only repeats the previous epoch's: the bar
    keeps showing the last validation's ``val_*`` values until the next validation. The previous epoch is
    forgotten where the epoch counter goes back (a new fit)."""
    previous: dict[str, float] = {}
    position = -math.inf
    for record in records:
        if record.stream != "pl":
            continue
        if record.position <= position:
            previous = {}
        position = record.position
        shown = {k: v for k, v in record.values.items() if k.lower().startswith(PL_VAL_PREFIXES)}
        if shown and shown == previous:
            record.values = {k: v for k, v in record.values.items() if k not in shown}
        previous = shown


def _text_records(text: str) -> list[_Record]:
    """The records of console text: each ``Epoch N/M`` header's epoch, each HF log dict, each fairseq
    end-of-epoch summary (``_fairseq_summary``, at its ``num_updates``) and each PyTorch Lightning epoch (its last
    tqdm bar update that has ``name=value`` values, at the 0-based epoch + 1), in the order written.

    A fairseq run reads the validations of one subset: the first one a validation summary names. A Lightning
    epoch's updates end where the bar's epoch changes (Lightning 2 resets the bar to 0% before it shows the next
    epoch: that update is still the epoch's); an epoch whose ``val_*`` values repeat the previous epoch's has no
    validation values (``_pl_validations``).

    A progress bar's updates are split at ``\\r`` and backspaces (ANSI colour codes dropped); an epoch's values are
    the `` - name: value`` pairs of its last update holding the most pairs (the end-of-epoch line, which carries
    the ``val_`` pairs; a later ``evaluate`` line has fewer). An epoch's updates end at the next header or at the
    end of the text.

    >>> text = "Epoch 1/2\\n9/9 [==>..] - ETA: 1s - loss: 0.5\\r9/9 [=====] - 1s - loss: 0.4 - val_loss: 0.6\\n"
    >>> [(r.stream, r.position, r.values) for r in _text_records(text + "{'eval_loss': 0.3, 'epoch': 1.0}")]
    [('keras', 1.0, {'loss': 0.4, 'val_loss': 0.6}), ('hf', 1.0, {'eval_loss': 0.3, 'epoch': 1.0})]
    """
    records: list[_Record] = []
    epoch: _Record | None = None  # the open epoch's record, in place; its values are set when it closes
    updates: list[dict[str, float]] = []

    def close_epoch() -> None:
        if epoch is not None:
            most = max((len(update) for update in updates), default=0)
            epoch.values = next((update for update in reversed(updates) if len(update) == most), {})

    bar: int | None = None  # the last Lightning bar update's epoch
    bar_epoch: _Record | None = None  # the open Lightning epoch's record, in place (its last update's values)
    subsets: list[str] = []  # fairseq: the validation subset read, per run (the first named)
    for line in ANSI_ESCAPE.sub("", text).split("\n"):
        for update in PROGRESS_SPLIT.split(line):
            header = KERAS_EPOCH.match(update)
            if header is not None:
                close_epoch()
                epoch, updates = _Record("keras", float(header.group(1)), {}), []
                records.append(epoch)
                continue
            logged = _hf_dict(update)
            if logged is not None:
                last = next((record.position for record in reversed(records) if record.stream == "hf"), 0.0)
                records.append(_Record("hf", logged.get("epoch", last), logged))
                continue
            summary = _fairseq_summary(update)
            if summary is not None:
                position, values = summary
                subset = next((key for key in values if key.startswith("subset:")), None)
                previous = next((r for r in reversed(records) if r.stream == "fairseq"), None)
                if previous is None or position < previous.position:
                    subsets = []  # a new run (as _console_runs will cut it): its own subset
                if subset is not None:
                    del values[subset]
                    subsets = subsets or [subset]
                    if subset != subsets[0]:
                        continue
                records.append(_Record("fairseq", position, values))
                continue
            progress = _pl_bar(update)
            if progress is not None:
                number, postfix = progress
                if bar != number:
                    bar_epoch = None  # a new epoch
                bar = number
                if postfix and bar_epoch is None:
                    bar_epoch = _Record("pl", float(number + 1), postfix)
                    records.append(bar_epoch)
                elif postfix and bar_epoch is not None:
                    bar_epoch.values = postfix
                continue
            pairs = {m.group(1): float(m.group(2)) for m in KERAS_PAIR.finditer(update)}
            if epoch is not None and pairs:
                updates.append(pairs)
    close_epoch()
    _pl_validations(records)
    return records


class _TableParser(HTMLParser):
    """The tables of an HTML output: each a list of rows, each row a list of cell texts (``th`` and ``td``)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table_records(html: str, table_number: int) -> list[_Record]:
    """The rows of HF Trainer's notebook progress table(s) in an HTML output, as HF log entries: ``Training Loss``
    is ``loss``, ``Validation Loss`` is ``eval_loss``, any other column a metric ``eval_<name>`` (``F1`` ->
    ``eval_f1``); ``No log`` (and any cell that is no number) is no value. A table is HF's when its header row
    names ``Epoch`` or ``Step`` and ``Training Loss`` or ``Validation Loss``; a row's position is its Epoch cell,
    else its Step cell. fastai's Recorder table (header ``epoch``, ``train_loss`` and/or ``valid_loss``, a column per
    metric, ``time``) is read the same way: ``train_loss`` is ``loss``, ``valid_loss`` ``eval_loss``, other columns
    ``eval_<name>`` (``#na#`` and ``00:12`` are no values), at its ``epoch`` + 1 (fastai counts from 0)."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    records: list[_Record] = []
    for rows in parser.tables:
        rows = [row for row in rows if row]
        if not rows:
            continue
        header = [cell.lower() for cell in rows[0]]
        fastai = "epoch" in header and bool({"train_loss", "valid_loss"} & set(header))
        if not fastai and (
            not ({"epoch", "step"} & set(header)) or not ({"training loss", "validation loss"} & set(header))
        ):
            continue
        table_names = FASTAI_TABLE_NAMES if fastai else HF_TABLE_NAMES
        names = [table_names.get(h) or "eval_" + "_".join(re.findall(r"\w+", h)) for h in header]
        for row in rows[1:]:
            values = {
                name: value
                for name, cell in zip(names, row, strict=False)
                if (value := _number(cell.replace(",", ""))) is not None
            }
            position = values.get("epoch", values.get("step"))
            if position is not None and fastai:
                position += 1  # fastai counts epochs from 0
            if position is not None:
                records.append(_Record("hf", position, values, table_number))
        table_number += 1
    return records


def _text(value: object) -> str:
    """A notebook output's text (a string, or a list of lines)."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _notebook_cells(path: Path) -> list[object]:
    """A Jupyter notebook's cells (nbformat 4, and 3's ``worksheets``)."""
    notebook = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    cells = notebook.get("cells")
    if cells is None:
        cells = [cell for sheet in notebook.get("worksheets", []) for cell in sheet.get("cells", [])]
    return list(cells)


def _notebook_text(path: Path) -> str:
    """A notebook's text outputs (stream ``text``, ``text/plain`` data), in cell order, one per line."""
    parts: list[str] = []
    for cell in _notebook_cells(path):
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if not isinstance(output, dict):
                continue
            data = output.get("data", output)
            if output.get("output_type") == "stream" or "text" in output:
                parts.append(_text(output.get("text")))
            elif isinstance(data, dict):
                parts.append(_text(data.get("text/plain")))
    return "\n".join(parts)


def _notebook_records(path: Path) -> list[_Record]:
    """The records of a Jupyter notebook's cell outputs, in cell order (nbformat 4, and 3's ``worksheets``).

    A cell's text outputs (stream ``text``, ``text/plain`` data) are joined in order and read as console text;
    an ``text/html`` output holding HF Trainer's progress table gives that table's rows (its ``text/plain`` is
    then not read). Each table is numbered, so that a second ``trainer.train()`` starts a run of its own.
    """
    records: list[_Record] = []
    tables = 0
    for cell in _notebook_cells(path):
        pending: list[str] = []
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if not isinstance(output, dict):
                continue
            data = output.get("data", output)  # nbformat 3 keeps "html" / "text" on the output itself
            html = _text(data.get("text/html", data.get("html"))) if isinstance(data, dict) else ""
            found = _table_records(html, tables + 1) if "<table" in html else []
            if found:
                records.extend(_text_records("\n".join(pending)))
                pending = []
                records.extend(found)
                tables = max(record.table for record in found)
                continue
            if output.get("output_type") == "stream" or "text" in output:
                pending.append(_text(output.get("text")))
            elif isinstance(data, dict):
                pending.append(_text(data.get("text/plain")))
        records.extend(_text_records("\n".join(pending)))
    return records


def _console_runs(records: list[_Record]) -> list[list[_Record]]:
    """The records cut into runs: a new run starts where the stream changes (Keras text, HF log, fairseq, Lightning),
    where a new HF progress table starts, or where the epoch counter goes back — for Keras and Lightning, to an
    epoch already passed (each epoch has one record in a run); for HF and fairseq, below a position already passed
    (a training and an evaluation entry share an epoch, a fairseq summary pair its ``num_updates``). A printed
    HF dict after a table (``print(trainer.evaluate())``) continues the table's run unless its position goes back."""
    runs: list[list[_Record]] = []
    highest = -math.inf
    for record in records:
        previous = runs[-1][-1] if runs else None
        back = record.position <= highest if record.stream in ("keras", "pl") else record.position < highest
        new_table = record.table != 0 and (previous is None or previous.table != record.table)
        if previous is None or previous.stream != record.stream or new_table or back:
            runs.append([])
            highest = -math.inf
        runs[-1].append(record)
        highest = max(highest, record.position)
    return runs


def _run_curves(run: list[_Record]) -> Curves:
    """A run's series: Keras names are picked as a Keras CSV's columns (``val_loss`` / ``loss``), HF entries as a
    ``log_history`` (``eval_loss``, else the first ``eval_`` metric; training ``loss``); positions are epochs (HF:
    the entry's ``epoch``, a table row's Epoch, else Step). fairseq: ``valid_loss`` / ``train_loss`` at
    ``num_updates``. Lightning: the validation series as a CSV's, the training loss ``train_loss_epoch``, else
    ``train_loss``, ``loss``, ``train_loss_step``; positions are epochs (0-based + 1)."""
    names = list(dict.fromkeys(name for record in run for name in record.values))
    if run and run[0].stream == "hf":
        train_name = "loss"
        val_name = "eval_loss" if "eval_loss" in names else _pick_metric(names, ("eval_",)) or "eval_loss"
    else:
        val_name, train_name = _pick_series(names)
    if run and run[0].stream == "pl":
        train_name = next((name for name in PL_TRAIN_NAMES if name in names), train_name)

    def points(name: str) -> list[tuple[float, float]]:
        return [(record.position, record.values[name]) for record in run if name in record.values]

    return Curves(val_name, _orient(val_name, points(val_name)), points(train_name))


def _loop_name(raw: str) -> str:
    """A printed name in lower snake case (``Val Acc`` -> ``val_acc``, ``valLoss`` -> ``val_loss``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", raw)
    return "_".join(re.findall(r"[a-z0-9]+", spaced.lower()))


def _loop_pairs(text: str) -> dict[str, float]:
    """The ``name: value`` / ``name = value`` / ``name value`` pairs of one line of a loop's prints, names in lower
    snake case, a percentage as a fraction. A split label (``Val:``) or a name whose first spaced word is a split
    (``val Loss``) gives that split to the later names of the line that name none (``val Loss: 0.5 Acc: 80%``).

    >>> _loop_pairs(", Train Loss: 0.4123, Val Loss: 0.5012, Val Acc: 83.1%")
    {'train_loss': 0.4123, 'val_loss': 0.5012, 'val_acc': 0.831}
    >>> _loop_pairs("val Loss: 0.50 Acc: 0.83")
    {'val_loss': 0.5, 'val_acc': 0.83}
    """
    values: dict[str, float] = {}
    split = ""
    for match in LOOP_PAIR.finditer(text):
        if match.group("split") is not None:
            split = _loop_name(match.group("split"))
            continue
        raw, name = match.group("name"), _loop_name(match.group("name"))
        words = name.split("_")
        splits = [word for word in words if word in LOOP_VAL_WORDS + LOOP_TEST_WORDS + LOOP_TRAIN_WORDS]
        if splits and raw.split()[0].lower() == words[0] and len(raw.split()) > 1:
            split = words[0]
        elif not splits and split:
            name = f"{split}_{name}"
        value = float(match.group("value"))
        values[name] = value / 100 if match.group("percent") else value
    return values


def _loop_records(text: str) -> list[_Record]:
    """The epochs of a loop's prints: each epoch marker (``LOOP_EPOCH``) opens an epoch unless it repeats the open
    one's number; the pairs after the marker and on the lines that follow, up to the next marker, are the epoch's
    values (a later value of a name replaces an earlier one). Lines before the first marker are not read."""
    records: list[_Record] = []
    epoch: _Record | None = None
    for line in ANSI_ESCAPE.sub("", text).split("\n"):
        for update in PROGRESS_SPLIT.split(line):
            marker = LOOP_EPOCH.match(update)
            if marker is not None:
                number = float(marker.group(1) or marker.group(2))
                if epoch is None or number != epoch.position:
                    epoch = _Record("loop", number, {})
                    records.append(epoch)
                update = update[marker.end() :]
            if epoch is not None:
                epoch.values.update(_loop_pairs(update))
    return records


def _pick_loop_series(names: list[str]) -> tuple[str, str]:
    """The validation series and the training loss among a loop's printed names (lower snake case, in the order
    first printed). Validation: a name with a ``LOOP_VAL_WORDS`` word, else with a ``test`` word; its loss, else its
    first metric. Training: a ``loss`` name with a ``train`` / ``training`` word, else ``loss``, else the first
    other ``loss`` name of no validation or test split, else the validation series' training twin. Names holding a
    ``LOOP_SKIP_WORDS`` word or a ``NOT_A_METRIC`` part are no series."""
    measured = [
        name
        for name in names
        if not set(name.split("_")) & set(LOOP_SKIP_WORDS) and not any(part in name for part in NOT_A_METRIC)
    ]
    held_out = [n for n in measured if set(n.split("_")) & set(LOOP_VAL_WORDS)] or [
        n for n in measured if set(n.split("_")) & set(LOOP_TEST_WORDS)
    ]
    val_name = next((n for n in held_out if "loss" in n.split("_")), held_out[0] if held_out else "val_loss")
    losses = [n for n in measured if "loss" in n.split("_") and n not in held_out]
    losses = [n for n in losses if not set(n.split("_")) & set(LOOP_VAL_WORDS + LOOP_TEST_WORDS)]
    trained = [n for n in losses if set(n.split("_")) & set(LOOP_TRAIN_WORDS)]
    twin = "_".join("train" if w in LOOP_VAL_WORDS + LOOP_TEST_WORDS else w for w in val_name.split("_"))
    return val_name, (trained or [n for n in losses if n == "loss"] or losses or [twin])[0]


def _loop_curves(text: str) -> Curves | None:
    """A hand-written loop's per-epoch prints (``_loop_records``), positions its epoch numbers; runs cut where the
    epoch number goes back, the last run with validation values read. None unless that run has at least
    ``LOOP_MIN_EPOCHS`` validation points (the text is then no loop's prints).

    >>> lines = [f"Epoch {e}/20, Train Loss: {1 / e:.3f}, Val Loss: {2 / e:.3f}, Val Acc: {80 + e}%" for e in (1, 2)]
    >>> lines.append("Epoch 3/20, Train Loss: 0.3, Val Loss: 0.6, Val Acc: 83%")
    >>> curves = _loop_curves("\\n".join(lines))
    >>> curves is not None and (curves.val_name, len(curves.val), len(curves.train))
    ('val_loss', 3, 3)
    """
    runs = []
    for run in _console_runs(_loop_records(text)):
        names = list(dict.fromkeys(name for record in run for name in record.values))
        val_name, train_name = _pick_loop_series(names)
        val = [(record.position, record.values[val_name]) for record in run if val_name in record.values]
        train = [(record.position, record.values[train_name]) for record in run if train_name in record.values]
        runs.append(Curves(val_name, _orient(val_name, val), train))
    with_val = [curves for curves in runs if curves.val]
    return with_val[-1] if with_val and len(with_val[-1].val) >= LOOP_MIN_EPOCHS else None


def _read_console(path: Path) -> Curves:
    """Console output (Keras ``fit`` text, HF Trainer log dicts, fairseq summaries, Lightning bars) in a text file,
    or a notebook's cell outputs.

    Several runs in one file: the last run that has validation values is read (a notebook may end with a fit
    without validation); a file with none reads its last run.
    """
    if path.suffix == ".ipynb":
        records = _notebook_records(path)
    else:
        records = _text_records(path.read_text(encoding="utf-8", errors="replace"))
    if not any(record.values for record in records):  # no known writer's value: a loop's own prints, if any
        text = _notebook_text(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8", errors="replace")
        loop = _loop_curves(text)
        if loop is not None:
            return loop
    runs = [_run_curves(run) for run in _console_runs(records)]
    with_val = [curves for curves in runs if curves.val]
    return (with_val or runs or [Curves("val_loss", [], [])])[-1]


def _is_console(path: Path) -> bool:
    """A text file holding Keras ``Epoch N/M`` headers, HF Trainer log dicts, fairseq end-of-epoch summaries or
    PyTorch Lightning tqdm bars (not a CSV)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = ANSI_ESCAPE.sub("", text).split("\n")
    return any(
        KERAS_EPOCH.match(update)
        or _hf_dict(update) is not None
        or _fairseq_summary(update) is not None
        or _pl_bar(update) is not None
        for line in lines
        for update in PROGRESS_SPLIT.split(line)
    )


def read_curves(path: Path) -> Curves:
    """The evaluation and training-loss points of one log file (or of one Keras pair or MLflow run folder)."""
    if path.is_dir():
        return _read_keras_pair(path) if _is_keras_pair(path) else _read_mlflow(path)
    with path.open("rb") as handle:
        is_wandb = handle.read(4) == b":W&B"
    if is_wandb:
        return _read_wandb(path)
    if "tfevents" in path.name:
        return _read_events(path)
    if path.suffix == ".ipynb":
        return _read_console(path)
    if _is_json_lines(path):
        return _read_json_lines(path)
    if path.suffix == ".json":
        return _read_trainer_state(path)
    if path.suffix in CONSOLE_SUFFIXES and _is_console(path):
        return _read_console(path)
    if path.suffix in CONSOLE_SUFFIXES:  # no known writer's output: a loop's own prints, else a CSV
        loop = _loop_curves(path.read_text(encoding="utf-8", errors="replace"))
        if loop is not None:
            return loop
    return _read_csv(path)


def _chunk_means(values: list[float]) -> list[float]:
    n_chunks = min(TRAIN_CHUNKS, len(values))
    bounds = [round(k * len(values) / n_chunks) for k in range(n_chunks + 1)]
    return [statistics.fmean(values[bounds[k] : bounds[k + 1]]) for k in range(n_chunks)]


def label(curves: Curves) -> tuple[str, str]:
    """(label, the figures that decided it) by the rule in LABELLING.md.

    Examples
    --------
    >>> falling = [(float(i), 1.0 - 0.1 * i) for i in range(6)]
    >>> label(Curves("val_loss", [(float(i), v) for i, v in enumerate([1.0, 0.8, 0.7, 0.75, 0.8, 0.9])], falling))[0]
    'overfitting'
    >>> label(Curves("val_loss", [(float(i), v) for i, v in enumerate([1.0, 0.8, 0.7, 0.69, 0.7, 0.69])], falling))[0]
    'healthy'
    >>> label(Curves("val_loss", falling[:3], falling))[0]
    'not_enough'
    >>> label(Curves("val_loss", falling, [(0.0, 1.0), (1.0, 0.9), (2.0, float("nan"))]))[0]
    'optimization'
    >>> label(Curves("val_loss", falling, [(float(i), 1.0 + 0.1 * i) for i in range(6)]))[0]
    'optimization'
    """
    val, train = curves.val, curves.train
    if len(val) < MIN_EVAL_POINTS or not train:
        return "not_enough", f"{len(val)} evaluation points, {len(train)} training-loss points"
    train_values = [value for _, value in train]
    if any(not math.isfinite(value) for value in train_values):
        return "optimization", "training loss has a non-finite value"
    chunks = _chunk_means(train_values)
    first, lowest, last = chunks[0], min(chunks), chunks[-1]
    if len(train_values) >= MIN_TRAIN_POINTS and last > NO_PROGRESS_RATIO * first:
        return "optimization", f"training loss {first:.4g} -> {last:.4g}: fell less than 5%"
    if len(train_values) >= MIN_TRAIN_POINTS and last - lowest > DIVERGED_GIVEBACK * (first - lowest):
        return "optimization", f"training loss {first:.4g} -> min {lowest:.4g} -> {last:.4g}: diverged"
    values = [value for _, value in val]
    best = values.index(min(values))
    after = values[best + 1 :]
    fall = values[0] - values[best]
    figures = f"{curves.val_name}: {len(values)} points, best #{best + 1} {values[best]:.4g}, fall {fall:.4g}"
    if len(after) >= OVERFIT_MIN_AFTER:
        end = statistics.median(after[-OVERFIT_END_POINTS:])
        rise = end - values[best]
        figures += f", end {end:.4g} (rise {rise:.4g})"
        if rise > OVERFIT_RISE_OF_FALL * fall and rise > OVERFIT_RISE_OF_BEST * abs(values[best]):
            best_position = val[best][0]
            before = [value for position, value in train if position <= best_position][-TRAIN_ALIGN_POINTS:]
            at_best = statistics.fmean(before) if before else train_values[0]
            at_end = statistics.fmean(train_values[-TRAIN_ALIGN_POINTS:])
            figures += f"; training loss at best {at_best:.4g}, at end {at_end:.4g}"
            if at_end < at_best:
                return "overfitting", figures
    return "healthy", figures


def main(argv: list[str]) -> int:
    corpus = Path(next((a for a in argv if not a.startswith("--")), HERE))  # another corpus: its folder
    manifest = corpus / "MANIFEST.csv"
    with manifest.open(newline="", encoding="utf-8") as handle:
        entries = list(csv.DictReader(handle))
    for entry in entries:
        verdict, figures = label(read_curves(corpus / entry["file"]))
        print(f"{entry['file']:<48} {verdict:<13} {figures}")
        entry["label"] = verdict
    if "--write" in argv and entries:  # a set that found no file keeps its header-only MANIFEST
        with manifest.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(entries[0].keys()), lineterminator="\n")
            writer.writeheader()
            writer.writerows(entries)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
