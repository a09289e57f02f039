"""Random labels and probabilities for the property tests of stats/ (hypothesis, derandomized as tests/fuzz).

A case draws the number of classes (1 to 5), the rows (0 to 30), the classes the labels
may take and the classes the argmax may take — so classes absent from ``y_true``,
classes never predicted, classes absent from both, a single class and an empty input
all occur.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
Case = tuple[np.ndarray, np.ndarray]


@st.composite
def cases(draw: st.DrawFn, max_classes: int = 5, max_rows: int = 30) -> Case:
    """Labels and probabilities; some classes may be absent from the labels or never win the argmax."""
    k = draw(st.integers(1, max_classes))
    n = draw(st.integers(0, max_rows))
    true_classes = sorted(draw(st.sets(st.integers(0, k - 1), min_size=1)))
    predicted_classes = sorted(draw(st.sets(st.integers(0, k - 1), min_size=1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.choice(true_classes, size=n).astype(np.int64)
    probs = rng.dirichlet(np.ones(k), size=n)
    probs[:, [c for c in range(k) if c not in predicted_classes]] *= 1e-3  # these never win the argmax
    return y, probs / probs.sum(axis=1, keepdims=True)


def same(got: float, want: float) -> bool:
    """Equal to the last bits, NaN equal to NaN."""
    return (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
