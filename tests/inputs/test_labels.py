"""Labels and probabilities at the door: each root cause the fuzz suite found, as one explicit case."""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.inputs.labels import encode_labels, label_array


def _refused(argument: str, *words: str, **kwargs: object) -> GapdoctorInputError:
    with pytest.raises(GapdoctorInputError) as caught:
        gapdoctor.diagnose(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument.startswith(argument), caught.value
    for word in words:
        assert word in str(caught.value), caught.value
    return caught.value


def test_float_labels_past_2_53_stay_distinct_classes() -> None:
    # cast to int64, 1e19 and 2e19 both became INT64_MIN: one class
    ev = build_evidence(y_train=[1e19, 2e19, 1e19], y_val=[2e19, 1e19])
    assert ev.classes == (1e19, 2e19)
    assert ev.y_val is not None and ev.y_val.tolist() == [1, 0]
    _refused("y_val", "infinite", y_val=[1.0, np.inf])


def test_uint64_labels_past_2_53_are_exact_across_splits() -> None:
    big = np.array([2**63 + 1, 2**63 + 2], dtype=np.uint64)
    ev = build_evidence(y_train=big, y_val=big[::-1].astype(np.uint64))
    assert ev.classes == (2**63 + 1, 2**63 + 2)
    unseen = build_evidence(y_train=big, y_val=np.array([2**63 + 3, 2**63 + 1], dtype=np.uint64))
    assert unseen.classes == (2**63 + 1, 2**63 + 2, 2**63 + 3)  # a class only validation holds is a class
    assert unseen.y_val is not None and unseen.y_val.tolist() == [2, 0]


def test_validation_labels_never_seen_in_training_are_refused_only_without_a_probability_column() -> None:
    # one column per training class (scikit-learn's predict_proba of a model fitted on y_train): class 2 has none
    probs = np.full((3, 2), 0.5)
    _refused("y_val", "never seen", "2 columns for 3 classes", y_train=[0, 1, 0, 1], y_val=[0, 1, 2], val_probs=probs)
    _refused("y_val", "never seen", y_train=["a", "b"], y_val=["a", "b", "c"], val_probs=probs)
    ev = build_evidence(y_train=[0, 1, 0, 1], y_val=[0, 1, 2], val_probs=np.full((3, 3), 1 / 3))
    assert ev.classes == (0, 1, 2) and ev.y_val is not None and ev.y_val.tolist() == [0, 1, 2]


def test_labels_of_two_families_are_refused() -> None:
    _refused("y_val", "bytes", "text", y_train=["a", "b"], y_val=[b"a", b"b"])
    _refused("y_val", "number", y_train=[0, 1], y_val=np.array(["0", "1"]))
    with pytest.raises(GapdoctorInputError, match="list"):
        label_array("y_val", np.array([[1], [2, 3]], dtype=object))


def test_labels_of_one_odd_type_without_order_are_encoded() -> None:
    classes, yt, yv = encode_labels(np.array([1.5j], dtype=object), None, None)
    assert classes == (1.5j,) and yt is not None and yt.tolist() == [0] and yv is None


def test_probabilities_given_as_strings_are_refused() -> None:
    _refused("val_probs", "non-numeric", y_val=[0, 1], val_probs=np.array(["0.2", "0.7"]))


def test_three_probability_columns_for_binary_labels_are_refused() -> None:
    # Decision: a column is accepted without a label only when a larger class id names a
    # later column (ids 0 and 2 imply class 1); a column past every label id is unexplained.
    _refused("val_probs", "3 class columns", "2 classes", y_val=[0, 1, 1], val_probs=np.full((3, 3), 1 / 3))
    ev = build_evidence(y_val=[0, 2, 2], val_probs=np.full((3, 3), 1 / 3))
    assert ev.classes == (0, 1, 2)
    ev = build_evidence(y_train=[0, 1, 2], y_val=[0, 1, 1], val_probs=np.full((3, 3), 1 / 3))
    assert ev.n_classes == 3


def test_float32_softmax_rows_are_renormalised() -> None:
    probs = np.array([[0.1, 0.2, 0.7000003]], dtype=np.float32)
    ev = build_evidence(y_val=[2], val_probs=probs)
    assert ev.val_probs is not None and ev.val_probs.sum() == pytest.approx(1.0, abs=1e-15)
