"""mnist1d for the corpus: generated locally, the same every time, and the process's random state left alone."""

from __future__ import annotations

import importlib.util
import random

import numpy as np
import pytest

from gapdoctor.bench.corpus.mnist1d import MNIST1D_ROWS, mnist1d_rows
from gapdoctor.errors import GapdoctorInputError

pytest.importorskip("mnist1d")


def test_four_thousand_rows_of_forty_points_in_ten_balanced_classes() -> None:
    X, y = mnist1d_rows()
    assert X.shape == (MNIST1D_ROWS, 40) and X.dtype == np.float64 and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.min() >= 0.08 * MNIST1D_ROWS  # about 400 rows a digit
    assert np.isfinite(X).all() and X.std(axis=0).min() > 0  # noised signals: every point varies


def test_the_same_rows_on_every_call_and_the_callers_copies_are_their_own() -> None:
    X, y = mnist1d_rows()
    X[:] = 0.0
    y[:] = -1
    again_X, again_y = mnist1d_rows()
    assert again_X.any() and (again_y >= 0).all()
    assert np.array_equal(again_X, mnist1d_rows()[0]) and np.array_equal(again_y, mnist1d_rows()[1])


def test_generating_leaves_the_global_random_generators_as_they_were() -> None:
    from gapdoctor.bench.corpus.mnist1d import _generated

    # the legacy global generators are the point: the package seeds both with its own seed while it generates
    _generated.cache_clear()  # generate now, not from an earlier test's cache
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    expected = (np.random.random(), random.random())  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    mnist1d_rows()
    assert (np.random.random(), random.random()) == expected  # noqa: NPY002


def test_without_the_package_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mnist1d" else real(name, *a))
    with pytest.raises(GapdoctorInputError, match=r"datasets: .*mnist1d.*gapdoctor\[bench\]"):
        mnist1d_rows()
