"""The error ratio of a group against the rest: its interval covers the truth about 95% of the time,
widens with the number of groups compared, and stays finite next to an error-free rest."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.subgroup_failure.rates import error_ratio


def test_the_interval_covers_the_true_ratio_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    n, rest_n, p, rest_p = 150, 650, 0.2, 0.08
    draws = [error_ratio(int(rng.binomial(n, p)), n, int(rng.binomial(rest_n, rest_p)), rest_n) for _ in range(2000)]
    covered = np.mean([r.low <= p / rest_p <= r.high for r in draws])
    assert 0.93 <= covered <= 0.975


def test_more_comparisons_widen_the_interval_around_the_same_ratio() -> None:
    one, four = error_ratio(30, 120, 60, 700), error_ratio(30, 120, 60, 700, comparisons=4)
    assert one.ratio == four.ratio
    assert four.low < one.low and four.high > one.high
    assert one.error == 0.25 and round(one.rest_error, 4) == round(60 / 700, 4)


def test_an_error_free_rest_gives_a_finite_interval() -> None:
    r = error_ratio(12, 40, 0, 500)
    assert np.isfinite(r.ratio) and np.isfinite(r.high) and r.low > 1
    none = error_ratio(0, 40, 30, 500)
    assert none.ratio < 1 and none.low < none.ratio < none.high
