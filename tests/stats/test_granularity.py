"""The row count read off logged shares (:mod:`gapdoctor.stats.granularity`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gapdoctor.stats.granularity import rows_behind_shares


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("rows", "decimals"), [(16, 4), (37, 4), (131, 5), (997, 6), (600, 4)])
def test_shares_written_to_a_writers_decimals_give_the_count_or_a_divisor_of_it(
    seed: int, rows: int, decimals: int
) -> None:
    rng = np.random.default_rng(seed)
    right = rng.integers(1, rows, size=12)
    logged = [round(k / rows, decimals) for k in right]
    found = rows_behind_shares(logged)
    if found is None:  # the guards may refuse: never a count that is not the size or a divisor of it
        assert rows >= 600  # only the set too large for four decimals to tell
        return
    assert rows % found == 0
    assert found == rows // math.gcd(rows, *map(int, right))


def test_float32_shares_give_the_count() -> None:
    """A float32 accuracy (TensorBoard, a tensor's item) carries seven significant digits, not the printed four."""
    logged = [float(np.float32(k / 37)) for k in (11, 17, 23, 30, 29)]
    assert rows_behind_shares(logged) == 37


def test_random_values_at_four_decimals_rarely_read_as_shares() -> None:
    """Values that are no shares (an R², a loss-like score) read as a count in under 2% of draws: the chance
    guard (random values fit some count 1% of the time in expectation)."""
    rng = np.random.default_rng(0)
    read = sum(rows_behind_shares(np.round(rng.uniform(0.05, 0.95, size=5), 4)) is not None for _ in range(500))
    assert read < 10


def test_two_decimals_and_too_few_values_are_not_read() -> None:
    assert rows_behind_shares([0.81, 0.83, 0.84, 0.86, 0.87]) is None  # two decimals: 100 rows, or almost any count
    assert rows_behind_shares([0.0, 1 / 3, 1.0, 1 / 3]) is None  # 1 of 3 or 10 of 30: one value between 0 and 1
    assert rows_behind_shares([1 / 7, 2 / 7, float("nan"), 1.5]) is None  # not shares: above 1
    assert rows_behind_shares([0.1429, 0.2857, float("nan"), 0.5714]) == 7  # NaN passed over
