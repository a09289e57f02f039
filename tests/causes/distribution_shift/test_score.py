"""distribution_shift's score: a feature's effect counts at the low end of its 99.9% interval.

Recorded inputs of a never-read healthy corpus run (seed 12316: synthetic_wide, a random split, 1,071
training and 143 validation rows of 65 features), read byte-for-byte from
``tests/data/corpus/chance_feature_shift_seed12316.npz`` (``tests/data/record_misread_splits.py``). By
chance one noise feature sits 0.34 sd lower in validation: significant after correction, yet the domain
classifier cannot tell the splits apart. The feature alone headlined a shift at 0.95.
"""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.distribution_shift.check import covariate_shift
from gapdoctor.causes.distribution_shift.score import FEATURE_Z, REPORTED_RATIO, feature_ratios
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.splits import compare_features
from tests.data.recording import corpus_inputs


def _splits() -> dict[str, np.ndarray]:
    return corpus_inputs("chance_feature_shift_seed12316")


def test_a_lone_chance_feature_on_a_small_split_is_significant_but_not_reported() -> None:
    splits = _splits()
    comparison = compare_features(splits["X_train"], splits["X_val"])
    assert np.flatnonzero(comparison.shifted).tolist() == [14]  # the test alone: significant, 0.34 sd
    assert comparison.strength[14] > 3  # what scored it 0.95
    assert feature_ratios(comparison)[14] < REPORTED_RATIO  # 0.34 sd with 99.9% interval reaching 0.05

    findings = covariate_shift(build_evidence(**splits))
    assert all(f.score < 0.5 for f in findings)
    assert findings and "x14" in findings[0].summary and "too little to be sure" in findings[0].summary
    diagnosis = gapdoctor.diagnose(**splits)
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "distribution_shift")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_same_split_with_a_real_shift_of_that_feature_is_reported(seed: int) -> None:
    splits = _splits()
    rng = np.random.default_rng(seed)
    X_val = splits["X_val"].copy()
    X_val[:, 14] = rng.normal(0.8, 1.0, len(X_val))  # training x14 is standardised: 0.8 sd higher
    comparison = compare_features(splits["X_train"], X_val)
    assert feature_ratios(comparison)[14] >= REPORTED_RATIO
    findings = covariate_shift(build_evidence(**{**splits, "X_val": X_val}))
    assert findings and findings[0].score >= 0.5 and "x14" in findings[0].summary


def test_the_interval_narrows_with_rows() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 2))
    b = rng.normal(size=(4000, 2))
    b[:, 1] += 0.3
    small, large = compare_features(a[:1000], b[:150]), compare_features(a, b)
    for comparison in (small, large):
        expected = FEATURE_Z * np.sqrt(1 / comparison.n_train + 1 / comparison.n_val)
        ratio = feature_ratios(comparison)[1]
        effect = comparison.effect[1]
        if comparison.strength[1] > 0:
            assert ratio == pytest.approx(comparison.strength[1] * (1 - expected / effect))
    assert feature_ratios(large)[1] >= REPORTED_RATIO  # 0.3 sd on 4,000 rows a side: sure of 0.1 sd
    assert feature_ratios(small)[1] < feature_ratios(large)[1]
    assert feature_ratios(large)[0] == 0.0  # not shifted
