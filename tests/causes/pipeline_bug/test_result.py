"""pipeline_bug payloads: real findings of each kind round-trip through the JSON and draw their figures."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.causes.pipeline_bug.result import LabelEncoding, MisalignedRows, SplitPreprocessing, Unshuffled
from gapdoctor.findings import Finding
from tests.causes.typed_findings import assert_round_trips, figure_captions


def _finding(check: str, **data: np.ndarray) -> Finding:
    found = [f for f in gapdoctor.diagnose(**data).findings if f.check == check]
    assert found, f"{check} did not report"
    return found[0]


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, ...]:
    X, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))


def test_label_encoding_payload_round_trips_and_shows_the_mapping_table() -> None:
    X, y = load_wine(return_X_y=True)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    val_probs = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xt, yt).predict_proba(Xv)
    rotated = np.array([1, 2, 0])  # validation encoded by a rotated encoder
    finding = _finding(LabelEncoding.CHECK, y_train=yt, y_val=rotated[yv], val_probs=val_probs)
    assert_round_trips(finding, LabelEncoding)
    result = finding.result
    assert isinstance(result, LabelEncoding)
    assert result.mapping == {"classes": ["0", "1", "2"], "val_label_to_true": ["2", "0", "1"]}
    assert finding.evidence["mapping"] == result.mapping_text and "val '1' = model '0'" in result.mapping_text
    assert figure_captions(finding) == ["Validation label → training label"]


def test_misaligned_rows_payloads_round_trip_with_and_without_features(cancer: tuple[np.ndarray, ...]) -> None:
    Xt, Xv, yt, yv = cancer
    shuffled = np.random.default_rng(0).permutation(yv)
    by_features = _finding(MisalignedRows.CHECK, X_train=Xt, y_train=yt, X_val=Xv, y_val=shuffled)
    assert_round_trips(by_features, MisalignedRows)
    result = by_features.result
    assert isinstance(result, MisalignedRows) and result.split == "y_val"
    assert list(result.median_label_association) == ["median_label_association_train", "median_label_association_val"]
    assert result.association_retained is not None and result.val_mean_confidence is None
    assert figure_captions(by_features) == []

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xt, yt)
    by_probs = _finding(MisalignedRows.CHECK, y_train=yt, y_val=shuffled, val_probs=model.predict_proba(Xv))
    assert_round_trips(by_probs, MisalignedRows)
    result = by_probs.result
    assert isinstance(result, MisalignedRows)
    assert result.association_retained is None and result.median_label_association == {}
    assert result.val_mean_confidence is not None and result.val_mean_confidence > 0.8


def test_split_preprocessing_payload_round_trips_and_plots_the_rescaled_features(
    cancer: tuple[np.ndarray, ...],
) -> None:
    Xt, Xv, yt, yv = cancer
    standardised = StandardScaler().fit_transform(Xv)  # a scaler applied to validation only
    finding = _finding(SplitPreprocessing.CHECK, X_train=Xt, y_train=yt, X_val=standardised, y_val=yv)
    assert_round_trips(finding, SplitPreprocessing)
    result = finding.result
    assert isinstance(result, SplitPreprocessing)
    assert (result.split, result.pattern) == ("X_train", "standardised")  # X_train missed the scaler
    assert 1 <= len(result.features) <= 6 and len(result.affine) == min(5, result.features_rescaled)
    assert figure_captions(finding) == ["The features that differ most between the splits"]


def test_unshuffled_payload_round_trips(cancer: tuple[np.ndarray, ...]) -> None:
    _, _, yt, yv = cancer
    finding = _finding(Unshuffled.CHECK, y_train=yt, y_val=yv, train_label_order=np.sort(yt))
    assert_round_trips(finding, Unshuffled)
    result = finding.result
    assert isinstance(result, Unshuffled) and result.label_changes == 1
    assert figure_captions(finding) == []
