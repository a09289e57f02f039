"""How ``pseudo_label_noise``'s measured statistics become its strength of evidence: its one scoring declaration.

Three statistics: the excess flag rate of the noisiest source over the cleanest one (with the
sources' exact intervals and a two-proportion test), the validation accuracy lost by
learning from a source instead of the trusted one (with its test), and the share of a source's
labels learnt as if right but not holding on validation, over the trusted source's
(:mod:`gapdoctor.causes.pseudo_label_noise.agreement`, with its test). Ratios to the reporting
points below are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

import math

from scipy import stats as sps

from gapdoctor.stats.scoring import capped, strength_from_ratio

__all__ = [
    "AT_REPORT",
    "COMBINED_P_VALUE",
    "DISAGREED_AT_REPORT",
    "DISAGREED_P_VALUE",
    "LEARNT_AT_REPORT",
    "LEARNT_P_VALUE",
    "TAUGHT_AT_REPORT",
    "TAUGHT_P_VALUE",
    "TESTS_CORRELATION",
    "UNSEPARATED_MAX_RATIO",
    "combined_p_value",
    "combined_ratio",
    "disagreed_ratio",
    "excess_ratio",
    "learnt_ratio",
    "score",
    "taught_ratio",
]

AT_REPORT = 0.05
"""Excess flag rate over the reference source reported at 0.5; the same distance *below* a
trusted reference (a source whose labels the model agrees with more than true labels allow:
a teacher's, learnt as if right) is read on the same scale."""
UNSEPARATED_MAX_RATIO = 0.9
"""Sources whose intervals overlap (or whose test is not significant) stay below the
reporting point whatever the excess: ratio 0.9, score 0.47."""
TAUGHT_AT_REPORT = 0.05
"""Validation accuracy lost by learning from a source, reported at 0.5: 5 points is a material
loss of the metric, and the same scale as the flag-rate excess above."""
TAUGHT_P_VALUE = 0.01
"""The taught drop counts only when its one-sided p-value (t tail, Bonferroni-corrected over the
judges and sources) is below this: the same rule as :data:`LEARNT_P_VALUE`, clean sources blamed
at most 1% of the time, the two tests together within the 2% healthy false-alarm budget. Its
variance has the finite-population correction (:mod:`~gapdoctor.causes.pseudo_label_noise.teaching`);
without it two clean sources barely bigger than the rows per fit read as different. On the
corpus null controls (``benchmarks/pseudo_label_agreement.py``) 0 of 337 runs passed it (at the
former 1e-3 cut and no correction: 4), and 13 of 29 pseudo-labelled runs did (taught or learnt: 16
of 29, null 1 of 337)."""

LEARNT_AT_REPORT = 0.05
"""Excess share of a source's labels learnt as if right but wrong on validation (its gap between
self-agreement and validation accuracy minus the trusted source's), reported at 0.5: 5 points of
the source's labels, the same scale as the flag-rate excess (both are a share of wrong labels)."""
LEARNT_P_VALUE = 0.01
"""The learnt-but-wrong excess counts only when its one-sided p-value (Bonferroni-corrected over
the judges and sources) is below this: a run whose sources are equally clean is blamed at most
1% of the time, half of the 2% healthy false-alarm budget. A gap that is not significant is not
evidence (a score of 0 from it): with 30-160 trusted rows its interval is +-0.1 to +-0.2 wide.
On the calibration corpus (sources drawn at random over every non-pseudo scenario, labels
untouched: no source noisier) 1 of 337 runs passed it; 12 of 29 pseudo-labelled runs did
(``benchmarks/pseudo_label_agreement.py``; the issue's trusted-fit agreement test: 6 and 2)."""

TESTS_CORRELATION = 0.5
"""Correlation assumed between the two model tests' evidence (the probits of their p-values) when
they are combined: both rest on the same judges' fits, the same validation rows and the same
trusted rows (the learnt excess even contains the taught drop with its sign), so they are not
independent. Measured on the calibration side's null controls (``benchmarks/pseudo_label_agreement.py``:
182 runs split at random into two clean sources): Pearson 0.35 between the two tests' best-judge
z-scores (Spearman 0.35, both judges alike: 0.32 and 0.34), held-out side 0.34; 0.5 is above the
upper end of its 95% interval (about 0.47), so the combination errs on the cautious side (with
0.35 a clean source passed it on 1 of the 327 null controls too, the one the learnt test already
passes). The same value is used for the taught test with the disagreement test
(:mod:`~gapdoctor.causes.pseudo_label_noise.disagreement`): they share only the validation rows (one
fits on them, the other scores on them), and their z-scores correlate 0.24 on all 336 null controls
(``benchmarks/pseudo_label_disagreement.py``), so 0.5 is cautious there too."""
_SMALLEST_P = 1e-300  # a p-value of 0 read as this (a finite z-score)
COMBINED_P_VALUE = 0.01
"""The two model tests together (:func:`combined_p_value`) count only below this: the same rule as
:data:`TAUGHT_P_VALUE` and :data:`LEARNT_P_VALUE`. Null controls: taught, learnt or combined 1 of 327
(the same run as taught or learnt alone)."""


DISAGREED_AT_REPORT = 0.05
"""Excess mean disagreement of the validation-fitted judges with a source's labels over the trusted
source's (:mod:`~gapdoctor.causes.pseudo_label_noise.disagreement`), reported at 0.5: 5 points of the
source's labels contradicted by the validation labels, the same scale as the other statistics (each a
share of wrong labels)."""
DISAGREED_P_VALUE = 1e-3
"""The disagreement test counts *alone* only below this. It is a permutation test, exact under the
null, so a clean source passes a cut at its level: at 0.01 it blamed 3 of 336 corpus null controls
(``benchmarks/pseudo_label_disagreement.py``), which, added to the taught and learnt tests' 1% each,
would overrun the 2% healthy false-alarm budget; at 1e-3 it blamed none. Below :data:`COMBINED_P_VALUE`
it still counts together with the taught test (:func:`combined_p_value`): that kept the null controls
at the one run the learnt test already blames (the whole check: 1 of 336, as before), and added the
calibration side's seed 105 (taught p 0.012, disagreement p 0.015, neither clear alone); on the held-out
side it added seed 233 (0.09 and 0.002).

With the surprise statistic and the gradient-boosting judge (issue 13's eighth session; 301 null controls of
seeds 0-1599 rebuilt): 1 passed 1e-3 alone (held-out seed 130, also with the taught test), and the whole check
blamed 4 of 301 (1.3%: the learnt test's 3 as before, and 130), against 61 of 69 pseudo-labelled runs on the
calibration families and 29 of 52 held out (59 and 21 before). A cut of 0.01 alone, tried on the surprise with the
first judges, moved no headline on balance (two runs gained, two lost, one more null control blamed): kept."""


def combined_p_value(taught_p: float, learnt_p: float) -> float:
    """One-sided p-value of the taught and learnt tests together: Stouffer's z, for correlated tests.

    Each p-value is read as a z-score; their sum has variance ``2 + 2 * TESTS_CORRELATION`` under
    the null. Two tests each short of their cut can together be clear evidence; a test with no
    evidence at all (p = 1) leaves none.

    Examples
    --------
    >>> round(combined_p_value(0.02, 0.02), 4)  # two near misses agree
    0.0089
    >>> round(combined_p_value(0.001, 0.5), 3)  # one strong test, one silent: weaker together
    0.037
    >>> combined_p_value(0.001, 1.0)
    1.0
    """
    if max(taught_p, learnt_p) >= 1.0:
        return 1.0
    z = float(sps.norm.isf(max(taught_p, _SMALLEST_P)) + sps.norm.isf(max(learnt_p, _SMALLEST_P)))
    return float(sps.norm.sf(z / math.sqrt(2 + 2 * TESTS_CORRELATION)))


def combined_ratio(drop: float, excess: float, p_value: float, excess_at_report: float = LEARNT_AT_REPORT) -> float:
    """The mean of the taught drop's and the other test's ratios to their reporting points; 0 when not significant.

    The other test is the learnt excess (:data:`LEARNT_AT_REPORT`) or the disagreement excess
    (:data:`DISAGREED_AT_REPORT`). Both are a share of the source's labels that are wrong, on the same
    5-point scale; neither is significant alone, so neither one's size is taken as the effect.

    Examples
    --------
    >>> combined_ratio(0.04, 0.08, 0.005)
    1.2
    >>> combined_ratio(0.04, 0.08, 0.02)
    0.0
    """
    if p_value >= COMBINED_P_VALUE:
        return 0.0
    return (max(drop, 0.0) / TAUGHT_AT_REPORT + max(excess, 0.0) / excess_at_report) / 2


def disagreed_ratio(excess: float, p_value: float) -> float:
    """The excess disagreement over its reporting point; 0 when its test is not clear alone."""
    return max(excess, 0.0) / DISAGREED_AT_REPORT if p_value < DISAGREED_P_VALUE else 0.0


def excess_ratio(excess: float, *, separated: bool) -> float:
    """The excess flag rate over its reporting point, capped when the sources are not separated."""
    return capped(max(excess, 0.0) / AT_REPORT, UNSEPARATED_MAX_RATIO, when=not separated)


def taught_ratio(drop: float, p_value: float) -> float:
    """Validation accuracy lost by learning from a source, over its reporting point; 0 when not significant."""
    return max(drop, 0.0) / TAUGHT_AT_REPORT if p_value < TAUGHT_P_VALUE else 0.0


def learnt_ratio(excess: float, p_value: float) -> float:
    """The learnt-but-wrong excess over its reporting point; 0 when its test is not significant."""
    return max(excess, 0.0) / LEARNT_AT_REPORT if p_value < LEARNT_P_VALUE else 0.0


def score(ratio: float) -> float:
    """Strength of evidence of the strongest of the ratios the check kept."""
    return strength_from_ratio(ratio)
