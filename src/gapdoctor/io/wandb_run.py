"""Read a Weights & Biases run's history from its ``run-<id>.wandb`` file, natively (wandb is not needed).

W&B writes every run, online or offline, to ``wandb/run-<time>-<id>/run-<id>.wandb`` (``offline-run-...``
offline) in the folder the script ran from, which is why so many repositories hold a ``wandb/`` folder.
The file is a 7-byte header (``:W&B``, the magic ``0xBEE1``, a version byte) and then LevelDB-log
records in 32 KiB blocks: each a 7-byte header (little-endian CRC-32 of its type byte and data, length,
type: 1 whole, 2 first, 3 middle, 4 last piece) and its data; fewer than 7 bytes left in a block are
padding. A record is a protobuf ``wandb_internal.Record``; ``history = 2`` is read (and ``exit = 18``,
written when the run ends: without it the run is said to be unfinished): one
``HistoryRecord`` per ``wandb.log`` call, its ``item = 1`` each a name (``key = 1`` in older versions,
the parts of ``nested_key = 2`` in newer ones, joined by ``/``) and ``value_json = 16``, its
``step = 2`` (``num = 1``) W&B's step. A call's position is the trainer's step when it logged one
(Lightning's ``trainer/global_step``, HF's ``train/global_step``), else W&B's step. Histograms, media
and tables are skipped; the file is read a 32 KiB block at a time. A last record cut short (a run still
writing, or killed) ends the reading, said in a note; a damaged record before it is an error naming its
offset.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.files import open_binary, read_head
from gapdoctor.io.protobuf_wire import Malformed, fields

__all__ = ["WANDB_SUFFIX", "find_wandb_runs", "is_wandb_file", "one_wandb_run", "read_wandb_points"]

WANDB_SUFFIX = ".wandb"
_IDENT = b":W&B"
_HEADER = 7
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_KINDS = (_FULL, _FIRST, _MIDDLE, _LAST)
_HISTORY = 2
_EXIT = 18  # Record.exit: written once, when the run ends
_ITEM, _STEP = 1, 2
_KEY, _NESTED_KEY, _VALUE_JSON = 1, 2, 16
# Logged beside each call by the integrations: the trainer's own step, read as the call's position.
_TRAINER_STEPS = ("trainer/global_step", "train/global_step", "global_step")


def is_wandb_file(path: Path) -> bool:
    """Whether a file starts with W&B's run-file header."""
    return read_head(path, len(_IDENT)) == _IDENT


def _records(path: Path, notes: list[str]) -> Iterator[bytes]:
    """The whole records of a run file, pieces joined, read a block at a time; a last one cut short is left
    out, said."""
    pending = b""
    with open_binary(path) as handle:
        handle.seek(_HEADER)
        start, block = 0, _HEADER * b"\0" + handle.read(_BLOCK - _HEADER)  # the file's header: skipped
        pos = _HEADER
        while True:
            if len(block) - pos < _HEADER:  # the block's padding (or the file's end)
                if len(block) < _BLOCK:
                    return
                start, block, pos = start + _BLOCK, handle.read(_BLOCK), 0
                continue
            crc, length, kind = struct.unpack_from("<IHB", block, pos)
            if kind == 0 and length == 0:  # zeros after the last record (a preallocated or padded file)
                return
            chunk = block[pos + _HEADER : pos + _HEADER + length]
            if len(chunk) < length and len(block) < _BLOCK:
                notes.append(f"the last record of {path.name} was cut short (the run was still writing): not read")
                return
            if len(chunk) < length or zlib.crc32(bytes([kind]) + chunk) != crc or kind not in _KINDS:
                raise GapdoctorInputError(
                    str(path),
                    f"has a damaged record at byte {start + pos} (its checksum does not match)",
                    "pass the run file as W&B wrote it (copied whole, not edited)",
                )
            pos += _HEADER + length
            if kind == _FULL:
                yield chunk
            elif kind == _FIRST:
                pending = chunk
            elif kind == _MIDDLE:
                pending += chunk
            else:
                yield pending + chunk
                pending = b""


def _number(value_json: str) -> float | None:
    try:
        value = json.loads(value_json)
    except ValueError:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None  # histograms, images, tables: objects


def _history_row(record: bytes) -> tuple[dict[str, float], float, bool]:
    """A ``wandb.log`` call's numbers, W&B's step (NaN when the record holds no history), and whether the record
    is the run's end (``exit``)."""
    row: dict[str, float] = {}
    step = math.nan
    ended = False
    for number, _, value in fields(record):
        ended = ended or number == _EXIT
        if number != _HISTORY or not isinstance(value, bytes):
            continue
        step = 0.0
        for field, _, part in fields(value):
            if field == _STEP and isinstance(part, bytes):
                step = float(next((v for n, _, v in fields(part) if n == 1 and isinstance(v, int)), 0))
            if field != _ITEM or not isinstance(part, bytes):
                continue
            names, key, number_json = [], "", None
            for item_field, _, item in fields(part):
                if not isinstance(item, bytes):
                    continue
                if item_field == _KEY:
                    key = item.decode("utf-8", "replace")
                elif item_field == _NESTED_KEY:
                    names.append(item.decode("utf-8", "replace"))
                elif item_field == _VALUE_JSON:
                    number_json = _number(item.decode("utf-8", "replace"))
            name = key or "/".join(names)
            if name and number_json is not None:
                row[name] = number_json
    return row, step, ended


def read_wandb_points(path: Path, notes: list[str]) -> list[tuple[str, int, float]]:
    """``(name, step, value)`` of every number a run's ``wandb.log`` calls logged, in the order logged."""
    if not is_wandb_file(path):
        raise GapdoctorInputError(str(path), "is not a W&B run file (no :W&B header)", "pass run-<id>.wandb")
    calls: list[tuple[int, dict[str, float]]] = []
    finished = False
    try:
        for record in _records(path, notes):
            row, step, ended = _history_row(record)
            finished = finished or ended
            if not row:
                continue
            position = next((row[k] for k in _TRAINER_STEPS if k in row), row.get("_step", step))
            calls.append((int(position), {name: v for name, v in row.items() if name not in _TRAINER_STEPS}))
    except Malformed as error:
        raise GapdoctorInputError(
            str(path), f"holds a record that is not a W&B message ({error})", "pass run-<id>.wandb as W&B wrote it"
        ) from None
    cycles = _one_series_calls(calls)
    if cycles is not None:
        calls = cycles
        notes.append(
            f"{path.name} logs one series per wandb.log call, in the same order each round (an early YOLOv5 logger):"
            " each round of calls is read as one point"
        )
    points = [(name, position, value) for position, row in calls for name, value in row.items()]
    if points and not finished:
        notes.append(f"{path.name} has no end-of-run record: the run was still running or was stopped; read so far")
    return points


def _one_series_calls(calls: list[tuple[int, dict[str, float]]]) -> list[tuple[int, dict[str, float]]] | None:
    """The calls merged into rounds when every call logged one series (W&B's own ``_step``, ``_runtime``... aside)
    and the series come round in one order (``train/box_loss``, ``train/obj_loss``, ..., ``val/cls_loss``, then
    ``train/box_loss`` again): each round is one point, at its first call's position. None otherwise.

    Examples
    --------
    >>> calls = [(i, {name: float(i), "_step": float(i)}) for i, name in enumerate(["loss", "val_loss"] * 2)]
    >>> _one_series_calls(calls)
    [(0, {'loss': 0.0, 'val_loss': 1.0}), (2, {'loss': 2.0, 'val_loss': 3.0})]
    >>> _one_series_calls([(0, {"loss": 1.0, "val_loss": 2.0}), (1, {"loss": 0.5, "val_loss": 1.5})]) is None
    True
    """
    named = [[name for name in row if not name.startswith("_")] for _, row in calls]
    if len(calls) < 4 or any(len(names) != 1 for names in named):
        return None
    order: list[str] = []
    for (name,) in named:
        if name in order:
            break
        order.append(name)
    if len(order) < 2 or any(names[0] != order[i % len(order)] for i, names in enumerate(named)):
        return None
    rounds: list[tuple[int, dict[str, float]]] = []
    for i, ((position, row), (name,)) in enumerate(zip(calls, named, strict=True)):
        if i % len(order) == 0:
            rounds.append((position, {}))
        rounds[-1][1][name] = row[name]
    return rounds


def find_wandb_runs(path: Path) -> list[Path]:
    """The run files under a folder (a run folder, ``wandb/``, or the project folder holding it), sorted."""
    found = {f.resolve() for f in path.rglob("*" + WANDB_SUFFIX) if f.is_file() and is_wandb_file(f)}
    return sorted(found)


def one_wandb_run(path: Path, runs: list[Path], notes: list[str]) -> Path:
    """The run file to read among a folder's: the only one, else the one ``latest-run`` links to.

    Raises
    ------
    GapdoctorInputError
        Several runs and no ``latest-run`` link to one of them: the runs are listed, latest first.
    """
    if len(runs) == 1:
        return runs[0]
    for link in (path / "latest-run", path / "wandb" / "latest-run"):
        if link.is_dir():
            linked = [run for run in runs if link.resolve() in run.parents]
            if len(linked) == 1:
                notes.append(f"read {linked[0].parent.name}, the run wandb/latest-run links to ({len(runs)} runs)")
                return linked[0]
    folders = sorted((run.parent.name for run in runs), key=lambda name: name.split("-")[-2:], reverse=True)
    listed = ", ".join(folders[:10]) + (f" and {len(folders) - 10} more" if len(folders) > 10 else "")
    raise GapdoctorInputError(
        str(path),
        f"holds {len(runs)} W&B runs ({listed}; latest first)",
        "point --history at one run folder (wandb/run-<time>-<id>)",
    )
