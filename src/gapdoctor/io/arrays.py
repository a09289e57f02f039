"""Numpy files at the door: each array's header is checked before a byte of data is read.

An ``.npy`` header declares a dtype and a shape; numpy would allocate what it declares. A
header claiming terabytes over a few stored bytes (a truncated or forged file), or an array
of Python objects (which only unpickling could read), is refused with one
:class:`~gapdoctor.GapdoctorInputError` naming the file and the array; nothing is ever
unpickled (``allow_pickle=False``).
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io.files import open_binary

__all__ = ["load_npy", "load_npz"]


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns


def _check_array_header(handle: IO[bytes], stored: int, path: Path, name: str) -> None:
    """Refuse an array stored as objects, or whose header claims more bytes than stored."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(handle)
        else:
            shape, _, dtype = fmt.read_array_header_2_0(handle)
    except (ValueError, OSError, EOFError) as error:
        raise GapdoctorInputError(
            str(path), f"array {name!r} has a broken header ({error})", "save it again with numpy"
        ) from None
    if dtype.hasobject:
        raise GapdoctorInputError(
            str(path),
            f"array {name!r} holds Python objects, which gapdoctor never unpickles",
            "save numeric or string arrays (e.g. np.asarray(x, dtype=float) or dtype=str)",
        )
    claimed = math.prod(int(d) for d in shape) * dtype.itemsize
    available = stored - handle.tell()
    if claimed > available:
        raise GapdoctorInputError(
            str(path),
            f"array {name!r} claims shape {tuple(shape)} ({_human_bytes(claimed)}) "
            f"but only {_human_bytes(max(available, 0))} are stored: the file is truncated or corrupted",
            "save the array again",
        )


def load_npy(path: Path) -> NDArray[Any]:
    """One ``.npy`` array, read without pickle after its header was checked against the file size."""
    with open_binary(path) as handle:
        _check_array_header(handle, os.fstat(handle.fileno()).st_size, path, path.name)
    try:
        return np.asarray(np.load(path, allow_pickle=False))
    except (ValueError, OSError, EOFError) as error:
        raise GapdoctorInputError(str(path), f"could not be read ({error})", "save a plain numeric array") from None


def load_npz(path: Path) -> dict[str, NDArray[Any]]:
    """Every array of an ``.npz``, read without pickle after each header was checked."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".npy"):
                    with archive.open(info) as handle:
                        _check_array_header(handle, info.file_size, path, info.filename[: -len(".npy")])
        with np.load(path, allow_pickle=False) as data:
            return {key: np.asarray(data[key]) for key in data.files}
    except GapdoctorInputError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as error:
        raise GapdoctorInputError(
            str(path), f"is not a readable .npz archive ({type(error).__name__}: {error})", "save it with np.savez"
        ) from None
