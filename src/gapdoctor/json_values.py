"""JSON-safe values: what every ``to_dict()`` and stored record is made of.

numpy scalars and arrays become Python numbers and lists, non-finite floats become
``null``, mapping keys become strings, anything else its ``str``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["json_safe"]


def json_safe(value: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats into JSON-safe values.

    Examples
    --------
    >>> import numpy as np
    >>> json_safe({"a": np.float32(0.5), "b": [np.inf, np.int64(2)], 3: (1, "x")})
    {'a': 0.5, 'b': [None, 2], '3': [1, 'x']}
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
