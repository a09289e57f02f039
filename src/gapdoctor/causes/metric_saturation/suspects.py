"""Validation rows that may be label errors: the model contradicts them with near certainty.

Read by the label-noise ceiling (:func:`~gapdoctor.causes.metric_saturation.check.label_noise_ceiling`)
and by the test of whether they explain a rising validation loss
(:func:`~gapdoctor.causes.metric_saturation.loss_noise.others_rose`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = ["SUSPECT_GIVEN_AT_MOST", "SUSPECT_OTHER_AT_LEAST", "suspect_rows"]

SUSPECT_GIVEN_AT_MOST = 0.05
"""A suspect's given label has at most this probability..."""
SUSPECT_OTHER_AT_LEAST = 0.9
"""...and another class at least this one."""


def suspect_rows(y: IntArray, probs: FloatArray) -> NDArray[np.bool_]:
    """Rows whose given label has probability at most 0.05 while another class has at least 0.9.

    Examples
    --------
    >>> suspect_rows(np.array([0, 1, 1]), np.array([[0.97, 0.03], [0.97, 0.03], [0.5, 0.5]])).tolist()
    [False, True, False]
    """
    given = probs[np.arange(len(y)), y]
    return np.asarray((given <= SUSPECT_GIVEN_AT_MOST) & (probs.max(axis=1) >= SUSPECT_OTHER_AT_LEAST))
