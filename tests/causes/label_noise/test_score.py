"""label_noise's scoring declaration: the measured figures of corpus runs it must not read as label noise."""

from __future__ import annotations

import pytest

from gapdoctor.causes.label_noise.score import UNCLEARED_MAX_RATIO, noise_ratio, score


def test_an_estimate_within_a_doubt_that_reaches_chance_is_no_evidence() -> None:
    # Held-out corpus seed 274 (metric_mismatch, a 9.5% positive class, logistic regression): the
    # out-of-fold models are no more accurate than the majority class; confident learning flags
    # 15.0% (interval from 10.9%), within their own doubt (17.06%), itself at chance (17.16%).
    # The surer final model's control read 3.9% (upper bound 8.5%): main scored 0.65.
    within_chance = noise_ratio(0.1498, 0.1093, 0.0852, chance=0.1716, own_uncertainty=0.1706)
    assert score(within_chance) < 0.05
    # the demo's models (digits, 30% flips) doubt as much as they flag, far below chance: kept
    demo = noise_ratio(0.3425, 0.2971, 0.1745, chance=0.8992, own_uncertainty=0.3552)
    assert score(demo) >= 0.5


def test_an_estimate_wholly_past_chance_is_a_mismatch_not_noise() -> None:
    # Corpus seed 232 (pipeline_bug on iris): folds without a class contradict 86.9% of the labels
    # (interval from 79.3%) where a model that learned nothing contradicts 66.7%.
    assert noise_ratio(0.8694, 0.7928, 0.6223, chance=0.6666) == 0.0
    # seeds 113 and 127 (37-39% symmetric flips, binary): estimates at chance, intervals reaching below it
    assert noise_ratio(0.501, 0.4755, 0.40, chance=0.4993) > 1.0


@pytest.mark.parametrize("clears", [None, 0.10])
def test_the_low_end_must_clear_the_floor_or_the_control_it_is_given(clears: float | None) -> None:
    ratio = noise_ratio(0.20, 0.11, 0.12, clears=clears)
    assert (ratio <= UNCLEARED_MAX_RATIO) == (clears is None)
