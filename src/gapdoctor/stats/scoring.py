"""The scoring policy: one place that turns each check's strength of evidence into a calibrated score.

Each check measures its own statistic and maps it to a *strength of evidence* in [0, 1],
0.5 at the reporting point its cause declares (its folder's ``score.py``). The policy maps a
strength to a calibrated score with **one monotone map for every cause**, fitted on the
calibration families of the generated scenario corpus (:mod:`gapdoctor.bench.corpus`), never
on the bench: a piecewise-linear map through the share of right findings per strength bin,
pooled to be increasing (isotonic), with 0.5 kept at 0.5 and shipped in ``scoring_fit.json``
beside this module together with how it was fitted.

Why one map, and why 0.5 fixed: the map is strictly increasing and the same for every
finding, so it keeps each diagnosis's order and its reported set (score >= 0.5 exactly when
strength >= 0.5) — it changes what a score *says* (among findings scored about s on scenarios
the fit never saw, about a share s name a real cause) and never which cause headlines. A
per-cause map reorders findings across causes and, because a right finding includes an
observed symptom (overfitting in a label-noise run), pushed generic symptoms ahead of the
root causes they explain: it lost headlines (``benchmarks/RESULTS.md``, calibration section).
What to headline is the checks' and the ranking rule's job, not the calibration's.

Without a fit file every score is its check's strength. ``GAPDOCTOR_SCORING_FIT`` chooses another
fit file, or ``none`` for the checks' strengths as scores (what the tests read, and the corpus
diagnosis a re-fit starts from). Re-fit with
``python benchmarks/calibration.py LINES --cache CORPUS_CACHE --ship`` after the checks change.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats.accumulators import squash

__all__ = [
    "FIT_ENV_VAR",
    "FIT_FILE",
    "REPORTING_POINT",
    "ScoreMap",
    "calibrated_score",
    "capped",
    "load_policy",
    "policy_file",
    "scored_with",
    "strength_from_ratio",
]

FIT_FILE = Path(__file__).with_name("scoring_fit.json")
"""The fitted policy shipped with the package."""

FIT_ENV_VAR = "GAPDOCTOR_SCORING_FIT"
"""Environment variable: a fit file to score with instead of :data:`FIT_FILE`, or ``none`` for no policy
(it reaches subprocesses: the CLI, corpus workers)."""

REPORTING_POINT = 0.5
"""The strength every cause declares at its reporting point, and the score at which a finding is
reported (``gapdoctor.findings.REPORT_THRESHOLD``; stats sits below findings, so restated here):
the map keeps it fixed."""


def strength_from_ratio(ratio: float) -> float:
    """A strength of evidence from a statistic divided by its declared reporting point.

    Every cause declares, in its folder's ``score.py``, the value of its measured statistic
    at which the finding is reported; the statistic over that value is the *ratio*, and the
    one map from ratio to strength is ``ratio / (ratio + 1)``: 0 at no evidence, 0.5 at the
    reporting point, towards 1 far past it (negative or NaN ratios are no evidence).

    Examples
    --------
    >>> strength_from_ratio(1.0)
    0.5
    >>> strength_from_ratio(3.0)
    0.75
    >>> strength_from_ratio(-2.0)
    0.0
    """
    return squash(ratio, 1.0)


def capped(strength: float, cap: float, *, when: bool = True) -> float:
    """``strength``, no higher than ``cap`` when ``when`` holds (a declared ceiling of a cause's scoring).

    Examples
    --------
    >>> capped(0.8, 0.45)
    0.45
    >>> capped(0.8, 0.45, when=False)
    0.8
    """
    return min(strength, cap) if when else strength


@dataclass(frozen=True)
class ScoreMap:
    """The fitted map from strength to score: piecewise-linear through its knots.

    Parameters
    ----------
    strengths : tuple of float
        Knot strengths, strictly increasing from 0 to 1, one of them 0.5.
    scores : tuple of float
        Knot scores in [0, 1], strictly increasing, 0.5 at the knot 0.5: the map keeps
        every order and which findings are reported.
    n_findings, n_right : int
        Corpus findings the fit read, and the right ones among them.

    Raises
    ------
    GapdoctorInputError
        When the knots break any of those rules (a hand-edited or foreign file).

    Examples
    --------
    >>> m = ScoreMap((0.0, 0.5, 1.0), (0.1, 0.5, 0.9))
    >>> round(m(0.25), 6), m(0.5), round(m(0.75), 6)
    (0.3, 0.5, 0.7)
    """

    strengths: tuple[float, ...]
    scores: tuple[float, ...]
    n_findings: int = 0
    n_right: int = 0

    def __post_init__(self) -> None:
        xs, ys = tuple(float(x) for x in self.strengths), tuple(float(y) for y in self.scores)
        object.__setattr__(self, "strengths", xs)
        object.__setattr__(self, "scores", ys)
        problem = _knot_problem(xs, ys)
        if problem:
            raise GapdoctorInputError("policy map", problem, "re-fit it: python benchmarks/calibration.py LINES --ship")

    def __call__(self, strength: float) -> float:
        s = min(max(float(strength), 0.0), 1.0)
        i = min(max(bisect.bisect_right(self.strengths, s), 1), len(self.strengths) - 1)
        x0, x1, y0, y1 = self.strengths[i - 1], self.strengths[i], self.scores[i - 1], self.scores[i]
        return y0 + (y1 - y0) * (s - x0) / (x1 - x0)


def _knot_problem(xs: Sequence[float], ys: Sequence[float]) -> str:
    """Why the knots are not a valid map ('' when they are)."""
    if len(xs) != len(ys) or len(xs) < 2:
        return f"needs as many scores as strengths, at least 2 (got {len(xs)} and {len(ys)})"
    if not all(math.isfinite(v) for v in (*xs, *ys)):
        return "has a non-finite knot"
    if xs[0] != 0.0 or xs[-1] != 1.0:
        return f"strengths must run from 0 to 1, got {xs[0]} to {xs[-1]}"
    if any(b <= a for a, b in itertools.pairwise(xs)) or any(b <= a for a, b in itertools.pairwise(ys)):
        return "strengths and scores must both be strictly increasing"
    if ys[0] < 0.0 or ys[-1] > 1.0:
        return f"scores must lie in [0, 1], got {ys[0]} to {ys[-1]}"
    if REPORTING_POINT not in xs or ys[xs.index(REPORTING_POINT)] != REPORTING_POINT:
        return f"must map the reporting point {REPORTING_POINT} to itself"
    return ""


def policy_file() -> Path | None:
    """The fit file the engine scores with: :data:`FIT_ENV_VAR`'s, else :data:`FIT_FILE` (None: no policy).

    Raises
    ------
    GapdoctorInputError
        When the variable names a file that does not exist.
    """
    chosen = os.environ.get(FIT_ENV_VAR)
    if chosen is None:
        return FIT_FILE if FIT_FILE.exists() else None
    if chosen.strip().lower() in ("", "none"):
        return None
    if not Path(chosen).is_file():
        raise GapdoctorInputError(FIT_ENV_VAR, f"{chosen} is not a file", "name a fit file, or none for no policy")
    return Path(chosen)


@contextmanager
def scored_with(fit: Path | None) -> Iterator[None]:
    """Inside, the engine scores with the fit file ``fit`` (None: no policy), and so do the processes
    started inside (it sets :data:`FIT_ENV_VAR`); the variable is restored on the way out."""
    before = os.environ.get(FIT_ENV_VAR)
    os.environ[FIT_ENV_VAR] = "none" if fit is None else str(fit)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(FIT_ENV_VAR, None)
        else:
            os.environ[FIT_ENV_VAR] = before


def load_policy(path: Path | None = None) -> ScoreMap | None:
    """The fitted policy in ``path`` (default :func:`policy_file`); None when there is none.

    Parsed once per content (the file is a few kilobytes: read on each call, so a re-fit that
    rewrites it is seen at once)."""
    source = policy_file() if path is None else path
    if source is None or not source.exists():
        return None
    return _parsed_policy(source.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _parsed_policy(text: str) -> ScoreMap:
    content: dict[str, Any] = json.loads(text)
    knots = content["map"]
    return ScoreMap(tuple(knots["strength"]), tuple(knots["score"]), int(knots["n_findings"]), int(knots["n_right"]))


def calibrated_score(strength: float) -> float:
    """The calibrated score of a finding whose check measured ``strength`` (the same map for every cause).

    Examples
    --------
    >>> calibrated_score(float("nan")) != calibrated_score(float("nan"))  # not a strength: left as it is
    True
    """
    policy = load_policy()  # the variable and FIT_FILE are read on every call: a change is seen at once
    if policy is None or not math.isfinite(strength):
        return float(strength)
    return policy(strength)
