"""The pipeline-bug experiment applies the correction its typed payload carries."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.causes.pipeline_bug.result import CollapsedPredictions, LabelEncoding, MisalignedRows, SplitPreprocessing
from gapdoctor.findings import Finding
from tests.experiments.experiment_helpers import FAST, experiment_for, logistic


def _diagnosed(check: str, **data: np.ndarray) -> Finding:
    found = [f for f in gapdoctor.diagnose(**data, model=logistic(), experiments=FAST).findings if f.check == check]
    assert found and found[0].experiment is not None, f"{check} did not report or was not tested"
    return found[0]


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, ...]:
    X, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))


def test_the_label_mapping_of_the_payload_is_applied_and_confirms() -> None:
    X, y = load_wine(return_X_y=True)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    rotated = np.array([1, 2, 0])  # validation encoded by a rotated encoder: every label moved
    data = {"X_train": Xt, "y_train": yt, "X_val": Xv, "y_val": rotated[yv]}
    finding = _diagnosed(LabelEncoding.CHECK, **data)
    assert isinstance(finding.result, LabelEncoding)
    assert finding.result.mapping["val_label_to_true"] == ["2", "0", "1"]
    assert finding.experiment is not None and finding.experiment["verdict"] == "confirmed"
    assert finding.experiment["details"]["labels_changed"] == len(yv)
    assert finding.experiment["n_fits"] == 0
    # a finding read back from JSON rebuilds its payload and applies the same mapping
    stored = Finding.from_dict({**finding.to_dict(), "experiment": None})
    experiment, _ = experiment_for(stored, logistic(), **data)
    assert experiment is not None and experiment["details"]["labels_changed"] == len(yv)


def test_a_split_standardised_alone_is_rescaled_whole_and_confirms(cancer: tuple[np.ndarray, ...]) -> None:
    Xt, Xv, yt, yv = cancer
    finding = _diagnosed(
        SplitPreprocessing.CHECK, X_train=Xt, y_train=yt, X_val=StandardScaler().fit_transform(Xv), y_val=yv
    )
    assert isinstance(finding.result, SplitPreprocessing) and finding.result.pattern == "standardised"
    assert len(finding.result.features) <= 6  # the figure shows a few; the correction maps every column back
    assert finding.experiment is not None
    assert finding.experiment["details"]["rescaled_features"] == [f"x{j}" for j in range(Xt.shape[1])]
    assert finding.experiment["verdict"] == "confirmed"


def test_features_in_other_units_are_the_ones_rescaled(cancer: tuple[np.ndarray, ...]) -> None:
    Xt, Xv, yt, yv = cancer
    in_other_units = Xv.copy()
    in_other_units[:, [0, 3]] *= 1000.0  # two columns loaded in other units
    finding = _diagnosed(SplitPreprocessing.CHECK, X_train=Xt, y_train=yt, X_val=in_other_units, y_val=yv)
    assert isinstance(finding.result, SplitPreprocessing) and finding.result.pattern == "common factor"
    named = [plotted["name"] for plotted in finding.result.features]
    assert sorted(named) == ["x0", "x3"]
    assert finding.experiment is not None
    assert finding.experiment["details"]["rescaled_features"] == named
    assert finding.experiment["verdict"] == "confirmed"


def test_a_finding_without_a_correction_is_not_tested(cancer: tuple[np.ndarray, ...]) -> None:
    Xt, Xv, yt, yv = cancer
    untyped = Finding("pipeline_bug", 0.9, "something is off")
    experiment, diagnosis = experiment_for(untyped, logistic(), X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    assert experiment is None
    assert any("pipeline_bug: skipped (the finding gives no label mapping" in n for n in diagnosis.notes)


@pytest.mark.parametrize("shift", [-2, 3])
def test_validation_labels_a_few_rows_off_are_paired_back_and_confirm(cancer: tuple[np.ndarray, ...], shift) -> None:
    Xt, Xv, yt, yv = cancer
    finding = _diagnosed(MisalignedRows.CHECK, X_train=Xt, y_train=yt, X_val=Xv, y_val=np.roll(yv, shift))
    assert isinstance(finding.result, MisalignedRows) and finding.result.label_offset == -shift
    experiment = finding.experiment
    assert experiment is not None and experiment["verdict"] == "confirmed" and experiment["n_fits"] == 0
    assert experiment["details"] == {"label_offset": -shift, "rows": len(yv) - abs(shift)}
    assert experiment["after"] > 0.9 > 0.7 > experiment["before"]  # re-paired, the model is right again


def test_validation_predictions_collapsed_onto_one_class_are_rescaled_whole_and_confirm(
    cancer: tuple[np.ndarray, ...],
) -> None:
    """The collapse is read from a loop's outputs alone; its experiment, run once the features are at hand,
    puts every validation feature on the training scale and predicts again."""
    Xt, Xv, yt, yv = cancer
    scaler = StandardScaler().fit(Xt)
    model = logistic().fit(scaler.transform(Xt), yt)  # the validation rows never go through the scaler
    outputs = gapdoctor.diagnose(
        y_train=yt, y_val=yv, train_probs=model.predict_proba(scaler.transform(Xt)), val_probs=model.predict_proba(Xv)
    )
    finding = next(f for f in outputs.findings if f.check == CollapsedPredictions.CHECK)
    assert isinstance(finding.result, CollapsedPredictions) and finding.result.val_pinned_share == 1.0
    stored = Finding.from_dict({**finding.to_dict(), "experiment": None})
    data = {"X_train": scaler.transform(Xt), "y_train": yt, "X_val": Xv, "y_val": yv}
    experiment, _ = experiment_for(stored, logistic(), **data)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert experiment["details"]["rescaled_features"] == [f"x{j}" for j in range(Xt.shape[1])]
