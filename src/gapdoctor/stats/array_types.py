"""The array types of gapdoctor's annotations, declared once for every module."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["FloatArray", "IntArray"]

FloatArray = NDArray[np.float64]
"""Floating-point values: features, probabilities, curves."""

IntArray = NDArray[np.int64]
"""Integer values: encoded labels, row indices, counts."""
