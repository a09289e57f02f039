"""Loop values as numbers and numpy arrays: mixed-precision tensors included."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.integrations.values import as_array, json_float, number


def test_bfloat16_and_float8_tensors_become_float32() -> None:
    torch = pytest.importorskip("torch")
    values = torch.tensor([0.5, 1.25, -3.0])
    for dtype in (torch.bfloat16, torch.float16, torch.float8_e4m3fn):
        array = as_array(values.to(dtype))
        assert array.dtype in (np.float32, np.float16)
        np.testing.assert_array_equal(array.astype(np.float64), [0.5, 1.25, -3.0])
    assert number(torch.tensor(2.5, dtype=torch.bfloat16)) == 2.5


def test_ml_dtypes_bfloat16_arrays_become_float32() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    array = as_array(np.array([0.5, 2.0], dtype=ml_dtypes.bfloat16))
    assert array.dtype == np.float32 and array.tolist() == [0.5, 2.0]


def test_not_one_number_raises_for_the_caller_to_drop() -> None:
    for value in ("abc", np.zeros(3), 1 + 2j, 10**400):
        with pytest.raises((TypeError, ValueError, OverflowError)):
            number(value)
    assert json_float(float("nan")) is None and json_float(1.5) == 1.5
