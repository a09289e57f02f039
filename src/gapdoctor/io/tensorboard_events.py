"""Read scalar curves from TensorBoard event files, natively.

An event file (``events.out.tfevents.*``) is a TFRecord stream: each record is

    uint64 length | uint32 masked CRC32C of length | data[length] | uint32 masked CRC32C of data

(little-endian; ``masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8``). Each ``data``
is a serialised ``tensorflow.Event`` protobuf. Only the fields that carry scalars are
decoded here, so neither tensorboard nor tensorflow nor protobuf is needed:

- ``Event``: ``step = 2`` (varint), ``summary = 5`` (message);
- ``Summary``: ``value = 1`` (repeated message);
- ``Summary.Value``: ``tag = 1`` (string), ``simple_value = 2`` (float32),
  ``tensor = 8`` (TensorProto);
- ``TensorProto``: ``dtype = 1``, ``tensor_content = 4`` (raw bytes),
  ``float_val = 5``, ``double_val = 6``, ``int_val = 7``, ``int64_val = 10``.

Histograms, images, text and graphs are skipped.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.files import open_binary
from gapdoctor.io.protobuf_wire import Malformed, fields, varint

__all__ = ["EVENT_FILE_MARKER", "ScalarPoint", "find_event_files", "masked_crc32c", "read_event_scalars"]

EVENT_FILE_MARKER = "tfevents"
ScalarPoint = tuple[str, int, float]
"""(tag, step, value)."""

_MASK_DELTA = 0xA282EAD8
_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_INT64 = 1, 2, 3, 9
_RAW_FORMATS = {_DT_FLOAT: "<f", _DT_DOUBLE: "<d", _DT_INT32: "<i", _DT_INT64: "<q"}


def _crc32c_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc32c_table()


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC32C (Castagnoli) of ``data``, masked as TFRecord stores it.

    Examples
    --------
    >>> hex(_crc32c(b"123456789"))  # the standard CRC-32C check value
    '0xe3069283'
    """
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


_CHECKED_BYTES = 1 << 16  # records up to this size are checksummed as read; larger ones when a scalar is read


def _records(path: Path) -> Iterator[tuple[bytes, int | None]]:
    """Yield the records of a TFRecord file, checking framing and both CRCs, reading one record at a time.

    A record over ``_CHECKED_BYTES`` (an image, audio, a histogram) comes with its data CRC unchecked: a
    CRC32C in Python costs about a second per megabyte, and such a record holds no scalar unless it is a
    merged summary, whose CRC the reader checks when it reads a scalar from it.
    """
    with open_binary(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        offset, index = 0, 0
        while offset < size:
            where = f"record {index} at byte {offset} ({index} records were readable)"
            header = handle.read(12)
            if len(header) < 12:
                raise _broken(path, f"is truncated inside the header of {where}")
            (length,) = struct.unpack("<Q", header[:8])
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc32c(header[:8]) != length_crc:
                raise _broken(path, f"has a corrupted length in {where}")
            if offset + 12 + length + 4 > size:
                raise _broken(path, f"is truncated inside {where}")
            data = handle.read(length)
            (data_crc,) = struct.unpack("<I", handle.read(4))
            if length > _CHECKED_BYTES:
                yield data, data_crc
            elif masked_crc32c(data) != data_crc:
                raise _broken(path, f"has corrupted data in {where} (CRC mismatch)")
            else:
                yield data, None
            offset, index = offset + 12 + length + 4, index + 1


def _intact(record: bytes, unchecked_crc: int | None) -> bool:
    """Whether a record matches the CRC left unchecked when it was read (None: checked then)."""
    return unchecked_crc is None or masked_crc32c(record) == unchecked_crc


def _broken(path: Path, problem: str) -> GapdoctorInputError:
    return GapdoctorInputError(
        str(path),
        problem,
        "the writer was probably killed mid-write: copy the file and cut it at the last complete record, "
        "or re-run with the writer flushed and closed",
    )


def _tensor_scalar(tensor: bytes) -> float | None:
    """The single number held by a TensorProto, or None when it is not one number."""
    dtype = 0
    numbers: list[float] = []
    raw = b""
    for number, wire, value in fields(tensor):
        if number == 1 and isinstance(value, int):
            dtype = value
        elif number == 4 and isinstance(value, bytes):
            raw = value
        elif number == 5 and isinstance(value, bytes):  # float_val: packed or one fixed32
            numbers.extend(struct.unpack(f"<{len(value) // 4}f", value))
        elif number == 6 and isinstance(value, bytes):  # double_val
            numbers.extend(struct.unpack(f"<{len(value) // 8}d", value))
        elif number in (7, 10):  # int_val / int64_val: one varint, or packed varints
            if isinstance(value, int):
                numbers.append(float(value))
            elif wire == 2:
                pos = 0
                while pos < len(value):
                    item, pos = varint(value, pos)
                    numbers.append(float(item))
    if raw and dtype in _RAW_FORMATS:
        fmt = _RAW_FORMATS[dtype]
        if len(raw) == struct.calcsize(fmt):
            return float(struct.unpack(fmt, raw)[0])
        return None
    return numbers[0] if len(numbers) == 1 and dtype in _RAW_FORMATS else None


def _event_scalars(event: bytes) -> Iterator[ScalarPoint]:
    step = 0
    summaries: list[bytes] = []
    for number, _, value in fields(event):
        if number == 2 and isinstance(value, int):
            step = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 5 and isinstance(value, bytes):
            summaries.append(value)
    for summary in summaries:
        for number, _, value in fields(summary):
            if number != 1 or not isinstance(value, bytes):
                continue
            tag, scalar = "", None
            for field_number, _, field in fields(value):
                if field_number == 1 and isinstance(field, bytes):
                    tag = field.decode("utf-8", errors="replace")
                elif field_number == 2 and isinstance(field, bytes):
                    scalar = float(struct.unpack("<f", field)[0])
                elif field_number == 8 and isinstance(field, bytes):
                    scalar = _tensor_scalar(field)
            if tag and scalar is not None:
                yield tag, step, scalar


# Sub-directories that hold one split of a run (Keras' TensorBoard callback writes train/ and validation/).
_SPLIT_FOLDERS = {"train", "training", "validation", "valid", "val", "eval", "evaluation", "test"}
_SPLIT_WORDS = _SPLIT_FOLDERS | {"tr", "dev"}


def _in_split(folder: str, tag: str, *, alone: bool) -> str:
    """A tag as read from an event file in ``folder``: the folder names the split of a tag that names none.

    Keras' TensorBoard callback writes ``epoch_loss`` into both ``train/`` and ``validation/``: the
    folder is the only place the split is said, whether the two folders are read together or one
    alone. A tag naming its own split (``val_loss``, ``Loss/train``) is read as written; so is any tag
    but Keras' (``epoch_*``, ``batch_*``) in a split-named folder read ``alone``, which may name a whole
    run (Ultralytics writes ``runs/detect/train/`` with its ``metrics/mAP50(B)`` and ``val/box_loss``).
    """
    words = set(re.split(r"[^0-9a-z]+", tag.lower()))
    keras = tag.startswith(("epoch_", "batch_"))
    return f"{folder}/{tag}" if folder and not words & _SPLIT_WORDS and (keras or not alone) else tag


def _with_sibling_splits(files: list[Path]) -> list[Path]:
    """Files of one split folder (Keras' ``validation/``) with those of the split folders beside it.

    One folder of such a pair holds half a run: pointed at ``logs/validation`` (or a file in it),
    the training curves are in ``logs/train``, so both are read, as from ``logs``.
    """
    folder = files[0].parent
    if folder.name.lower() not in _SPLIT_FOLDERS or any(f.parent != folder for f in files):
        return files
    siblings = sorted(
        p
        for other in folder.parent.iterdir()
        if other.is_dir() and other != folder and other.name.lower() in _SPLIT_FOLDERS
        for p in other.iterdir()
        if p.is_file() and EVENT_FILE_MARKER in p.name
    )
    return sorted(files + siblings) if siblings else files


def find_event_files(path: Path) -> list[Path]:
    """The event files of one run: ``path`` itself, or those in a run directory.

    A file or directory of one split (Keras' ``validation/``) comes with the event files of the
    split folders beside it (``train/``), which hold the rest of the run.

    A directory's own event files are used when it has any (TensorBoard starts a new
    file on every restart; they are read in name order, which is time order). Otherwise
    the one sub-directory holding event files is used; several are ambiguous, except
    sub-directories named after splits (Keras' ``train/`` and ``validation/``), which are
    one run: a tag naming no split is read with the folder name in front
    (``validation/epoch_loss``), as it is from one such folder's file read alone.
    """
    if path.is_file():
        return _with_sibling_splits([path])
    own = sorted(p for p in path.iterdir() if p.is_file() and EVENT_FILE_MARKER in p.name)
    if own:
        return _with_sibling_splits(own)
    nested = sorted(p for p in path.rglob(f"*{EVENT_FILE_MARKER}*") if p.is_file())
    folders = sorted({p.parent for p in nested})
    if len(folders) > 1 and all(f.name.lower() in _SPLIT_FOLDERS and f.parent == folders[0].parent for f in folders):
        return nested
    if len(folders) > 1:
        listed = ", ".join(str(f.relative_to(path)) for f in folders[:10])
        raise GapdoctorInputError(
            str(path), f"holds event files of {len(folders)} runs ({listed})", "point at one run's directory"
        )
    return nested


def read_event_scalars(path: Path, files: list[Path] | None = None) -> list[ScalarPoint]:
    """Every scalar in a run's event files, in the order written.

    Parameters
    ----------
    path : Path
        An ``events.out.tfevents.*`` file or a run directory.
    files : list of Path, optional
        Its event files, when :func:`find_event_files` already listed them.

    Returns
    -------
    list of (tag, step, value)

    Raises
    ------
    GapdoctorInputError
        Truncated or corrupted files (naming the file and how many records were
        readable), or no event file.
    """
    files = find_event_files(path) if files is None else files
    if not files:
        raise GapdoctorInputError(str(path), "holds no TensorBoard event file", "point at a SummaryWriter log_dir")
    points: list[ScalarPoint] = []
    several = len({f.parent for f in files}) > 1
    for file in files:
        split = file.parent.name if several or file.parent.name.lower() in _SPLIT_FOLDERS else ""
        named: dict[str, str] = {}  # each tag read once with its split, not once per point
        for index, (record, unchecked_crc) in enumerate(_records(file)):
            try:
                scalars = list(_event_scalars(record))
            except (Malformed, struct.error) as error:
                why = str(error) if _intact(record, unchecked_crc) else "CRC mismatch"
                problem = f"record {index} is not a valid Event ({why}; {index} records were readable)"
                raise _broken(file, problem) from None
            if scalars and not _intact(record, unchecked_crc):
                raise _broken(file, f"has corrupted data in record {index} (CRC mismatch)")
            points.extend(
                (named.get(tag) or named.setdefault(tag, _in_split(split, tag, alone=not several)), step, value)
                for tag, step, value in scalars
            )
    return points
