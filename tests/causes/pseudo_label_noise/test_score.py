"""pseudo_label_noise.score: the two model tests combined."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from gapdoctor.causes.pseudo_label_noise.score import (
    COMBINED_P_VALUE,
    TESTS_CORRELATION,
    combined_p_value,
    combined_ratio,
)

_MEASURED_NULL_CORRELATION = 0.35  # the two tests' z-scores on the calibration side's null controls


def _false_alarm_rate(correlation: float) -> float:
    rng = np.random.default_rng(0)
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, correlation], [correlation, 1.0]], size=30_000)
    p = sps.norm.sf(z)
    return float(np.mean([combined_p_value(a, b) < COMBINED_P_VALUE for a, b in p]))


def test_two_clean_tests_at_the_measured_correlation_pass_together_at_most_at_the_cut() -> None:
    assert _false_alarm_rate(_MEASURED_NULL_CORRELATION) <= COMBINED_P_VALUE
    # at the assumed correlation itself the test is exact
    assert abs(_false_alarm_rate(TESTS_CORRELATION) - COMBINED_P_VALUE) < 0.002  # 30k draws: sd 0.0006


def test_read_as_independent_the_same_tests_would_alarm_too_often() -> None:
    # why the correlation matters: strongly correlated tests combined as if it were smaller alarm more
    assert _false_alarm_rate(0.9) > 1.5 * COMBINED_P_VALUE


def test_two_near_misses_together_are_clear_and_score_their_mean_effect() -> None:
    p = combined_p_value(0.02, 0.02)
    assert p < COMBINED_P_VALUE < 0.02
    assert combined_ratio(0.10, 0.20, p) == 3.0  # (0.10 / 0.05 + 0.20 / 0.05) / 2
    assert combined_ratio(0.10, 0.20, 0.5) == 0.0


def test_a_test_with_no_evidence_leaves_none() -> None:
    assert combined_p_value(1e-9, 1.0) == 1.0
    assert combined_p_value(0.0, 0.5) < 1e-10
