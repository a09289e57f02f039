"""Helpers shared by the checks that compare the training and validation splits.

Used by ``distribution_shift``, ``preprocessing_leakage`` and ``pipeline_bug``: the
per-feature two-sample comparison (with the affine-rescaling analysis that tells a
preprocessing bug from a real shift), per-split label association of each feature,
the feature densities their findings plot (:class:`FeaturePlot`), and row subsampling. Nothing here builds an N x N
matrix: every statistic is per feature, on at most ``FEATURE_TEST_ROWS`` rows per split
(the budget of :mod:`gapdoctor.stats.budget`; the sampling is stated beyond it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from gapdoctor.errors import SkipCheck
from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import FEATURE_TEST_ROWS, sample_rows, state_sampling
from gapdoctor.stats.shared import RecentResults

if TYPE_CHECKING:
    from gapdoctor.inputs.evidence import Evidence


MAX_TEST_ROWS = FEATURE_TEST_ROWS
"""Rows per split used by the per-feature tests (a seeded random subsample beyond)."""

DISCRETE_MAX_VALUES = 12
"""A feature with at most this many distinct values is compared as categorical."""

SIGNIFICANCE = 0.001
"""Benjamini-Hochberg-adjusted p-value below which a feature difference counts."""

CONTINUOUS_EFFECT = 0.1
"""Wasserstein distance, in pooled standard deviations, that makes a shift reportable."""

DISCRETE_EFFECT = 0.1
"""Total variation distance between category frequencies that makes a shift reportable."""

MIN_EXPECTED = 5
"""Expected count below which a category is pooled with the other rare ones (Cochran's rule)."""

_SCALE_CHANGE = math.log(1.5)  # |log sd ratio| above which a rescaling counts
_SHAPE_SAME_D = 0.05  # KS distance left after the affine map: same shape below this
_SEED = 0


def splits_of(evidence: Evidence) -> tuple[FeatureArray, FeatureArray]:
    """X_train and X_val, or SkipCheck when either is missing."""
    if evidence.X_train is None or evidence.X_val is None:
        raise SkipCheck("needs both X_train and X_val")
    return evidence.X_train, evidence.X_val


def subsample(n_rows: int, cap: int, seed: int = _SEED, what: str | None = None) -> IntArray:
    """Sorted indices of at most ``cap`` rows out of ``n_rows`` (all rows when fewer).

    With ``what``, the sampling is stated for the check run (see :mod:`gapdoctor.stats.budget`).
    """
    return sample_rows(n_rows, cap, what=what, seed=seed)


def bh_adjust(p_values: FloatArray) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate across features).

    Examples
    --------
    >>> bh_adjust(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=np.float64)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.clip(adjusted, 0.0, 1.0)
    return out


@dataclass(frozen=True)
class FeatureComparison:
    """Per-feature comparison of the two splits (arrays indexed by feature).

    ``effect`` is the Wasserstein distance in pooled standard deviations for continuous
    features and the total variation distance for discrete ones; ``strength`` is the
    effect over its reportable size, zero where the difference is not significant.
    ``sd_ratio`` is sd(val) / sd(train); ``slope`` and ``intercept`` the affine map of
    training quantiles onto validation quantiles, and ``shape_distance`` the KS distance
    left after applying it (same shape up to an affine map: near 0).
    """

    discrete: NDArray[np.bool_]
    statistic: FloatArray
    p_value: FloatArray
    p_adjusted: FloatArray
    effect: FloatArray
    strength: FloatArray
    mean_train: FloatArray
    mean_val: FloatArray
    sd_train: FloatArray
    sd_val: FloatArray
    sd_ratio: FloatArray
    shape_distance: FloatArray
    slope: FloatArray
    intercept: FloatArray
    n_train: int
    n_val: int

    @property
    def shifted(self) -> NDArray[np.bool_]:
        """Features whose difference is significant and of reportable size."""
        return self.strength >= 1.0

    @property
    def same_shape(self) -> NDArray[np.bool_]:
        """Continuous features whose own-standardised distributions agree (KS, alpha 0.001)."""
        critical = 1.95 * math.sqrt((self.n_train + self.n_val) / max(self.n_train * self.n_val, 1))
        return ~self.discrete & (self.shape_distance < max(_SHAPE_SAME_D, critical))

    @property
    def rescaled(self) -> NDArray[np.bool_]:
        """Shifted continuous features whose splits differ by an affine map with a scale change."""
        scale_change = np.abs(np.log(np.where(self.slope > 0, self.slope, 1.0))) >= _SCALE_CHANGE
        return self.shifted & self.same_shape & scale_change


def _finite(col: FloatArray) -> FloatArray:
    return col[np.isfinite(col)]


_QUANTILES = np.linspace(0.02, 0.98, 49)


def quantile_affine_fit(a: FloatArray, b: FloatArray) -> tuple[float, float, float]:
    """Affine map of ``a``'s quantiles onto ``b``'s: (slope, intercept, shape distance).

    The map is a Theil-Sen fit of 49 quantile pairs (robust to the pairs that sampling
    puts on different atoms of discrete data). The shape distance is the KS distance
    between ``slope * a + intercept`` and ``b``: near 0 when ``b`` is an affine map of
    ``a``'s distribution. On lattice data (few distinct values) the mapped CDF is read
    half a lattice step to the right, so a map that lands within half a step of the
    right atom counts as exact.
    """
    qa, qb = np.quantile(a, _QUANTILES), np.quantile(b, _QUANTILES)
    if np.ptp(qa) == 0 or np.ptp(qb) == 0:
        return 1.0, 0.0, 1.0
    i, j = np.triu_indices(len(qa), k=1)
    distinct = qa[j] != qa[i]
    slope = float(np.median((qb[j] - qb[i])[distinct] / (qa[j] - qa[i])[distinct]))  # Theil-Sen
    intercept = float(np.median(qb - slope * qa))
    if slope <= 0:
        return slope, intercept, 1.0
    mapped = np.sort(slope * a + intercept)
    atoms = np.unique(b)
    if len(atoms) > 256:
        return slope, intercept, float(sps.ks_2samp(mapped, b, method="asymp").statistic)
    half_step = 0.5 * float(np.diff(atoms).min())
    cdf_b = np.searchsorted(np.sort(b), atoms, side="right") / len(b)
    cdf_mapped = np.searchsorted(mapped, atoms + half_step, side="right") / len(mapped)
    return slope, intercept, float(np.abs(cdf_b - cdf_mapped).max())


_last_comparison: RecentResults[FeatureComparison] = RecentResults()


def compare_features(X_train: FeatureArray, X_val: FeatureArray) -> FeatureComparison:
    """Two-sample test and effect size for every feature (KS or chi-square), BH-corrected.

    Several checks compare the same two (never mutated) Evidence arrays: the last
    result is reused when called again with the very same array objects.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    >>> b[:, 1] += 1.0
    >>> compare_features(a, b).shifted.tolist()
    [False, True]
    """
    state_sampling(len(X_train), MAX_TEST_ROWS, "X_train rows for the per-feature tests")
    state_sampling(len(X_val), MAX_TEST_ROWS, "X_val rows for the per-feature tests")
    cached = _last_comparison.get(X_train, X_val)
    if cached is not None:
        return cached
    return _last_comparison.put((X_train, X_val), _compare_features(X_train, X_val))


def _compare_features(X_train: FeatureArray, X_val: FeatureArray) -> FeatureComparison:
    Xt = np.asarray(X_train[subsample(len(X_train), MAX_TEST_ROWS)], dtype=np.float64)  # samples in float64
    Xv = np.asarray(X_val[subsample(len(X_val), MAX_TEST_ROWS, seed=_SEED + 1)], dtype=np.float64)
    n_features = Xt.shape[1]
    fields: dict[str, list[float]] = {
        k: []
        for k in (
            "statistic",
            "p_value",
            "effect",
            "mean_train",
            "mean_val",
            "sd_train",
            "sd_val",
            "shape_distance",
            "slope",
            "intercept",
        )
    }
    discrete: list[bool] = []
    for j in range(n_features):
        a, b = _finite(Xt[:, j]), _finite(Xv[:, j])
        values = np.unique(np.concatenate([a, b]))
        is_discrete = len(values) <= DISCRETE_MAX_VALUES
        discrete.append(is_discrete)
        slope, intercept = 1.0, 0.0  # filled in below for shifted features
        if len(a) < 2 or len(b) < 2 or len(values) < 2:
            stat, p, effect, shape = 0.0, 1.0, 0.0, 0.0
        elif is_discrete:
            table = np.vstack([_counts(values, a), _counts(values, b)])
            chi2, p = homogeneity_test(table)
            freq = table / table.sum(axis=1, keepdims=True)
            stat, effect, shape = chi2, 0.5 * float(np.abs(freq[0] - freq[1]).sum()), 0.0
        else:
            ks = sps.ks_2samp(a, b, method="asymp")
            stat, p = float(ks.statistic), float(ks.pvalue)
            pooled_sd = float(np.sqrt(0.5 * (a.var() + b.var())))
            effect = float(sps.wasserstein_distance(a, b)) / (pooled_sd if pooled_sd > 0 else 1.0)
            shape = math.nan  # measured below, for the shifted features only
        fields["statistic"].append(stat)
        fields["p_value"].append(p)
        fields["effect"].append(effect)
        fields["shape_distance"].append(shape)
        fields["slope"].append(slope)
        fields["intercept"].append(intercept)
        fields["mean_train"].append(float(a.mean()) if len(a) else math.nan)
        fields["mean_val"].append(float(b.mean()) if len(b) else math.nan)
        fields["sd_train"].append(float(a.std()) if len(a) else math.nan)
        fields["sd_val"].append(float(b.std()) if len(b) else math.nan)
    arr = {k: np.asarray(v, dtype=np.float64) for k, v in fields.items()}
    discrete_mask = np.asarray(discrete, dtype=bool)
    p_adjusted = bh_adjust(arr["p_value"])
    reportable = np.where(discrete_mask, DISCRETE_EFFECT, CONTINUOUS_EFFECT)
    strength = np.where(p_adjusted < SIGNIFICANCE, arr["effect"] / reportable, 0.0)
    for col in np.flatnonzero(np.isnan(arr["shape_distance"])).tolist():
        if strength[col] >= 1.0:
            fit = quantile_affine_fit(_finite(Xt[:, col]), _finite(Xv[:, col]))
            arr["slope"][col], arr["intercept"][col], arr["shape_distance"][col] = fit
        else:
            arr["shape_distance"][col] = 0.0  # not shifted: nothing to explain
    with np.errstate(divide="ignore", invalid="ignore"):
        sd_ratio = np.where(arr["sd_train"] > 0, arr["sd_val"] / arr["sd_train"], 1.0)
    return FeatureComparison(
        discrete=discrete_mask,
        p_adjusted=p_adjusted,
        strength=strength,
        sd_ratio=np.nan_to_num(sd_ratio, nan=1.0),
        n_train=len(Xt),
        n_val=len(Xv),
        **arr,
    )


def _counts(values: FloatArray, column: FloatArray) -> IntArray:
    return np.bincount(np.searchsorted(values, column), minlength=len(values)).astype(np.int64)


def homogeneity_test(table: IntArray) -> tuple[float, float]:
    """Test of homogeneity of a 2 x k table, valid at small counts.

    Categories expected fewer than :data:`MIN_EXPECTED` times in either split are pooled into
    one (Cochran's rule: the chi-square approximation fails there, and one validation row of a
    value training never showed would otherwise read as p ~ 1e-6). Two categories left: Fisher's
    exact p-value; more: chi-square's; one: no evidence. The statistic is the pooled table's chi-square.

    Examples
    --------
    >>> _, p = homogeneity_test(np.array([[666, 37, 25, 8, 8, 5, 1, 0], [14, 3, 0, 0, 0, 0, 0, 1]]))
    >>> p > 0.05  # the unseen value pooled with the other rare ones
    True
    """
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] >= 2:
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        rare = expected.min(axis=0) < MIN_EXPECTED
        if rare.any():
            table = np.column_stack([table[:, ~rare], table[:, rare].sum(axis=1)])
            table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    chi = sps.chi2_contingency(table, correction=False)
    p = float(sps.fisher_exact(table).pvalue) if table.shape[1] == 2 else float(chi.pvalue)
    return float(chi.statistic), p


class FeaturePlot(TypedDict):
    """One feature's densities in each split (``finding.data["features"]`` entries).

    ``name`` the user's feature name; ``bin_edges`` the shared bins; ``train`` / ``val`` the
    density of each split on them; ``statistic`` the check's figure for it; ``label`` its text.
    """

    name: str
    bin_edges: list[float]
    train: list[float]
    val: list[float]
    statistic: float
    label: str


def feature_plot_data(
    X_train: FeatureArray,
    X_val: FeatureArray,
    names: tuple[str, ...],
    order: list[int],
    labels: list[str],
    stats: list[float],
) -> list[FeaturePlot]:
    """Densities of each split on shared bins, for the HTML report (at most six features)."""
    out: list[FeaturePlot] = []
    rows_t = subsample(len(X_train), MAX_TEST_ROWS)
    rows_v = subsample(len(X_val), MAX_TEST_ROWS, seed=_SEED + 1)
    for j, label, stat in list(zip(order, labels, stats, strict=False))[:6]:
        a = _finite(np.asarray(X_train[rows_t, j], dtype=np.float64))
        b = _finite(np.asarray(X_val[rows_v, j], dtype=np.float64))
        pooled = np.concatenate([a, b])
        if len(pooled) == 0:
            continue
        low, high = np.quantile(pooled, [0.005, 0.995])
        if high <= low:
            low, high = float(pooled.min()) - 0.5, float(pooled.max()) + 0.5
        edges = np.linspace(low, high, 21)
        dens = [np.histogram(np.clip(s, low, high), bins=edges, density=True)[0] for s in (a, b)]
        out.append(
            {
                "name": names[j] if j < len(names) else f"x{j}",
                "bin_edges": [round(float(e), 6) for e in edges],
                "train": [round(float(d), 6) for d in np.nan_to_num(dens[0])],
                "val": [round(float(d), 6) for d in np.nan_to_num(dens[1])],
                "statistic": round(float(stat), 4),
                "label": label,
            }
        )
    return out


def name_of(evidence: Evidence, j: int) -> str:
    """The user's name of feature ``j``."""
    return evidence.feature_names[j] if j < len(evidence.feature_names) else f"x{j}"


def feature_texts(
    evidence: Evidence, prefix: str, features: Sequence[int], describe: Callable[[int], str]
) -> dict[str, str]:
    """A finding's numbered figures, one per feature in ``features``' order: ``"<name>: <describe(j)>"``.

    The keys are ``{prefix}_1``, ``{prefix}_2``...: ``prefix`` is the name of the payload's
    spread field that shows them (see :mod:`gapdoctor.causes.payload`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> names = SimpleNamespace(feature_names=("age", "income"))
    >>> feature_texts(names, "shifted", [1, 0], lambda j: f"effect {j}")  # type: ignore[arg-type]
    {'shifted_1': 'income: effect 1', 'shifted_2': 'age: effect 0'}
    """
    return {f"{prefix}_{rank}": f"{name_of(evidence, j)}: {describe(j)}" for rank, j in enumerate(features, start=1)}
