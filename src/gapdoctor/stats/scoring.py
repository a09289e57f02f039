"""The scoring policy: one place that turns each check's strength of evidence into a calibrated score.

Each check measures its own statistic and maps it to a *strength of evidence* in [0, 1]
(0.5 at its declared reporting point). Strengths of different causes are not comparable
as they are: one check's 0.6 may be right nine times in ten, another's half the time. The
policy maps a finding's strength to a calibrated score, per cause::

    logit(score) = intercept[cause] + slope[cause] * logit(strength)

with the two numbers fitted (logistic regression, Platt scaling) on the calibration
families of the generated scenario corpus (:mod:`gapdoctor.bench.corpus`), never on the
bench, and shipped in ``scoring_fit.json`` beside this module together with how it was
fitted. ``score`` then means what DESIGN.md says: among findings scored about s on
scenarios the fit never saw, about a share s name a real cause. A cause without a fit
(too few corpus findings, or a plug-in cause) keeps its strength as its score.

Re-fit with ``python -m gapdoctor.bench.corpus fit DIAGNOSES.jsonl`` after the checks change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gapdoctor.stats.accumulators import squash

__all__ = [
    "FIT_FILE",
    "CauseCalibration",
    "calibrated_score",
    "capped",
    "load_policy",
    "strength_from_ratio",
    "strength_logit",
]

FIT_FILE = Path(__file__).with_name("scoring_fit.json")
"""The fitted policy shipped with the package."""

_EDGE = 1e-4
"""Strengths are clipped to [_EDGE, 1 - _EDGE] before the logit: a check's 0 or 1 is a
statistic far past its reporting point, not certainty."""


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


def strength_logit(strength: float) -> float:
    """``logit(strength)``, the strength clipped to [_EDGE, 1 - _EDGE]: the policy's one input scale."""
    s = min(max(float(strength), _EDGE), 1.0 - _EDGE)
    return math.log(s / (1.0 - s))


@dataclass(frozen=True)
class CauseCalibration:
    """The fitted map of one cause: ``logit(score) = intercept + slope * logit(strength)``.

    Parameters
    ----------
    cause : str
    intercept, slope : float
    n_findings : int
        Corpus findings the fit read.
    n_positive : int
        Of those, the right ones: the cause was injected, or the scenario's data show its
        symptom (:mod:`gapdoctor.bench.corpus.symptoms`).
    """

    cause: str
    intercept: float
    slope: float
    n_findings: int
    n_positive: int

    def __call__(self, strength: float) -> float:
        z = self.intercept + self.slope * strength_logit(strength)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@lru_cache(maxsize=4)
def load_policy(path: Path | None = None) -> dict[str, CauseCalibration]:
    """The fitted policy: cause -> calibration (empty when no fit file exists)."""
    source = FIT_FILE if path is None else path
    if not source.exists():
        return {}
    content: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return {
        cause: CauseCalibration(
            cause, float(v["intercept"]), float(v["slope"]), int(v["n_findings"]), int(v["n_positive"])
        )
        for cause, v in content.get("causes", {}).items()
    }


def calibrated_score(cause: str, strength: float) -> float:
    """The calibrated score of a finding of ``cause`` whose check measured ``strength``.

    Examples
    --------
    >>> calibrated_score("a cause nobody fitted", 0.73)
    0.73
    """
    calibration = load_policy().get(cause)
    if calibration is None or not math.isfinite(strength):
        return float(strength)
    return round(calibration(strength), 6)
