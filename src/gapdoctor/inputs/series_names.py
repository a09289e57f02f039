"""Series names as loggers write them, mapped to gapdoctor's vocabulary, and what the series hold.

``loss`` -> ``train_loss``, ``eval_acc`` -> ``val_accuracy``, ``learning_rate`` / ``lr-Adam``
-> ``lr``, ``eval_wer`` -> ``val_wer``, ``test_acc`` -> ``test_accuracy``: every check asks for
``history.get("val_loss")`` whatever wrote the log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

import numpy as np

from gapdoctor.inputs.series_aliases import METRIC_ALIASES, singular, torchmetrics_metric
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.metrics import METRICS

__all__ = [
    "LIGHTNING_LOADER",
    "PER_BATCH_SUFFIXES",
    "SPLIT_PREFIXES",
    "clean_name",
    "fractions_from_percentages",
    "loss_from_metrics",
    "normalise_series_name",
    "preference",
    "split_and_body",
    "validation_from_test_curves",
]


# Lower-is-better metrics that are losses in all but name, in order of preference, for runs
# that log no loss (regressions logging mse / mae).
_LOSS_LIKE_METRICS = ("log_loss", "mse", "rmse", "mae")
# A test series logged at this many positions or more is a curve watched during training, not a final test row.
_TEST_CURVE_POSITIONS = 3
# A bounded metric whose largest value passes 1 by more than this was logged in percent.
_PERCENT_TOLERANCE = 1e-9
SPLIT_PREFIXES = {
    "train": "train",
    "training": "train",
    "tr": "train",
    "trn": "train",  # fastai's and many Kaggle loops' abbreviation: trn_loss
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "dev": "val",
}
"""A split's names as loggers write them (``trn``, ``valid``, ``eval``...) -> ``train`` / ``val``."""
_AUXILIARY = {
    "lr": "lr",
    "learning_rate": "lr",
    "grad_norm": "grad_norm",
    "gradient_norm": "grad_norm",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "batch_size": "batch_size",
}
# The loss itself, however its logger qualified it: Detectron2's sum of its terms, an average over the batches;
# "cost", as courses and NumPy loops name it ("Cost after iteration 100", "cost: train 0.70 test 0.65").
_PLAIN_LOSS = {"loss", "total_loss", "mean_loss", "avg_loss", "average_loss", "loss_mean", "loss_avg", "running_loss"}
_PLAIN_LOSS |= {"cost"}
PER_BATCH_SUFFIXES = ("step", "batch")
"""A raw name ending so was logged once per optimiser step (Lightning's ``train_loss_step``, ``train_loss_batch``)."""
_INDEX_NAMES = {"epoch", "epochs", "step", "global_step", "time", "timestamp", "wall_time", "runtime"}
_INDEX_NAMES |= {"iter", "iteration", "iters"}  # Detectron2's and MMCV's JSON lines
_INDEX_NAMES |= {"stopped", "restored"}  # EarlyStopping's stopped_epoch / restored_epoch (MLflow's Keras autolog)
_SPLITS_NAMED = {*SPLIT_PREFIXES, "test"}  # a first segment naming a split is read as written, never dropped
# A word a loop puts before the split's name, saying how the epoch's value was taken ("====> Epoch: 3 Average train
# loss: 0.0160, Average val loss: 0.0151", "mean_val_acc", "total_val_loss"): the split's series all the same.
_SPLIT_SET = re.compile(r"^((?:train|training|val|valid|validation|eval|dev|test)_)(?:set|split|data)_(?=[a-z])")
_QUALIFIER = re.compile(r"(?:average|avg|mean|running|overall)_(?=[a-z])")
_QUALIFIED_SPLIT = re.compile(
    r"^(?:average|avg|mean|total|running|overall)_(?=(?:train|training|trn|val|valid|validation|eval|dev|test)_)"
)
# Keras names a metric object's second and later instances in one session "precision_1", "auc_2" (and their
# "val_" twins): the number counts objects, it is no part of the metric's name.
_KERAS_INSTANCE = re.compile(r"(.+?)_(\d+)")
# Namespaces of evaluators that score the held-out set and nothing else: an unprefixed metric in one is validation
# (Ultralytics' "metrics/mAP50(B)", Detectron2's "bbox/AP", MMEngine's "coco/bbox_mAP", "pascal_voc/mAP").
_EVALUATOR_NAMESPACES = {"metrics", "bbox", "segm", "keypoints", "sem_seg", "coco", "pascal_voc"}

# Lightning's suffix on each series of a run with several validation (or test) loaders: "val_loss/dataloader_idx_1".
LIGHTNING_LOADER = re.compile(r"/dataloader_idx_(\d+)$")


def clean_name(raw: str) -> str:
    """Lower case, one underscore between words, without the per-epoch / per-step suffix (``val_loss_epoch``)."""
    name = re.sub(r"[^0-9a-z]+", "_", raw.strip().lower()).strip("_")
    return re.sub(r"_(epoch|step|batch)$", "", name)  # Lightning's "val_loss_epoch", "train_loss_batch"


def normalise_series_name(raw: str, *, metrics: Collection[str] = ()) -> str | None:
    """Map a logged series name to gapdoctor's vocabulary.

    Parameters
    ----------
    raw : str
        A name as a logger wrote it (``"val/acc"``, ``"eval_loss"``, ``"loss"``...).
    metrics : collection of str, default=()
        Extra metric names to accept (a user's own ``metric=``).

    Returns
    -------
    str or None
        ``"train_loss"``, ``"val_<metric>"``, ``"lr"``... ; ``""`` for index columns
        (epoch, step, time) that are not series; None when the name is not understood.

    Examples
    --------
    >>> normalise_series_name("eval/acc")
    'val_accuracy'
    >>> normalise_series_name("loss")
    'train_loss'
    >>> normalise_series_name("learning_rate")
    'lr'
    >>> normalise_series_name("Loss/valid"), normalise_series_name("val_acc_epoch")
    ('val_loss', 'val_accuracy')
    >>> normalise_series_name("eval_wer"), normalise_series_name("test_acc"), normalise_series_name("epoch_loss")
    ('val_wer', 'test_accuracy', 'train_loss')
    >>> normalise_series_name("lr-Adam"), normalise_series_name("train/learning_rate")
    ('lr', 'lr')
    >>> normalise_series_name("train_loss_batch"), normalise_series_name("ptl/val_loss")
    ('train_loss', 'val_loss')
    >>> normalise_series_name("metrics/mAP50-95(B)"), normalise_series_name("metrics/mAP_0.5")
    ('val_map', 'val_map_50')
    >>> normalise_series_name("bbox/AP"), normalise_series_name("coco/bbox_mAP_50"), normalise_series_name("segm/AP")
    ('val_map', 'val_map_50', None)
    >>> normalise_series_name("val_precision_1"), normalise_series_name("mean_io_u_5"), normalise_series_name("top_5")
    ('val_precision', 'train_iou', None)
    >>> normalise_series_name("Acc@1"), normalise_series_name("val_acc@5")  # "@k": top-k, no Keras instance
    ('train_accuracy', 'val_top5_accuracy')
    >>> normalise_series_name("val_losses"), normalise_series_name("train_accs")
    ('val_loss', 'train_accuracy')
    >>> normalise_series_name("val_acc/dataloader_idx_0"), normalise_series_name("val_acc/dataloader_idx_1")
    ('val_accuracy', None)
    >>> normalise_series_name("eval_validation_loss"), normalise_series_name("eval_test_accuracy")  # HF's dict
    ('val_loss', 'test_accuracy')
    >>> normalise_series_name("Average val loss"), normalise_series_name("avg_train_acc")  # a loop's qualifier
    ('val_loss', 'train_accuracy')
    >>> normalise_series_name("validation_avg_accuracy"), normalise_series_name("mean_average_precision")
    ('val_accuracy', 'train_map')
    >>> normalise_series_name("Test set loss"), normalise_series_name("val_set_acc")
    ('test_loss', 'val_accuracy')
    """
    loader = LIGHTNING_LOADER.search(raw.strip())
    if loader is not None:  # Lightning's series of one of several validation loaders: the first loader's are read
        first = loader.group(1) == "0"
        return normalise_series_name(raw.strip()[: loader.start()], metrics=metrics) if first else None
    raw = re.sub(r"\((B|M|P)\)$", "", raw.strip())  # Ultralytics' box / mask / pose metrics: "metrics/mAP50(B)"
    name = _normalised(raw, metrics)
    instance = _KERAS_INSTANCE.fullmatch(clean_name(raw)) if re.search(r"_\d+$", raw) else None
    if name is None and instance is not None:  # Keras numbers a metric's later instances: "val_precision_1"
        counted = _normalised(instance.group(1), metrics)
        if counted is not None and counted.partition("_")[2] in {*METRICS, *metrics}:
            return counted
    namespace, _, rest = raw.partition("/")
    if name is None and rest and split_and_body(rest) is not None and clean_name(namespace) not in _SPLITS_NAMED:
        # a namespace in front of a split's series: Ray Tune's Lightning example logs "ptl/val_loss"
        return normalise_series_name(rest, metrics=metrics)
    if clean_name(namespace) in _EVALUATOR_NAMESPACES and rest and split_and_body(rest) is None:
        if name is None and clean_name(namespace) == "metrics":
            name = normalise_series_name(rest, metrics=metrics)  # Ultralytics YOLO's "metrics/mAP_0.5"
        if name is None or not name.startswith("train_") or name == "train_loss":
            return None if name and name.startswith("train_") else name
        return "val_" + name[len("train_") :]
    return name


def _normalised(raw: str, metrics: Collection[str]) -> str | None:
    """:func:`normalise_series_name` of the name as written."""
    name = clean_name(raw)
    name = re.sub(r"(^|_)epoch_", r"\1", name)  # Keras' TensorBoard tags: "epoch_loss", "validation/epoch_loss"
    name = _QUALIFIED_SPLIT.sub("", name)  # a loop's "Average train loss", "mean_val_acc": the split's series
    name = _SPLIT_SET.sub(r"\1", name)  # "Test set loss" (PyTorch's VAE example), "val_set_acc": the split's series
    if name in _INDEX_NAMES:
        return ""
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    if re.match(r"(lr|learning_rate)_", name):  # Lightning's LearningRateMonitor: "lr-Adam", "lr-SGD/pg1"
        return "momentum" if name.endswith("momentum") else "lr"
    split = "train"
    head, _, rest = name.partition("_")
    if rest and head == "test":
        inner = normalise_series_name(rest, metrics=metrics)
        return None if not inner or not inner.startswith("train_") else "test_" + inner[len("train_") :]
    body, _, tail = name.rpartition("_")
    named_set = rest.partition("_")[0]
    if head == "eval" and named_set in _SPLITS_NAMED and SPLIT_PREFIXES.get(named_set) != "train":
        # HF Trainer's eval_dataset dict names each set's series "eval_<set>_<metric>": "eval_validation_loss"
        inner = normalise_series_name(rest, metrics=metrics)
        return None if not inner or inner.startswith("train_") else inner
    if rest and head in SPLIT_PREFIXES:
        split, name = SPLIT_PREFIXES[head], rest
    elif body and tail in SPLIT_PREFIXES:  # TensorBoard's "Loss/train", "Accuracy/val"
        split, name = SPLIT_PREFIXES[tail], body
    elif body and tail == "test":
        inner = normalise_series_name(body, metrics=metrics)
        return None if not inner or not inner.startswith("train_") else "test_" + inner[len("train_") :]
    found = _body_name(name, split, metrics)
    single = singular(name) if found is None else None  # a loop's lists, named for what they hold: "val_losses"
    return _body_name(single, split, metrics) if single is not None else found


def _body_name(name: str, split: str, metrics: Collection[str]) -> str | None:
    """The series a name without its split prefix means in ``split`` (``"loss"`` -> ``"val_loss"``), or None."""
    if name in _AUXILIARY:
        return _AUXILIARY[name]
    if name in _PLAIN_LOSS:  # Detectron2's "total_loss" (the sum of its terms); a loop's "mean loss", "avg_loss"
        return f"{split}_loss"
    name = METRIC_ALIASES.get(name) or torchmetrics_metric(name) or name
    if name in METRICS or name in metrics:
        return f"{split}_{name}"
    # Ignite's "Avg accuracy", a loop's "mean_f1": the metric itself; a metric only ("avg_loss" is a plain loss by
    # name, and "avg_cost", a routing model's cost, stays a series of its own)
    qualified = _QUALIFIER.match(name)
    if qualified is None:
        return None
    metric = name[qualified.end() :]
    metric = METRIC_ALIASES.get(metric) or metric
    return f"{split}_{metric}" if metric in METRICS or metric in metrics else None


def preference(
    raw: str, name: str, points: list[tuple[str, float, float, float]], chosen: Collection[str]
) -> tuple[bool, int, int]:
    """Higher wins among raw names meaning one series: mapped, then per-epoch, then most values."""
    lowered = raw.lower()
    level = 2 if lowered.endswith("epoch") else 0 if lowered.endswith(PER_BATCH_SUFFIXES) else 1
    finite = sum(1 for p in points if math.isfinite(p[3]))
    return raw in chosen, level, finite


def validation_from_test_curves(positions: Mapping[str, int]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``test_*`` curves to read as validation in a run that logged no validation series, and the note.

    Research training scripts evaluate their held-out split every epoch and log it as ``test_*``
    (facebookresearch's DeiT, MAE, DINO and DETR ``log.txt``: ``test_loss``, ``test_acc1``): that is
    the curve the run watched. A test series logged at :data:`_TEST_CURVE_POSITIONS` positions or
    more is such a curve; one logged once (Lightning's ``trainer.test`` row) stays a test value.

    Parameters
    ----------
    positions : mapping of str to int
        Normalised series name -> the number of distinct positions it was logged at.

    Returns
    -------
    dict of str to str, and tuple of str
        ``test_<x>`` -> ``val_<x>`` (empty when a validation series was logged), and the note.

    Examples
    --------
    >>> validation_from_test_curves({"train_loss": 30, "test_loss": 30, "test_accuracy": 30})[0]
    {'test_loss': 'val_loss', 'test_accuracy': 'val_accuracy'}
    >>> validation_from_test_curves({"train_loss": 30, "val_loss": 30, "test_loss": 30})[0]
    {}
    >>> validation_from_test_curves({"train_loss": 30, "test_loss": 1})[0]
    {}
    """
    if any(name.startswith("val_") for name in positions):
        return {}, ()
    renamed = {
        name: "val_" + name[len("test_") :]
        for name, count in positions.items()
        if name.startswith("test_") and count >= _TEST_CURVE_POSITIONS
    }
    if not renamed:
        return {}, ()
    listed = ", ".join(sorted(renamed))
    return renamed, (f"no validation series was logged: {listed}, logged during training, read as validation",)


def loss_from_metrics(series: dict[str, FloatArray]) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """No loss logged (a regression run logging mse/mae): the loss-like metric stands in for it, said so."""
    if "train_loss" in series:
        return series, ()
    for metric in _LOSS_LIKE_METRICS:
        train = series.get(f"train_{metric}")
        if train is not None and np.isfinite(train).any():
            out = {**series, "train_loss": train}
            used = [f"train_{metric}"]
            val = series.get(f"val_{metric}")
            if "val_loss" not in series and val is not None:
                out["val_loss"] = val
                used.append(f"val_{metric}")
            return out, (f"no loss was logged: {' and '.join(used)} read as the loss",)
    return series, ()


def split_and_body(raw: str) -> tuple[str, str] | None:
    """``("train" | "val", body)`` of a name with a split prefix or suffix (``train_elbo_loss``, ``elbo_loss/val``)."""
    name = clean_name(raw)
    head, _, rest = name.partition("_")
    body, _, tail = name.rpartition("_")
    if rest and head in SPLIT_PREFIXES:
        return SPLIT_PREFIXES[head], rest
    if body and tail in SPLIT_PREFIXES:
        return SPLIT_PREFIXES[tail], body
    return None


def fractions_from_percentages(
    series: Mapping[str, FloatArray], metrics: Collection[str]
) -> tuple[dict[str, FloatArray], tuple[str, ...]]:
    """Bounded metrics logged in percent (0-100) are read as fractions, and said so."""
    out: dict[str, FloatArray] = {}
    converted: list[str] = []
    for name, values in series.items():
        metric = name.partition("_")[2]
        info = METRICS.get(metric)
        finite = values[np.isfinite(values)]
        if (
            info is not None
            and info.bounded
            and metric not in metrics
            and len(finite)
            and float(finite.max()) > 1.0 + _PERCENT_TOLERANCE
            and float(finite.max()) <= 100.0 + _PERCENT_TOLERANCE
            and float(finite.min()) >= 0.0
        ):
            out[name] = values / 100.0
            converted.append(name)
        else:
            out[name] = values
    notes = (f"read as percentages (0-100), divided by 100: {', '.join(converted)}",) if converted else ()
    return out, notes
