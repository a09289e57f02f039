"""mnist1d for the corpus: 4,000 rows of one-dimensional digits, generated locally.

mnist1d (Greydanus, 2020; the ``mnist1d`` package of the ``bench`` extra) draws each row from one of
ten hand-made 12-point templates of the digits, padded, shifted, scaled, sheared and noised (correlated
and independent noise) into 40 points. It is generated from its templates with the package's default
arguments, nothing is downloaded; the corpus asks for 4,000 rows (the package's usual training split)
and makes its own splits from them. Small models find it hard: a 128-unit MLP fitted on 1,100 of 2,000
rows reaches about 42% validation accuracy, logistic regression about 29% (a 1-D CNN does better).

The package seeds numpy's and Python's global random generators when it generates; the state of both
is kept and put back, so drawing mnist1d leaves every other draw of the process as it was.
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np

from gapdoctor.bench._common import FloatArray, IntArray
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.integrations.random_state import random_state_kept

__all__ = ["MNIST1D_ROWS", "mnist1d_rows"]

MNIST1D_ROWS = 4000
"""Rows generated (the package's training split; it generates ``num_samples`` and keeps 20% apart, both kept)."""


@functools.lru_cache(maxsize=1)
def _generated() -> tuple[FloatArray, IntArray]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = MNIST1D_ROWS
    with random_state_kept():  # it seeds the global generators
        data = make_dataset(args)
    X = np.concatenate([data["x"], data["x_test"]]).astype(np.float64)
    y = np.concatenate([data["y"], data["y_test"]]).astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def mnist1d_rows() -> tuple[FloatArray, IntArray]:
    """mnist1d's rows (40 features) and digit labels (0-9), the same on every call and machine.

    Returns
    -------
    X : ndarray of float64, shape (4000, 40)
    y : ndarray of int64, shape (4000,)
        Copies: the caller may change them.

    Raises
    ------
    GapdoctorInputError
        When the ``mnist1d`` package is not installed.
    """
    if importlib.util.find_spec("mnist1d") is None:
        raise GapdoctorInputError(
            "datasets", "names mnist1d, but the mnist1d package is not installed", "pip install 'gapdoctor[bench]'"
        )
    X, y = _generated()
    return X.copy(), y.copy()
