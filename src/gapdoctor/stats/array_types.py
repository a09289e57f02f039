"""The array types of gapdoctor's annotations, declared once for every module."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["FeatureArray", "FloatArray", "IntArray", "ProbabilityArray"]

FloatArray = NDArray[np.float64]
"""Floating-point values: features, probabilities, curves."""

IntArray = NDArray[np.int64]
"""Integer values: encoded labels, row indices, counts."""

ProbabilityArray = NDArray[np.floating[Any]]
"""Validated probabilities kept in the dtype they were given in (float32 or float64)."""

FeatureArray = NDArray[np.floating[Any]]
"""Validated feature matrices kept in the dtype they were given in (float32 or float64): the
checks read a float32 split as given, never through a float64 copy of it."""
