"""What each label source teaches: validation accuracy of small models fitted on that source's labels alone.

Confident learning on a model fitted on every row cannot see a teacher's consistent errors:
pseudo labels are a smooth function of the features, so the model learns them as if they were
right (and flags the honest sources, whose labels carry the task's own noise, instead). Agreement
with a model fitted on the trusted rows does not separate them either, for the same reason: a
teacher fitted on those rows agrees with any model fitted on them, errors included.

What does separate them is what the labels *teach*. For each source, models fitted on
``m`` of its rows (``m`` the same for every source compared, several random draws when the
source has more) are scored on the validation rows, whose labels no teacher has seen. The
reference is the trusted source (the largest source named like human / gold / manual /
trusted / expert / annotator), or, when no name is recognisable, all the other sources
pooled. A source whose labels teach clearly worse than the reference's is the noisy one;
noise spread evenly over every source (``label_noise``) or a weak sub-population
(``subgroup_failure``) teaches every source's models alike.

Two judges, each cheap and fitted on one thread: logistic regression on standardised features
(a linear view) and 7-nearest neighbours on standardised features (a local view, for classes
that are not linearly separable). The smaller p-value of the two is Bonferroni-corrected for
the two judges and the sources tested.

The difference's uncertainty has two parts: the validation rows (paired per row) and the
training rows. The null is that each source's rows are a random sample of equally good labels,
so a source's taught accuracy varies with *which* rows it holds, not only with which ``m`` of
them a fit draws. Let ``v`` be the variance of the validation accuracy of a fit on ``m`` rows
drawn from the population. Draws of ``m`` from a source of ``N`` rows vary less, by the
finite-population factor ``f = (N - m) / (N - 1)``: two sources barely bigger than ``m`` give
draws that barely vary, and their spread alone would make any two clean sources look
different. So ``v`` is estimated from the pooled spreads as ``sum(spread) / sum(f)`` (each
source's spread read through its own factor), and a source's mean over ``D`` draws has
variance ``v * m / N`` (which ``N`` rows it holds) ``+ v * f / D`` (which draws were made).
Sources of ``m`` rows each have one fit apiece and no spread at all, so the spreads also
include draws of ``m`` rows from every compared source's rows pooled (at least ``2m`` rows,
``f`` >= about 1/2): under the null those are draws from the population, so ``v`` is always
measured. (Under the alternative a pooled draw's share of a noisy source's rows varies too,
which only widens ``v``: the test stays valid, a little conservative.) ``v`` rests on a few
draws, so the drop over its standard error is read on a t distribution (Welch-Satterthwaite
degrees of freedom), not a normal one.

Why not the validation labels in the reference, for more rows than a few dozen trusted ones:
training labels that differ from validation labels as a whole (a shift, a pipeline bug, label
noise in every training source) make any training source teach worse than validation labels. A
reference of the trusted rows plus half the validation rows blamed a clean source in 40 of 314
corpus null controls (``benchmarks/pseudo_label_reference.py``); a source is judged only against
labels drawn like its own.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.budget import DOMAIN_ROWS, SEED, sample_rows

__all__ = [
    "TRUSTED_NAME",
    "SourcesToCompare",
    "Teaching",
    "judges",
    "sources_to_compare",
    "teaching_of",
    "trusted_source",
]

TRUSTED_NAME = re.compile(r"human|gold|manual|trusted|expert|annotat|clean|curated|verified", re.IGNORECASE)
"""Source names read as trusted labels (the reference)."""

_DRAWS = 8  # draws of m rows from a larger source (and from the pooled sources): 7 degrees of freedom each
_MIN_ROWS = 20  # rows a source (and the reference) needs to be compared: below it a fit is mostly noise
_NEIGHBOURS = 7  # the local judge's k: odd (no ties between two classes), small enough for 20-row fits
_TRAIN_ROWS = DOMAIN_ROWS  # rows per fit: the cost of the in-house fits is bounded like the domain classifier's
_VAL_ROWS = 5_000  # validation rows scored: an accuracy on 5k rows has sd < 0.007, far below a reportable
# 5-point drop, and k-nearest-neighbour prediction costs validation rows x fit rows
_MAX_SOURCES = 10  # the largest sources compared: 2 judges x 16 fits each bound the cost


class SourceTeaching(TypedDict):
    """One source: the validation accuracy its labels teach, the reference's, and the test of the drop."""

    source: str
    reference: str
    rows_per_fit: int
    taught_accuracy: float
    reference_accuracy: float
    drop: float
    low: float
    high: float
    p_value: float
    judge: str


class Teaching(TypedDict):
    """Every compared source, and the validation rows they were scored on."""

    sources: list[SourceTeaching]
    val_rows: int


def trusted_source(names: list[str], sizes: list[int]) -> str | None:
    """The largest source whose name reads as trusted labels, or None.

    Examples
    --------
    >>> trusted_source(["Human", "pseudo"], [60, 740])
    'Human'
    >>> trusted_source(["vendor", "teacher"], [60, 740]) is None
    True
    """
    named = [(size, name) for name, size in zip(names, sizes, strict=True) if TRUSTED_NAME.search(name)]
    return max(named)[1] if named else None


def judges() -> dict[str, Callable[[], Pipeline]]:
    """The two judges, by name: fresh unfitted pipelines (one thread each under the callers' limits)."""
    return {
        "logistic regression": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        f"{_NEIGHBOURS}-nearest neighbours": lambda: make_pipeline(
            StandardScaler(), KNeighborsClassifier(n_neighbors=_NEIGHBOURS)
        ),
    }


def _correct(
    make: Callable[[], Pipeline],
    X: NDArray[np.float64],
    y: NDArray[np.int64],
    rows: NDArray[np.int64],
    m: int,
    X_val: NDArray[np.float64],
    y_val: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Per draw (axis 0), which validation rows a model fitted on ``m`` of ``rows`` gets right."""
    rng = np.random.default_rng(SEED)
    draws = [rows] if len(rows) <= m else [rng.choice(rows, m, replace=False) for _ in range(_DRAWS)]
    out = []
    for pick in draws:
        if len(np.unique(y[pick])) < 2:  # one class only: the model predicts it everywhere
            out.append((y_val == y[pick][0]).astype(np.float64))
            continue
        model = make()
        if m <= _NEIGHBOURS:
            model.set_params(kneighborsclassifier__n_neighbors=max(m - 1, 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a judge, not the user's model: 500 steps suffice
            model.fit(X[pick], y[pick])
        out.append((model.predict(X_val) == y_val).astype(np.float64))
    return np.array(out)


def _kept_share(rows: int, m: int) -> float:
    """Finite-population factor: the share of the population's fit variance that draws of ``m`` of ``rows`` keep."""
    return (rows - m) / (rows - 1) if rows > 1 else 0.0


def _fit_variance(fits: list[tuple[NDArray[np.float64], int]], m: int) -> float:
    """The validation accuracy's variance over fits on ``m`` population rows, from each source's draws.

    ``fits``: per source, its draws' correct-row indicators and its row count. Each spread keeps
    :func:`_kept_share` of that variance, so the estimate is ``sum(spreads) / sum(shares)``.

    Examples
    --------
    >>> draws = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])  # accuracies 1, 0.5, 0: spread 0.25
    >>> _fit_variance([(draws, 21)], 11)  # 11 of 21 rows keep half of it
    0.5
    """
    spread = sum(float(np.var(c.mean(axis=1), ddof=1)) for c, _ in fits if len(c) > 1)
    shares = sum(_kept_share(n, m) for c, n in fits if len(c) > 1)
    return spread / shares if shares > 0 else 0.0


def _source_variance(fit_var: float, m: int, rows: int, draws: int) -> float:
    """Variance of a source's taught accuracy (mean of ``draws`` fits on ``m`` of its ``rows``) under the null.

    Which rows the source holds (``m / rows`` of the fit variance) plus which draws were made.

    Examples
    --------
    >>> _source_variance(0.01, 30, 30, 1)  # one fit on every row: one population draw
    0.01
    >>> round(_source_variance(0.01, 30, 3000, 8), 6)  # a large source: mostly the draws
    0.001338
    """
    return fit_var * (m / rows + _kept_share(rows, m) / draws)


def _welch_df(fit_part: float, fit_df: int, val_part: float, val_df: int) -> float:
    """Welch-Satterthwaite degrees of freedom of a variance summed from two estimated parts.

    The fit variance is measured from a few draws (its spread has few degrees of freedom): a
    normal tail would read a difference of a few estimated standard errors as far rarer than it is.

    Examples
    --------
    >>> round(_welch_df(1.0, 7, 0.0, 500), 1)  # the fit variance alone: its 7 degrees of freedom
    7.0
    >>> round(_welch_df(0.0, 7, 1.0, 500), 1)  # the validation rows alone
    500.0
    """
    denominator = fit_part**2 / max(fit_df, 1) + val_part**2 / max(val_df, 1)
    return (fit_part + val_part) ** 2 / denominator if denominator > 0 else float(max(val_df, 1))


@dataclass(frozen=True)
class SourcesToCompare:
    """What every per-source test of this folder reads: the training rows, a validation sample, the
    sources large enough to compare (the :data:`_MAX_SOURCES` largest with ``min_rows`` rows or more,
    in name order) and the one that reads as trusted (None: each is compared with the others pooled)."""

    X: NDArray[Any]
    y: NDArray[np.int64]
    sources: NDArray[np.str_]
    X_val: NDArray[np.float64]
    y_val: NDArray[np.int64]
    usable: list[str]
    trusted: str | None


def sources_to_compare(evidence: Evidence, min_rows: int, what: str) -> SourcesToCompare | None:
    """The rows and sources to compare, validation rows sampled for ``what``; None without ``X_train``,
    ``X_val`` and ``y_val``, with fewer than ``min_rows`` validation rows, or with fewer than two usable sources."""
    X, y, s = evidence.X_train, evidence.y_train, evidence.sources_train
    X_val, y_val = evidence.X_val, evidence.y_val
    if X is None or y is None or s is None or X_val is None or y_val is None or len(y_val) < min_rows:
        return None
    val = sample_rows(len(y_val), _VAL_ROWS, what=what)
    Xv, yv = np.nan_to_num(np.asarray(X_val[val], dtype=np.float64)), y_val[val]
    names, counts = np.unique(s, return_counts=True)
    largest = np.argsort(-counts, kind="stable")[:_MAX_SOURCES]
    usable = [str(names[i]) for i in sorted(largest) if counts[i] >= min_rows]
    if len(usable) < 2:
        return None
    trusted = trusted_source(usable, [int(c) for n, c in zip(names, counts, strict=True) if str(n) in usable])
    return SourcesToCompare(X, y, s, Xv, yv, usable, trusted)


def teaching_of(evidence: Evidence, min_rows: int = _MIN_ROWS) -> Teaching | None:
    """Each usable source's taught validation accuracy against the reference's; None without X and y_val."""
    compared = sources_to_compare(evidence, min_rows, "validation rows scored by the source-taught models")
    if compared is None:
        return None
    X, y, s, Xv, yv = compared.X, compared.y, compared.sources, compared.X_val, compared.y_val
    usable, trusted = compared.usable, compared.trusted
    Xt = np.nan_to_num(np.asarray(X, dtype=np.float64))
    pairs: list[tuple[str, str, NDArray[np.int64], NDArray[np.int64]]] = []
    for name in usable:
        if name == trusted:
            continue
        ref_rows = np.flatnonzero(s == trusted) if trusted is not None else np.flatnonzero(s != name)
        pairs.append((name, trusted or "the other sources", np.flatnonzero(s == name), ref_rows))
    m = min(_TRAIN_ROWS, *(min(len(a), len(b)) for _, _, a, b in pairs))
    pooled = np.flatnonzero(np.isin(s, np.array(usable, dtype=s.dtype)))
    tests = len(pairs) * len(judges())
    results: list[SourceTeaching] = []
    with threadpool_limits(1):
        for judge, make in judges().items():
            correct, size = {}, {}
            for name, _, rows, ref_rows in pairs:
                correct[name], size[name] = _correct(make, Xt, y, rows, m, Xv, yv), len(rows)
                correct[f"ref:{name}"], size[f"ref:{name}"] = _correct(make, Xt, y, ref_rows, m, Xv, yv), len(ref_rows)
            fits = [(correct[k], size[k]) for k in correct] + [(_correct(make, Xt, y, pooled, m, Xv, yv), len(pooled))]
            fit_var = _fit_variance(fits, m)
            fit_df = sum(len(c) - 1 for c, _ in fits)
            for name, reference, _, _ in pairs:
                own, ref = correct[name], correct[f"ref:{name}"]
                diff = own.mean(axis=0) - ref.mean(axis=0)
                fit_part = _source_variance(fit_var, m, size[name], len(own)) + _source_variance(
                    fit_var, m, size[f"ref:{name}"], len(ref)
                )
                val_part = float(np.var(diff, ddof=1)) / len(diff)
                drop = -float(diff.mean())
                se = math.sqrt(max(fit_part + val_part, 1e-12))
                df = _welch_df(fit_part, fit_df, val_part, len(diff) - 1)
                p = min(1.0, float(sps.t.sf(drop / se, df)) * tests)
                candidate: SourceTeaching = {
                    "source": name,
                    "reference": reference,
                    "rows_per_fit": int(m),
                    "taught_accuracy": float(own.mean()),
                    "reference_accuracy": float(ref.mean()),
                    "drop": drop,
                    "low": drop - float(sps.t.ppf(0.975, df)) * se,
                    "high": drop + float(sps.t.ppf(0.975, df)) * se,
                    "p_value": p,
                    "judge": judge,
                }
                earlier = next((i for i, r in enumerate(results) if r["source"] == name), None)
                if earlier is None:
                    results.append(candidate)
                elif p < results[earlier]["p_value"]:
                    results[earlier] = candidate
    return {"sources": results, "val_rows": len(yv)}
