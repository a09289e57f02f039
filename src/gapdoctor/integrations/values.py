"""Values from a training loop as plain numbers and numpy arrays, whatever the framework.

Tensors are read without importing their framework (duck typing). Floating-point
types numpy cannot hold (``torch.bfloat16``, float8) are converted to float32 first:
mixed-precision runs (``torch.autocast(dtype=torch.bfloat16)``, Lightning's
``precision="bf16-mixed"``) are recorded like any other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gapdoctor.stats.array_types import FloatArray

__all__ = ["FloatArray", "as_array", "json_float", "number", "tensor_to_numpy"]


def number(value: Any) -> float:
    """A loss/metric as float: Python numbers, numpy scalars, 0-d tensors and arrays of any backend.

    Raises whatever the conversion raises for a value that is not one number.

    Examples
    --------
    >>> number(np.float32(0.5)), number(np.array([2.0]))
    (0.5, 2.0)
    """
    return float(value.item() if hasattr(value, "item") else value)


def tensor_to_numpy(tensor: Any) -> np.ndarray[Any, Any]:
    """A torch tensor on the host as numpy; bfloat16 and other types numpy lacks become float32."""
    host = tensor.detach().cpu()
    try:
        return np.asarray(host.numpy())
    except TypeError:  # "Got unsupported ScalarType BFloat16" (and float8 types)
        return np.asarray(host.float().numpy())


def as_array(value: Any) -> np.ndarray[Any, Any]:
    """numpy view of a tensor (any framework), array or list; exotic float types become float32.

    Examples
    --------
    >>> as_array([1, 2]).tolist()
    [1, 2]
    """
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        return tensor_to_numpy(value)
    array = np.asarray(value)
    if array.dtype.kind == "V" or (array.dtype.kind == "f" and array.dtype.type not in _NUMPY_FLOATS):
        array = array.astype(np.float32)  # ml_dtypes' bfloat16 (JAX, Keras), float8
    return array


_NUMPY_FLOATS = (np.float16, np.float32, np.float64, np.longdouble)


def json_float(value: float) -> float | None:
    """``value``, or None when it is NaN or infinite (JSON has neither)."""
    return value if math.isfinite(value) else None
