"""Validation at the door: every kind of bad input raises GapdoctorInputError naming the argument."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

import gapdoctor
from gapdoctor.inputs.evidence import build_evidence

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.array([0, 1, 2, 0, 1, 2])
P = np.full((6, 3), 1 / 3)

BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown metric", {"metric": "acuracy"}, "metric"),
    ("X 1-D", {"X_train": np.arange(6.0), "y_train": Y}, "X_train"),
    ("X empty", {"X_val": np.empty((0, 3))}, "X_val"),
    ("y empty", {"y_val": np.array([])}, "y_val"),
    ("X infinite", {"X_train": np.where(X > 1, np.inf, X), "y_train": Y}, "X_train"),
    ("feature count differs", {"X_train": X, "y_train": Y, "X_val": X[:, :2], "y_val": Y}, "X_val"),
    ("rows vs labels", {"X_train": X, "y_train": Y[:5]}, "y_train"),
    ("labels 2-D", {"y_train": np.eye(3)[Y]}, "y_train"),
    ("labels NaN", {"y_val": np.array([0.0, np.nan, 1.0])}, "y_val"),
    ("labels regression", {"y_train": np.array([0.5, 1.2, 3.3])}, "y_train"),
    ("labels missing", {"y_train": np.array(["a", None, "b"], dtype=object)}, "y_train"),
    ("labels mixed types", {"y_train": np.array(["a", 1, "b"], dtype=object)}, "y_train"),
    ("unknown val label, no column", {"y_train": Y, "y_val": np.array([0, 1, 7, 0, 1, 2]), "val_probs": P}, "y_val"),
    ("str vs int labels", {"y_train": Y, "y_val": np.array(["a", "b"])}, "y_val"),
    ("probs without labels", {"val_probs": P}, "val_probs"),
    ("probs wrong rows", {"y_val": Y, "val_probs": P[:4]}, "val_probs"),
    ("probs NaN", {"y_val": Y, "val_probs": np.where(P > 0, np.nan, P)}, "val_probs"),
    ("probs negative (logits)", {"y_val": Y, "val_probs": P - 0.5}, "val_probs"),
    ("probs not summing to 1", {"y_val": Y, "val_probs": P * 2}, "val_probs"),
    ("probs wrong class count", {"y_val": Y, "val_probs": np.full((6, 2), 0.5)}, "val_probs"),
    ("probs 3-D", {"y_train": Y, "train_probs": P[:, :, None]}, "train_probs"),
    (
        "train/val prob columns differ",
        {"y_train": Y, "y_val": Y, "train_probs": P, "val_probs": np.full((6, 4), 0.25)},
        "val_probs",
    ),
    ("groups wrong length", {"y_val": Y, "groups_val": ["a"] * 5}, "groups_val"),
    ("groups without split", {"groups_val": ["a"] * 6}, "groups_val"),
    ("sources 2-D", {"y_train": Y, "sources_train": np.zeros((6, 2))}, "sources_train"),
    ("model without predict_proba", {"model": object()}, "model"),
    ("history not a mapping", {"history": 3.0}, "history"),
    ("history empty", {"history": {}}, "history"),
    ("history unequal lengths", {"history": {"train_loss": [1, 2, 3], "val_loss": [1, 2]}}, "unequal"),
    ("history unknown name", {"history": {"train_loss": [1.0], "val_foo": [1.0]}}, "val_foo"),
    ("history non-numeric", {"history": {"train_loss": [1.0, "x"]}}, "train_loss"),
    # a validation curve NaN throughout is evidence (pipeline_bug.nan_validation); another series is bad input
    ("history all NaN", {"history": {"train_loss": [1.0, 0.5], "train_accuracy": [None, None]}}, "train_accuracy"),
    ("history duplicate meaning", {"history": {"loss": [1.0], "train_loss": [1.0]}}, "both mean"),
    ("sample losses without labels", {"sample_losses": np.ones((2, 6))}, "sample_losses"),
    (
        "sample loss rows out of range",
        {"y_train": Y, "sample_losses": np.ones((2, 2)), "sample_loss_rows": [0, 9]},
        "sample_loss_rows",
    ),
    ("label order unknown label", {"y_train": Y, "train_label_order": [0, 1, 9]}, "train_label_order"),
]


@pytest.mark.parametrize(("kwargs", "named"), [pytest.param(k, n, id=i) for i, k, n in BAD_INPUTS])
def test_bad_input_raises_one_error_naming_the_argument(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError) as info:
        gapdoctor.diagnose(**kwargs)
    message = str(info.value)
    assert named in message
    assert "Fix:" in message  # every message says how to fix it


def test_numpy_pandas_and_torch_inputs_give_the_same_evidence() -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    from_numpy = build_evidence(X_train=X, y_train=Y, y_val=Y, val_probs=P)
    from_pandas = build_evidence(X_train=frame, y_train=pd.Series(Y), y_val=Y, val_probs=pd.DataFrame(P))
    from_torch = build_evidence(X_train=torch.tensor(X), y_train=torch.tensor(Y), y_val=Y, val_probs=torch.tensor(P))
    for ev in (from_pandas, from_torch):
        assert ev.X_train is not None and from_numpy.X_train is not None
        np.testing.assert_allclose(ev.X_train, from_numpy.X_train)
        assert ev.y_train is not None and from_numpy.y_train is not None
        np.testing.assert_array_equal(ev.y_train, from_numpy.y_train)
    assert from_pandas.feature_names == ("a", "b", "c")
    assert from_numpy.feature_names == ("x0", "x1", "x2")


def test_string_labels_share_one_encoder_across_splits() -> None:
    ev = build_evidence(y_train=["dog", "cat", "bird"], y_val=["cat", "cat", "dog"])
    assert ev.classes == ("bird", "cat", "dog")
    assert ev.y_val is not None and ev.y_val.tolist() == [1, 1, 2]


def test_binary_probabilities_may_be_one_column() -> None:
    ev = build_evidence(y_val=[0, 1, 1], val_probs=[0.2, 0.9, 0.6])
    assert ev.val_probs is not None
    np.testing.assert_allclose(ev.val_probs[:, 1], [0.2, 0.9, 0.6])
    np.testing.assert_allclose(ev.val_probs.sum(axis=1), 1.0)


def test_class_absent_from_labels_is_kept_when_probabilities_have_its_column() -> None:
    ev = build_evidence(y_val=[0, 2, 2], val_probs=np.full((3, 3), 1 / 3))
    assert ev.classes == (0, 1, 2)


def test_string_feature_columns_are_encoded_with_shared_categories() -> None:
    train = pd.DataFrame({"colour": ["red", "blue", "red"], "size": [1.0, 2.0, 3.0]})
    val = pd.DataFrame({"colour": ["blue", "green"], "size": [1.0, 2.0]})
    ev = build_evidence(X_train=train, X_val=val)
    assert ev.X_train is not None and ev.X_val is not None
    assert ev.X_train[:, 0].tolist() == [0.0, 1.0, 0.0]
    assert ev.X_val[:, 0].tolist() == [1.0, 2.0]  # blue as in train, green is new
    assert ev.categorical_features == ("colour",)


def test_nan_features_are_missing_values_not_errors() -> None:
    Xn = X.copy()
    Xn[0, 0] = np.nan
    ev = build_evidence(X_train=Xn, y_train=Y)
    assert ev.X_train is not None and np.isnan(ev.X_train[0, 0])


def test_confusion_matrix_is_computed_chunk_by_chunk() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=1000)
    probs = rng.dirichlet(np.ones(3), size=1000)
    ev = build_evidence(y_val=y, val_probs=probs)
    small_chunks = type(ev)(**{**ev.__dict__, "chunk_rows": 7})
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (y, probs.argmax(1)), 1)
    assert small_chunks.val_confusion is not None
    np.testing.assert_array_equal(small_chunks.val_confusion, expected)


def test_float_inputs_are_used_without_a_copy() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    probs = rng.dirichlet(np.ones(3), size=50)
    ev = build_evidence(X_train=X, y_train=rng.integers(0, 3, 50), train_probs=probs)
    assert ev.X_train is X and ev.train_probs is probs  # a 1 GB split costs no second gigabyte
    X32 = X.astype(np.float32)
    assert build_evidence(X_train=X32).X_train is X32  # float32 stays float32: no float64 copy either
    as_ints = build_evidence(X_train=np.arange(6).reshape(3, 2))
    assert as_ints.X_train is not None and as_ints.X_train.dtype == np.float64


def test_a_split_changed_in_place_between_two_diagnoses_is_measured_afresh() -> None:
    rng = np.random.default_rng(1)
    X_train, X_val = rng.normal(size=(3_000, 4)), rng.normal(size=(3_000, 4))
    first = gapdoctor.diagnose(X_train=X_train, X_val=X_val)
    assert not [f for f in first.findings if f.cause == "distribution_shift" and not f.weak]
    X_val[:, 2] += 1.0  # the caller's own array, shared with the first Evidence (not copied)
    second = gapdoctor.diagnose(X_train=X_train, X_val=X_val)
    (shift,) = [f for f in second.findings if f.check == "distribution_shift.covariate"]
    assert shift.evidence["features_shifted"] == 1  # the per-feature tests ran again, not read from a cache
    assert str(shift.evidence["shifted_1"]).startswith("x2:")
