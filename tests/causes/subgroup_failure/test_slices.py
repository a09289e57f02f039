"""The atypical-rows search: it isolates rows from a noisy source (3 seeds), and reads a bounded number
of cells on wide inputs while still finding them."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.causes.subgroup_failure import slices
from gapdoctor.causes.subgroup_failure.slices import atypical_slices


def _noisy_tenth(rows: int, columns: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, columns)).astype(np.float32)
    noisy = rng.random(rows) < 0.1
    X[noisy] += rng.normal(0.0, 3.0, size=(int(noisy.sum()), columns)).astype(np.float32)
    return X, noisy


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_most_atypical_tenth_is_the_noisy_source(seed: int) -> None:
    X, noisy = _noisy_tenth(3000, 12, seed)
    rows, found = atypical_slices(X, tuple(f"f{j}" for j in range(12)))
    tenth = found[0]
    assert tenth.share == 0.1 and tenth.mask.sum() == 300
    assert noisy[rows][tenth.mask].mean() > 0.85  # precision
    assert tenth.mask[noisy[rows]].mean() > 0.85  # recall
    assert tenth.features.count("f") == 3


def test_a_wide_input_reads_a_bounded_sample_of_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slices, "SLICE_CELLS", 100_000)
    X, noisy = _noisy_tenth(4000, 500)
    rows, found = atypical_slices(X, ())
    assert len(rows) == slices.MIN_SLICE_ROWS  # 100k cells / 500 features is under the floor of 1000 rows
    assert noisy[rows][found[0].mask].mean() > 0.85  # 100 sampled columns still find the noisy rows
    assert all(name.startswith("feature ") for name in found[0].features.split(", "))
