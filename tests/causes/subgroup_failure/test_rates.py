"""The error ratio of a group against the rest: its interval covers the truth about 95% of the time,
widens with the number of groups compared, and stays finite next to an error-free rest; the odds
ratio pooled over two splits covers the common odds ratio about 95% of the time though the splits'
error rates differ, and a split harder for everyone does not pass for a gap between the groups."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.subgroup_failure.rates import Stratum, error_ratio, pooled_odds_ratio


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


def _stratum(rng: np.random.Generator, n: int, p: float, rest_n: int, rest_p: float) -> Stratum:
    return Stratum(int(rng.binomial(n, p)), n, int(rng.binomial(rest_n, rest_p)), rest_n)


def _with_odds(p: float, odds_ratio: float) -> float:
    odds = odds_ratio * p / (1 - p)
    return odds / (1 + odds)


def test_the_pooled_interval_covers_the_common_odds_ratio_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    true = 3.0  # validation: rest at 5% error; out-of-sample training rows: rest at 20%
    draws = [
        pooled_odds_ratio(
            [_stratum(rng, 15, _with_odds(0.05, true), 45, 0.05), _stratum(rng, 30, _with_odds(0.2, true), 90, 0.2)]
        )
        for _ in range(2000)
    ]
    covered = np.mean([r.low <= true <= r.high for r in draws])
    assert 0.93 <= covered <= 0.985


def test_a_split_harder_for_everyone_is_no_gap_between_the_groups() -> None:
    # the group is mostly training rows, where everyone errs 30% (vs 5% in validation): one table would
    # read its rows' higher error as the group's; the strata compare within each split
    strata = [Stratum(1, 20, 9, 180), Stratum(54, 180, 6, 20)]
    pooled = pooled_odds_ratio(strata)
    assert pooled.low < 1 < pooled.high and 0.8 < pooled.ratio < 1.25
    one_table = pooled_odds_ratio([Stratum(55, 200, 15, 200)])
    assert one_table.low > 2


def test_one_stratum_is_the_plain_odds_ratio() -> None:
    r = pooled_odds_ratio([Stratum(10, 50, 20, 400)])
    assert abs(r.ratio - (10 / 40) / (20 / 380)) < 1e-12
    assert r.low < r.ratio < r.high
