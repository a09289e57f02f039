"""The grid that finds near copies: bucket keys for training rows, probe keys for queries.

Features are standardised with the training split's mean and sd. A row's bucket key
hashes (a) the exact values of its lattice features (integers spaced more than the
tolerance apart, where near means equal; their part of the key is their part of the row
hash, so the one pass over the training rows computes it once) and (b) its cell on a grid of width
:attr:`NearGrid.width` over up to ``GRID_FEATURES`` other features (those with the most
distinct values), offset at random. Because a cell is wider than twice the tolerance, a
training row within the tolerance of a query lies in the query's cell or, on each grid
feature where the query is within the tolerance of a cell boundary, in the neighbouring
cell across that boundary. A query therefore probes its own cell and every combination
of those neighbours: ``2**b`` keys for ``b`` boundaries, ``(1 + 2 * tolerance / width) **
n_grid`` on average, and every training row within the tolerance on the grid features is
in one of them. The search is exact, like a radius search in a tree, at a cost linear in
rows (see :mod:`gapdoctor.causes.preprocessing_leakage.duplicates`).

The width is set so that a query probes ``PROBES`` keys on average: wider cells on more
features hold fewer rows than narrow cells on few (over 12 independent standardised
Gaussian features, a query's cell, 0.53 sd wide, holds about 1e-10 of the rows).

The grid is a frozen value: fitted once on (a sample of) the training rows, its
:meth:`NearGrid.bucket_keys` and :meth:`NearGrid.probe_keys` are pure functions of a block of
rows, so partitions of a split can be keyed separately.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import SEED, sample_rows
from gapdoctor.stats.row_hashes import HashArray, finish, multipliers, scramble, value_bits

__all__ = ["GRID_FEATURES", "MIN_WIDTH_TOLERANCES", "PROBES", "STANDARDISE_ROWS", "NearGrid"]

GRID_FEATURES = 12
"""Non-lattice, non-constant features that make up the grid cell (those with the most distinct values)."""

PROBES = 8.0
"""Keys a query probes on average; sets the cell width from the number of grid features
(more probes: narrower cells with fewer rows each, more searches)."""

MIN_WIDTH_TOLERANCES = 4.0
"""Cells at least this many tolerances wide: with few grid features the average probe count
is below ``PROBES``, and a query is never within the tolerance of both sides of a cell."""

STANDARDISE_ROWS = 200_000
"""Training rows whose mean and sd define the standardised units (sd known to about 0.3%)."""

LATTICE_SAMPLE_ROWS = 5_000
"""Rows on which a feature is judged a lattice (integers) and its distinct values counted."""

MISSING_SCALED = -1e6
"""Standardised value of a missing entry: equal to another missing one, far from any value."""

INFINITE_SCALED = 1e12
"""Standardised value of an infinite entry (signed); finite values beyond it are clipped to it."""

_MISSING_CELL = np.int64(-(2**62))
_CELL_LIMIT = 2.0**52  # cells beyond it (values 10**15 sd away) are clipped: floats stay integral
_BOUNDARY_SLACK = 1e-6  # in tolerances: a pair at the tolerance despite rounding still probes across


def _centre_and_scale(X_train: FeatureArray, standardise: IntArray) -> tuple[FloatArray, FloatArray]:
    """Mean and sd of each feature (finite values) over the rows ``standardise``."""
    parts = [standardise[s : s + 4_096] for s in range(0, len(standardise), 4_096)]  # two passes, small blocks
    count, total = np.zeros(X_train.shape[1]), np.zeros(X_train.shape[1])
    for part in parts:
        block = np.asarray(X_train[part], dtype=np.float64)
        count += np.isfinite(block).sum(axis=0)
        total += np.nansum(block, axis=0)
    centre = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    squares = np.zeros(X_train.shape[1])
    for part in parts:
        squares += np.nansum((np.asarray(X_train[part], dtype=np.float64) - centre) ** 2, axis=0)
    sd = np.sqrt(squares / np.maximum(count, 1))
    return centre, np.where(sd > 0, sd, 1.0)


@dataclass(frozen=True)
class NearGrid:
    """Standardisation and bucket keys shared by every query against one training split."""

    centre: FloatArray
    scale: FloatArray
    tolerance: float
    lattice: IntArray
    """Features whose distinct values are more than the tolerance apart: keyed by exact value."""
    grid: IntArray
    """Features cut into cells."""
    width: float
    """Cell width, in training sd."""
    offset: FloatArray
    """Where the grid starts on each grid feature, in cells (random, in [0, 1))."""

    @classmethod
    def fit(cls, X_train: FeatureArray, tolerance: float, rows: IntArray | None = None) -> NearGrid:
        """The grid for near copies (every feature within ``tolerance`` sd) of the training rows
        ``rows`` (default: all), standardised on up to ``STANDARDISE_ROWS`` of them."""
        n_rows = len(X_train) if rows is None else len(rows)
        standardise = sample_rows(n_rows, STANDARDISE_ROWS, what=None, seed=SEED + 5)
        if rows is not None:
            standardise = rows[standardise]
        centre, scale = _centre_and_scale(X_train, standardise)
        sample = np.asarray(X_train[standardise[:LATTICE_SAMPLE_ROWS]], dtype=np.float64)
        lattice, distinct = [], []
        for j in range(X_train.shape[1]):
            col = sample[:, j][np.isfinite(sample[:, j])]
            integral = len(col) > 0 and bool(np.all(col == np.round(col)))
            lattice.append(integral and 1.0 / scale[j] > tolerance)  # distinct values never near
            distinct.append(len(np.unique(col)))
        # constant features tell no rows apart (and one whose value sits near a cell boundary
        # would double every query's probes): left to the verification
        others = [j for j in np.argsort(distinct, kind="stable")[::-1] if not lattice[j] and distinct[j] > 1]
        grid = np.array(others[:GRID_FEATURES], dtype=np.int64)
        width = MIN_WIDTH_TOLERANCES * tolerance
        if len(grid):
            width = max(width, 2 * tolerance / (PROBES ** (1 / len(grid)) - 1))
        offset = np.random.default_rng(SEED + 7).uniform(0.0, 1.0, size=len(grid))
        return cls(centre, scale, float(tolerance), np.flatnonzero(lattice).astype(np.int64), grid, width, offset)

    def scaled(self, block: FloatArray) -> FloatArray:
        """``block`` in standardised units; missing values as ``MISSING_SCALED``, infinities as
        plus or minus ``INFINITE_SCALED`` (each equal to itself only, as in the bucket keys)."""
        out = (block - self.centre) / self.scale
        out[np.isnan(out)] = MISSING_SCALED
        return np.clip(out, -INFINITE_SCALED, INFINITE_SCALED, out=out)

    def close(self, a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
        """Whether each row of ``a`` is within the tolerance of the same row of ``b`` on every feature."""
        distance: FloatArray = np.abs(self.scaled(a) - self.scaled(b)).max(axis=1, initial=0.0)
        return distance <= self.tolerance

    def lattice_sums(self, row_contributions: HashArray) -> HashArray:
        """The lattice part of each row's key sum, from its values' contributions to its row hash
        (:func:`gapdoctor.stats.row_hashes.contributions` of the block; a new array)."""
        every = len(self.lattice) == len(self.centre)
        part = row_contributions if every else row_contributions[:, self.lattice]
        sums: HashArray = part.sum(axis=1, dtype=np.uint64)
        return sums

    def _cells(self, block: FloatArray, lattice_sum: HashArray | None) -> tuple[HashArray, IntArray, FloatArray]:
        """Per row: the lattice part of the key sum (``lattice_sum`` when given), the grid cells,
        and the position in cell units."""
        if lattice_sum is None:
            bits = value_bits(block[:, self.lattice])
            lattice_sum = scramble(bits, multipliers(len(self.centre))[self.lattice]).sum(axis=1, dtype=np.uint64)
        # position = ((x - centre) / scale) / width + offset, in two operations
        step = 1.0 / (self.scale[self.grid] * self.width)
        position = block[:, self.grid] * step
        position += self.offset - self.centre[self.grid] * step
        np.clip(position, -_CELL_LIMIT, _CELL_LIMIT, out=position)  # NaN stays NaN, infinities clip
        floor = np.floor(position)
        missing = ~np.isfinite(block[:, self.grid])
        floor[missing] = 0.0
        cells = floor.astype(np.int64)
        cells[missing] = _MISSING_CELL
        return lattice_sum, cells, position

    def _cell_terms(self, cells: IntArray) -> HashArray:
        """Each cell's contribution to its row's key sum."""
        return scramble(cells.view(np.uint64).copy(), multipliers(len(self.grid), stream=1))

    def bucket_keys(self, block: FloatArray, lattice_sum: HashArray | None = None) -> HashArray:
        """The bucket key of each row of ``block`` (a 2-D float64 block of the split's features);
        ``lattice_sum`` (overwritten): its :meth:`lattice_sums`, when the caller has them."""
        lattice_sum, cells, _ = self._cells(block, lattice_sum)
        with np.errstate(over="ignore"):
            lattice_sum += self._cell_terms(cells).sum(axis=1, dtype=np.uint64)
        return finish(lattice_sum)

    def probe_keys(self, block: FloatArray) -> tuple[IntArray, HashArray]:
        """Every key a row of ``block`` probes: (row in ``block``, key) pairs, each row's own key first.

        Examples
        --------
        >>> X = np.random.default_rng(0).normal(size=(2_000, 3))
        >>> grid = NearGrid.fit(X, 0.05)
        >>> row, keys = grid.probe_keys(X[:5])
        >>> bool(np.array_equal(keys[:5], grid.bucket_keys(X[:5]))), bool(np.all(np.diff(row[:5]) == 1))
        (True, True)
        >>> near = X[:5] + 0.04 * X.std(axis=0)  # every feature within the tolerance
        >>> all(k in set(keys[row == i].tolist()) for i, k in enumerate(grid.bucket_keys(near).tolist()))
        True
        """
        parts = list(self.probe_blocks(block, max_probes=None))
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def probe_blocks(
        self, block: FloatArray, max_probes: int | None, lattice_sum: HashArray | None = None
    ) -> Iterator[tuple[IntArray, HashArray]]:
        """:meth:`probe_keys` of consecutive runs of rows, each with fewer than ``max_probes`` probes
        plus its last row's: memory stays bounded when many rows sit near many cell boundaries.
        ``lattice_sum`` (overwritten): the block's :meth:`lattice_sums`, when the caller has them."""
        sums, cells, position = self._cells(block, lattice_sum)
        inside = position - cells  # where in its cell (missing: cells are -2**62, far outside [0, 1])
        margin = self.tolerance * (1 + _BOUNDARY_SLACK) / self.width  # the tolerance, in cells
        side = np.zeros(cells.shape, dtype=np.int64)
        side[inside <= margin] = -1  # within the tolerance of the lower boundary
        side[(1.0 - inside <= margin) & (inside <= 1.0)] = 1
        side[cells == _MISSING_CELL] = 0
        terms = self._cell_terms(cells)
        with np.errstate(over="ignore"):
            sums += terms.sum(axis=1, dtype=np.uint64)
            moved = self._cell_terms(cells + side) - terms  # wraps: the key sum's change when the cell moves
        bounds = np.array([0, len(block)], dtype=np.int64)
        if max_probes is not None and len(block):
            counts = np.int64(1) << (side != 0).sum(axis=1)  # 2**boundaries probes per row
            group = (np.cumsum(counts) - counts) // max_probes  # rows whose probes start in one stretch
            bounds = np.r_[0, np.flatnonzero(np.diff(group)) + 1, len(block)]
        runs = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds.tolist())]
        for run in runs:
            yield self._enumerate(sums[run], side[run], moved[run], run.start)

    @staticmethod
    def _enumerate(sums: HashArray, side: IntArray, moved: HashArray, first_row: int) -> tuple[IntArray, HashArray]:
        """Every combination of neighbouring cells across the boundaries of each row."""
        owner = np.arange(len(sums), dtype=np.int64)
        sums = sums.copy()  # a view of the block's sums: ``finish`` overwrites
        for j in np.flatnonzero((side != 0).any(axis=0)).tolist():
            crossing = np.flatnonzero(side[owner, j] != 0)  # probes (so far) of rows near boundary j
            if len(crossing):
                with np.errstate(over="ignore"):
                    sums = np.concatenate([sums, sums[crossing] + moved[owner[crossing], j]])
                owner = np.concatenate([owner, owner[crossing]])
        return owner + first_row, finish(sums)
