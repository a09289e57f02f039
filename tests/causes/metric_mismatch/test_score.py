"""metric_mismatch's declared scoring: a gain of 3 points or more whose 95% interval excludes 0 is reported."""

from __future__ import annotations

import pytest

from gapdoctor.causes.metric_mismatch.score import (
    GAIN_AT_REPORT,
    VALIDATION_PART_FLOOR,
    certainty_ratio,
    score,
    sources,
)
from gapdoctor.findings import REPORT_THRESHOLD


def test_issue_13s_imbalanced_f1_case_is_reported() -> None:
    # cross-validated threshold gain +0.075, 95% interval +0.004 to +0.142: scored 0.46 at z = 2.5
    assert score(0.075, 0.004) >= REPORT_THRESHOLD


@pytest.mark.parametrize("gain", [0.04, 0.075, 0.2, 0.5])
def test_the_interval_decides_at_zero(gain: float) -> None:
    assert score(gain, 0.0) == pytest.approx(REPORT_THRESHOLD)
    assert score(gain, 0.001) > REPORT_THRESHOLD
    assert score(gain, -0.001) < REPORT_THRESHOLD


def test_a_certain_gain_under_three_points_stays_weak() -> None:
    assert score(0.9 * GAIN_AT_REPORT, 0.8 * GAIN_AT_REPORT) < REPORT_THRESHOLD
    assert score(GAIN_AT_REPORT, 0.8 * GAIN_AT_REPORT) == pytest.approx(REPORT_THRESHOLD)


def test_stronger_evidence_scores_higher() -> None:
    assert score(0.1, 0.05) > score(0.1, 0.01) > score(0.1, -0.05) > 0.0
    assert score(0.2, 0.15) > score(0.1, 0.05)  # a larger gain, as sure


def test_no_gain_or_no_interval_is_no_evidence() -> None:
    assert score(0.0, -0.02) == 0.0
    assert score(-0.05, -0.1) == 0.0
    assert score(0.2, float("nan")) == 0.0
    assert certainty_ratio(0.05, 0.05) > 1e6  # an interval with no width below the gain: certain


def test_pooled_rows_count_when_the_validation_rows_agree() -> None:
    alone = score(0.04, -0.01)
    assert alone < REPORT_THRESHOLD
    assert max(sources(0.04, -0.01, 0.05, 0.01, 0.03).values()) >= REPORT_THRESHOLD > alone
    assert max(sources(0.04, -0.01).values()) == alone  # no training rows
    assert max(sources(0.08, 0.02, 0.01, -0.01, 0.05).values()) == score(0.08, 0.02)  # the stronger of the two


@pytest.mark.parametrize("on_validation", [0.0, -0.02])
def test_pooled_rows_do_not_outvote_the_validation_rows(on_validation: float) -> None:
    assert on_validation <= VALIDATION_PART_FLOOR
    assert max(sources(-0.02, -0.06, 0.1, 0.05, on_validation).values()) == 0.0
