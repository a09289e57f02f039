"""The near-copy grid: a query's probes reach every training row within the tolerance."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.preprocessing_leakage.near_grid import (
    GRID_FEATURES,
    MIN_WIDTH_TOLERANCES,
    PROBES,
    NearGrid,
)
from gapdoctor.stats.row_hashes import contributions

TOLERANCE = 0.05


def _reached(grid: NearGrid, queries: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Whether each neighbour's bucket key is among its query's probe keys."""
    owner, keys = grid.probe_keys(queries)
    target = grid.bucket_keys(neighbours)
    probed = set(zip(owner.tolist(), keys.tolist(), strict=True))
    return np.array([(i, int(k)) in probed for i, k in enumerate(target)])


def test_every_row_within_the_tolerance_is_in_a_probed_bucket() -> None:
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(20_000, 16)), rng.integers(0, 3, size=(20_000, 2))]  # 2 lattice features
    grid = NearGrid.fit(X, TOLERANCE)
    assert len(grid.lattice) == 2 and len(grid.grid) == GRID_FEATURES
    queries = X[:5_000]
    sd = X.std(axis=0)
    for reach in (0.5, 0.999):  # up to the very edge of the tolerance, on every feature at once
        offsets = rng.choice([-reach, reach], size=queries.shape) * rng.uniform(0.9, 1.0, size=queries.shape)
        neighbours = queries + offsets * TOLERANCE * sd
        neighbours[:, 16:] = queries[:, 16:]  # lattice values: near means equal
        assert _reached(grid, queries, neighbours).all()


def test_the_cell_width_gives_the_planned_number_of_probes() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50_000, 20))
    grid = NearGrid.fit(X, TOLERANCE)
    owner, _ = grid.probe_keys(X[:20_000])
    assert abs(len(owner) / 20_000 - PROBES) < 0.5
    assert grid.width == 2 * TOLERANCE / (PROBES ** (1 / GRID_FEATURES) - 1)
    few = NearGrid.fit(X[:, :3], TOLERANCE)  # few features: the minimum width, fewer probes
    assert few.width == MIN_WIDTH_TOLERANCES * TOLERANCE


def test_keys_are_a_pure_function_of_each_row() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(9_000, 6))
    grid = NearGrid.fit(X, TOLERANCE)
    whole = grid.bucket_keys(X)
    assert np.array_equal(np.concatenate([grid.bucket_keys(X[s : s + 1_000]) for s in range(0, 9_000, 1_000)]), whole)
    assert np.array_equal(NearGrid.fit(X, TOLERANCE).bucket_keys(X), whole)  # the same grid in every fit
    owner, keys = grid.probe_keys(X[:100])
    assert np.array_equal(keys[:100], whole[:100]) and np.array_equal(owner[:100], np.arange(100))


def test_missing_and_infinite_values_share_one_cell_and_are_close_to_themselves_only() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2_000, 3))
    grid = NearGrid.fit(X, TOLERANCE)
    odd = np.repeat(X[:1], 6, axis=0)
    odd[:, 0] = [np.nan, np.inf, -np.inf, np.nan, np.inf, -np.inf]
    keys = grid.bucket_keys(odd)
    assert len(set(keys.tolist())) == 1  # one cell for every value that is not finite
    assert grid.close(odd[:3], odd[3:]).all()  # NaN with NaN, inf with inf, -inf with -inf
    assert not grid.close(odd[:3], odd[[1, 2, 0]]).any()
    assert not grid.close(odd[:3], X[:3]).any()
    owner, _ = grid.probe_keys(odd[:1])
    assert len(owner) <= len(grid.probe_keys(X[:1])[0])  # the missing feature adds no neighbouring cell


def test_rows_near_every_boundary_are_probed_in_bounded_blocks() -> None:
    rng = np.random.default_rng(4)
    X = np.c_[rng.normal(size=(5_000, 12)), np.full(5_000, 0.5)]  # a constant feature: not on the grid
    grid = NearGrid.fit(X, TOLERANCE)
    assert 12 not in grid.grid.tolist()
    cells = rng.integers(-3, 3, size=(10, 12))
    edge = X[:10].copy()  # just above a cell boundary on every grid feature: 2**12 probes each
    edge[:, grid.grid] = grid.centre[grid.grid] + grid.scale[grid.grid] * grid.width * (cells - grid.offset + 1e-6)
    owner, keys = grid.probe_keys(edge)
    assert len(owner) == 10 * 2**12 and len(set(keys.tolist())) == len(keys)
    blocks = list(grid.probe_blocks(edge, max_probes=5_000))
    assert len(blocks) == 8 and max(len(o) for o, _ in blocks) <= 5_000 + 2**12
    pairs = {(o, k) for block in blocks for o, k in zip(block[0].tolist(), block[1].tolist(), strict=True)}
    assert pairs == set(zip(owner.tolist(), keys.tolist(), strict=True))
    few = list(grid.probe_blocks(X[:1_000], max_probes=2_000))
    assert len(few) > 1 and max(len(o) for o, _ in few) <= 2_000 + 2**12
    pairs = {(o, k) for block in few for o, k in zip(block[0].tolist(), block[1].tolist(), strict=True)}
    assert pairs == set(zip(*[a.tolist() for a in grid.probe_keys(X[:1_000])], strict=True))


def test_keys_from_the_row_hash_contributions_equal_keys_computed_alone() -> None:
    rng = np.random.default_rng(5)
    X = np.c_[rng.normal(size=(3_000, 4)), rng.integers(0, 4, size=(3_000, 3))].astype(np.float64)
    X[::5, 5] = np.nan
    X[::7, 1] = np.nan
    for columns in (slice(None), slice(4, 7)):  # some lattice features, then only lattice features
        block = X[:, columns]
        grid = NearGrid.fit(block, TOLERANCE)
        assert len(grid.lattice) == 3
        terms = contributions(block)
        assert np.array_equal(grid.bucket_keys(block, grid.lattice_sums(terms)), grid.bucket_keys(block))
        fast = grid.probe_blocks(block, None, grid.lattice_sums(terms))
        assert np.array_equal(next(fast)[1], grid.probe_keys(block)[1])
