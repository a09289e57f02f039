"""Array inputs at the door: each root cause the fuzz suite found, as one explicit case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.arrays import to_numpy
from gapdoctor.inputs.evidence import build_evidence

torch = pytest.importorskip("torch")

Y_TRAIN = np.array([0, 1, 0, 1, 1, 0])
PROBS = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9], [0.4, 0.6], [0.7, 0.3]])


def _refused(argument: str, *words: str, **kwargs: object) -> GapdoctorInputError:
    with pytest.raises(GapdoctorInputError) as caught:
        gapdoctor.diagnose(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument.startswith(argument), caught.value
    for word in words:
        assert word in str(caught.value), caught.value
    return caught.value


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("argument", ["val_probs", "X_val", "y_val"])
def test_half_precision_tensors_are_widened_not_refused(dtype: str, argument: str) -> None:
    half = getattr(torch, dtype)
    inputs: dict[str, object] = {"y_val": Y_TRAIN, "val_probs": PROBS, "X_val": PROBS}
    inputs[argument] = torch.tensor(np.asarray(inputs[argument], dtype=np.float32)).to(half)
    ev = build_evidence(**inputs)  # type: ignore[arg-type]
    assert ev.val_probs is not None and ev.X_val is not None
    np.testing.assert_allclose(ev.val_probs, PROBS, atol=1e-2)  # bf16 keeps 3 significant digits
    assert ev.y_val is not None and ev.y_val.tolist() == Y_TRAIN.tolist()


def test_a_bfloat16_history_series_is_read() -> None:
    d = gapdoctor.diagnose(history={"train_loss": torch.linspace(1, 0.1, 8, dtype=torch.bfloat16)})
    assert d.curves["train_loss"][0] == 1.0


@pytest.mark.parametrize("argument", ["val_probs", "X_val", "y_val", "history"])
def test_a_meta_tensor_is_refused_naming_the_argument(argument: str) -> None:
    meta = torch.empty((6, 2), device="meta")
    inputs: dict[str, object] = {"y_val": Y_TRAIN, "val_probs": PROBS}
    inputs[argument] = {"val_loss": torch.empty(6, device="meta")} if argument == "history" else meta
    _refused(argument, "meta", **inputs)


def test_complex_values_and_dates_are_refused() -> None:
    _refused("X_val", "complex", X_val=PROBS.astype(np.complex128))
    _refused("history['val_loss']", "complex", history={"val_loss": np.array([1.0, 0.5j])})
    _refused("y_val", "dates", y_val=np.arange(3).astype("datetime64[D]"))


def test_ragged_rows_are_refused() -> None:
    _refused("X_train", "ragged", X_train=[[1.0, 2.0], [3.0]])
    _refused("groups_val", "ragged", y_val=[0, 1], groups_val=[[0, 1], "a"])


def test_a_feature_cell_holding_a_list_or_a_huge_integer_is_refused() -> None:
    cells = np.empty((2, 1), dtype=object)
    cells[:, 0] = [[1, 2], "a"]
    _refused("X_val", "column 0", "row 0", X_val=cells)
    huge = np.array([[10**400], [1]], dtype=object)
    _refused("X_val", "too large", X_val=huge)


def test_features_beyond_1e150_are_refused() -> None:
    # 1e308 overflowed the variance in three checks (a warning each, a NaN statistic)
    _refused("X_val", "beyond", "rescale", X_val=np.array([[1.0], [1e308]]))


def test_features_without_a_column_are_refused() -> None:
    _refused("X_train", "no feature column", X_train=np.empty((5, 0)), y_train=[0, 1, 0, 1, 0])


def test_groups_holding_lists_are_refused_and_bytes_are_decoded() -> None:
    groups = np.empty(2, dtype=object)
    groups[:] = [[1, 2], [3]]
    _refused("groups_val", "row 0", y_val=[0, 1], groups_val=groups)
    ev = build_evidence(y_val=[0, 1], groups_val=np.array([b"a", b"\xff"]))
    assert ev.groups_val is not None and ev.groups_val.tolist() == ["a", "\\xff"]


def test_metric_must_be_one_name() -> None:
    _refused("metric", "list", metric=["accuracy"])
    with pytest.raises(GapdoctorInputError, match="metric: expected a metric name"):
        gapdoctor.diagnose_search([{"value": 0.9}, {"value": 0.8}], metric=["accuracy"])  # type: ignore[arg-type]


def test_pandas_nullable_and_categorical_inputs_are_read() -> None:
    ev = build_evidence(
        X_val=pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": pd.Categorical(["x", "y", "x"])}),
        y_val=pd.Series(["p", "q", "p"], dtype="category"),
    )
    assert ev.X_val is not None and ev.classes == ("p", "q")
    np.testing.assert_array_equal(ev.X_val[:, 0], [1.0, np.nan, 3.0])  # numbers with a missing one, not categories


def test_to_numpy_refuses_mappings_and_sets() -> None:
    for value in ({"a": 1}, {1, 2}):
        with pytest.raises(GapdoctorInputError, match="array-like"):
            to_numpy("y_val", value)
