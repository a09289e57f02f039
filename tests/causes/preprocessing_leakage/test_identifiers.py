"""Identifier-like columns: dense unique integers are found, repeated or fractional values are not."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.preprocessing_leakage.identifiers import identifier_like


def test_a_row_id_is_found_and_ordinary_columns_are_not() -> None:
    rng = np.random.default_rng(0)
    ids = np.arange(500, dtype=np.float64)
    rng.shuffle(ids)
    X = np.c_[
        rng.normal(size=500),  # fractional values
        rng.integers(0, 10, size=500).astype(np.float64),  # a small-integer feature that repeats
        ids,  # a row id: unique, dense integers
        ids * 1000.0,  # unique integers, but sparse over their range: no counter
    ]
    assert identifier_like(X[:300], X[300:]) == [2]
