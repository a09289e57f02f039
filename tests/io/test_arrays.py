"""Numpy files: headers checked against what is stored, object arrays never unpickled."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.io.arrays import load_npy, load_npz


def test_numpy_headers_are_checked_before_reading(tmp_path: Path) -> None:
    good = tmp_path / "good.npy"
    np.save(good, np.arange(12.0).reshape(4, 3))
    assert load_npy(good).shape == (4, 3)
    cut = tmp_path / "cut.npy"
    cut.write_bytes(good.read_bytes()[:-8])  # one float short
    with pytest.raises(GapdoctorInputError, match=r"claims shape \(4, 3\) \(96 bytes\) but only 88 bytes"):
        load_npy(cut)
    objects = tmp_path / "objects.npz"
    np.savez(objects, a=np.arange(3), b=np.array([[1], "x"], dtype=object))
    with pytest.raises(GapdoctorInputError, match="array 'b' holds Python objects"):
        load_npz(objects)
    compressed = tmp_path / "compressed.npz"
    np.savez_compressed(compressed, a=np.zeros((1000, 100)))  # 800 kB in a few hundred bytes: legitimate
    assert load_npz(compressed)["a"].shape == (1000, 100)
    corrupt = tmp_path / "corrupt.npz"
    with zipfile.ZipFile(corrupt, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.npy", good.read_bytes())
    data = bytearray(corrupt.read_bytes())
    data[60:70] = b"\xff" * 10  # inside the compressed stream
    corrupt.write_bytes(bytes(data))
    with pytest.raises(GapdoctorInputError, match=r"corrupt\.npz"):
        load_npz(corrupt)
