"""fastai's Recorder table: the per-epoch table ``learn.fit_one_cycle`` / ``fine_tune`` / ``fit`` shows, and what
its ``CSVLogger`` callback writes.

One table, three places: in a notebook, an HTML table (``text/html``, ``<table class="dataframe">``) per call;
from ``CSVLogger``, a CSV (``history.csv``); from a script, columns of text on its console. All with the header
``epoch, train_loss, valid_loss, <metric>..., time``, one row per epoch counted from 0. Its metric columns are the
validation set's (fastai computes every metric on the validation ``DataLoader``), named without a split:
``accuracy`` there is ``valid_accuracy``, not the training accuracy an unprefixed name means elsewhere. ``#na#``
(no value: a run without a validation set) and ``00:12`` (the epoch's time) are no values. ``fine_tune`` shows two
tables: the frozen epoch's, then the unfrozen epochs'.
"""

from __future__ import annotations

import math

from gapdoctor.inputs.series_names import split_and_body
from gapdoctor.io.log_formats import LoggedRaw

__all__ = ["FASTAI_WRITER", "fastai_names", "fastai_text_runs", "is_fastai_header", "metric_note", "table_points"]

FASTAI_WRITER = "fastai table"
"""A console run read from fastai's Recorder table."""
_LOSSES = {"train_loss", "valid_loss"}
# fastai's metrics as its Learner names their columns -> the names gapdoctor reads (the rest are read as written)
_FASTAI_METRICS = {
    "foreground_acc": "accuracy",  # CamVid's accuracy over the pixels not marked void (fastai 1: acc_camvid)
    "acc_camvid": "accuracy",
    "accuracy_thresh": "accuracy",  # fastai 1's multi-label accuracy at a threshold
    "accuracy_multi": "accuracy",  # multi-label accuracy at a threshold
    "jaccard_coeff": "iou",
    "top_k_accuracy": "top5_accuracy",  # k = 5 by default
    "balanced_accuracy_score": "balanced_accuracy",
}


def is_fastai_header(header: list[str], *, shown: bool = False) -> bool:
    """Whether a table's header is fastai's Recorder's: ``epoch`` first, ``time`` last, ``train_loss`` /
    ``valid_loss`` among its columns. A table ``shown`` in a notebook may lack ``time`` (fastai 1's first releases,
    2018) when it has both losses; a file's ``epoch,train_loss,valid_loss,accuracy`` (no ``time``) is not read as
    fastai's: a loop writes it too, and which split its ``accuracy`` was measured on is not written.

    Examples
    --------
    >>> is_fastai_header(["epoch", "train_loss", "valid_loss", "accuracy", "time"])
    True
    >>> is_fastai_header(["epoch", "train_loss", "valid_loss", "accuracy"]), is_fastai_header(["epoch", "time"])
    (False, False)
    >>> is_fastai_header(["epoch", "train_loss", "valid_loss", "accuracy"], shown=True)
    True
    >>> is_fastai_header(["Epoch", "Training Loss", "Validation Loss", "Accuracy"])  # HF Trainer's
    False
    """
    names = [name.strip() for name in header]
    if len(names) < 3 or names[0] != "epoch":
        return False
    return bool(_LOSSES & set(names)) if names[-1] == "time" else shown and set(names) >= _LOSSES


def fastai_names(header: list[str]) -> dict[str, str]:
    """A fastai table's column -> the name to read it under: the losses and ``epoch`` as written, ``time`` left out
    (absent from the map), every metric the validation set's (``accuracy`` -> ``valid_accuracy``).

    Examples
    --------
    >>> fastai_names(["epoch", "train_loss", "valid_loss", "accuracy", "foreground_acc", "time"])
    {'epoch': 'epoch', 'train_loss': 'train_loss', 'valid_loss': 'valid_loss', 'accuracy': 'valid_accuracy', \
'foreground_acc': 'valid_foreground_acc'}
    >>> fastai_names(["epoch", "train_loss", "valid_loss", "valid_acc", "train_acc"])["valid_acc"]  # a loop's own
    'valid_acc'
    """
    names: dict[str, str] = {}
    for column in (name.strip() for name in header):
        if column == "time":
            continue
        if column == "epoch" or column in _LOSSES or split_and_body(column) or column.lower().startswith("test"):
            names[column] = column  # a name that says its split already is read as written
            continue
        metric = column.lower().replace(" ", "_")
        read = "valid_" + _FASTAI_METRICS.get(metric, metric)
        names[column] = read if read not in names.values() else "valid_" + metric  # one column per name
    return names


def fastai_text_runs(updates: list[tuple[int, str]]) -> list[tuple[int, int, list[LoggedRaw], list[str]]]:
    """``(first line, last line, points, notes)`` of each table fastai printed as text (a script's console: the
    Recorder's header ``epoch     train_loss  valid_loss  accuracy  time``, then a row of numbers per epoch).

    Examples
    --------
    >>> out = ["epoch     train_loss  valid_loss  accuracy  time", "0         0.573113    0.363447    0.845000  00:03",
    ...        "1         0.428420    0.349133    0.850000  00:03"]
    >>> [(name, epoch, value) for name, _, epoch, value in fastai_text_runs(list(enumerate(out)))[0][2][-3:]]
    [('train_loss', 2.0, 0.42842), ('valid_loss', 2.0, 0.349133), ('valid_accuracy', 2.0, 0.85)]
    """
    tables: list[tuple[int, int, list[str], list[list[str]]]] = []  # (first line, last line, header, rows)
    header: list[str] = []
    for number, line in updates:
        cells = line.split()
        if is_fastai_header(cells):
            header = cells
            tables.append((number, number, header, []))
        elif header and len(cells) == len(header) and cells[0].isdigit():
            first, _, _, rows = tables[-1]
            rows.append(cells)
            tables[-1] = (first, number, header, rows)
        elif header and cells and not cells[0].isdigit():
            header = []  # the table ended
    runs = (
        (first, last, table_points(head, rows), metric_note(fastai_names(head))) for first, last, head, rows in tables
    )
    return [run for run in runs if run[2]]


def table_points(header: list[str], rows: list[list[str]]) -> list[LoggedRaw]:
    """The points of one fastai table (its header's cells, then each row's), at the epochs completed: fastai counts
    its rows from 0, its first releases from 1 (read as written).

    Examples
    --------
    >>> table_points(["epoch", "train_loss", "valid_loss", "accuracy", "time"], [["0", "0.5", "#na#", "0.8", "00:03"]])
    [('train_loss', nan, 1.0, 0.5), ('valid_accuracy', nan, 1.0, 0.8)]
    >>> [epoch for _, _, epoch, _ in table_points(["epoch", "train_loss", "valid_loss"], [["1", "0.5", "0.4"]])]
    [1.0, 1.0]

    A ``nan`` the table printed is kept as logged (a training loss NaN from its first epoch is a divergence, or
    no batch trained); ``#na#`` (no validation set) is no value:

    >>> table_points(["epoch", "train_loss", "valid_loss"], [["0", "nan", "#na#"]])
    [('train_loss', nan, 1.0, nan)]
    """
    names = fastai_names(header)
    shift = 1.0 if rows and rows[0][:1] == ["0"] else 0.0
    points: list[LoggedRaw] = []
    for row in rows:
        values = {names[c.strip()]: _number(v) for c, v in zip(header, row, strict=False) if c.strip() in names}
        epoch = values.pop("epoch", None)
        at = math.nan if epoch is None else epoch + shift
        points.extend((name, math.nan, at, v) for name, v in values.items() if v is not None)
    return points


def metric_note(names: dict[str, str]) -> list[str]:
    """The note saying a fastai table's metric columns were read as the validation set's (none without metrics)."""
    metrics = [f"{column} -> {name}" for column, name in names.items() if column != name]
    return [f"fastai's table: its metric columns are the validation set's ({', '.join(metrics)})"] if metrics else []


def _number(cell: str) -> float | None:
    """A table cell's number (``#na#`` and ``00:03`` are none)."""
    try:
        return float(cell)
    except ValueError:
        return None
