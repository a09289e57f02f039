"""distribution_shift payloads: real findings round-trip through the JSON and draw their figures."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine

import gapdoctor
from gapdoctor.causes.distribution_shift.result import CovariateShift, LabelShift
from gapdoctor.findings import Finding
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
