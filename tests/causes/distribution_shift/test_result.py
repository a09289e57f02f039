"""distribution_shift payloads: real findings round-trip through the JSON and draw their figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine

import gapdoctor
from gapdoctor.causes.distribution_shift.result import CovariateShift, LabelShift
from gapdoctor.causes.payload import payload_of
from gapdoctor.findings import Finding
from gapdoctor.ranking import rank
from tests.causes.typed_findings import assert_round_trips, figure_captions


@pytest.fixture(scope="module")
def shifted() -> dict[str, Finding]:
    """Wine split by alcohol: validation holds the high-alcohol rows (and so other classes)."""
    X, y = load_wine(return_X_y=True)
    high = X[:, 0] > np.median(X[:, 0])
    d = gapdoctor.diagnose(X_train=X[~high], y_train=y[~high], X_val=X[high], y_val=y[high])
    return {f.check: f for f in d.findings}


def test_covariate_shift_payload_round_trips_and_plots_its_features(shifted: dict[str, Finding]) -> None:
    finding = shifted[CovariateShift.CHECK]
    assert_round_trips(finding, CovariateShift)
    result = finding.result
    assert isinstance(result, CovariateShift)
    assert result.features_shifted >= 1 and result.domain_auc_low > 0.5
    assert result.features[0]["name"] == "x0"  # alcohol itself differs most
    assert "shifted_1" in result.shifted and all(k.startswith("shifted_") for k in result.shifted)
    # two spread fields in one place: each is rebuilt from its own prefix
    assert list(result.separating) == ["separating_1"] and result.separating["separating_1"].startswith("x0:")
    assert figure_captions(finding) == ["The features that differ most between the splits"]


def test_label_shift_payload_round_trips_without_figures(shifted: dict[str, Finding]) -> None:
    finding = shifted[LabelShift.CHECK]
    assert_round_trips(finding, LabelShift)
    result = finding.result
    assert isinstance(result, LabelShift)
    assert result.prior_tvd > 0.1 and set(result.prior) <= {"prior_0", "prior_1", "prior_2"}
    assert figure_captions(finding) == []


def test_covariate_shift_payload_with_features_left_out_as_leakage_round_trips() -> None:
    """A genuine shift plus a column target-encoded on every training row: the column is left out, by name."""
    X, y = load_wine(return_X_y=True)
    high = X[:, 0] > np.median(X[:, 0])
    Xt, yt, Xv, yv = X[~high], y[~high], X[high], y[high]
    rng = np.random.default_rng(0)
    ids_t, ids_v = rng.integers(0, len(yt), len(yt)), rng.integers(0, len(yt), len(yv))
    share_of_1 = {i: (yt[ids_t == i] == 1).mean() for i in set(ids_t)}  # in-sample: each row sees its label
    enc_t = np.array([share_of_1[i] for i in ids_t])
    enc_v = np.array([share_of_1.get(i, (yt == 1).mean()) for i in ids_v])
    d = gapdoctor.diagnose(X_train=np.c_[Xt, enc_t], y_train=yt, X_val=np.c_[Xv, enc_v], y_val=yv)
    finding = next(f for f in d.findings if f.check == CovariateShift.CHECK)
    assert_round_trips(finding, CovariateShift)
    result = finding.result
    assert isinstance(result, CovariateShift)
    assert result.features_excluded_as_leakage == 1
    assert list(result.excluded) == ["excluded_1"] and result.excluded["excluded_1"].startswith("x13:")
    assert all(k.startswith("shifted_") for k in result.shifted)  # three spread fields, each its own prefix
    assert all(k.startswith("separating_") and not v.startswith("x13:") for k, v in result.separating.items())


RECORDED = Path(__file__).parents[2] / "data" / "corpus" / "label_shift_with_label_noise.json"


@pytest.mark.parametrize("seed", ["15", "29"])
def test_a_prior_moved_by_reported_label_noise_waits_behind_it(seed: str) -> None:
    # Calibration-corpus seeds 15 and 29 (symmetric flips on imbalanced classes; findings recorded by
    # `python -m gapdoctor.bench.corpus diagnose` at d3671e9): the flips pull the training prior toward
    # uniform, read as a label shift scored above the label noise that caused it, and headlined.
    recorded = json.loads(RECORDED.read_text())[seed]
    assert "distribution_shift" not in recorded["causes"] and "label_noise" in recorded["causes"]
    ranked = rank([Finding.from_dict(f) for f in recorded["findings"]])
    shift = next(f for f in ranked if f.check == LabelShift.CHECK)
    noise = next(f for f in ranked if f.cause == "label_noise")
    # the stored finding's payload is rebuilt from its evidence: a stored diagnosis ranks as a fresh one
    assert shift.result is None and payload_of(shift) == LabelShift.from_parts(shift.evidence, shift.data)
    assert not noise.weak and not shift.weak and shift.score > noise.score
    assert ranked[0] is noise
    assert "label_noise explains it and is itself reported" in (noise.ranked_ahead_because or "")
