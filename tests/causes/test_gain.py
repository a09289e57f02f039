"""The shape of ``finding.gain``: validated once, normalised, rounded as the payloads are."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gapdoctor.causes.gain import checked_gain, gain_size, make_gain


def test_make_gain_rounds_and_states_none_for_a_figure_that_is_not_finite() -> None:
    gain = make_gain("f1", now=0.812345, after_fix=0.856789, low=0.83, high=0.88)
    assert gain == {"metric": "f1", "now": 0.8123, "after_fix": 0.8568, "interval": (0.83, 0.88)}
    assert gain_size(gain) == pytest.approx(0.0445)
    assert make_gain("f1", now=0.8, after_fix=0.85, low=math.nan, high=0.9) is None
    error = make_gain("error", now=0.2, after_fix=0.15, low=0.12, high=0.18)
    assert error is not None and gain_size(error) == pytest.approx(0.05)  # a lower error gains as much


@pytest.mark.parametrize(
    ("gain", "message"),
    [
        ({"metric": "f1", "now": 0.8, "after_fix": 0.9}, "exactly the keys"),
        ({"metric": "f1", "now": 0.8, "after_fix": 0.9, "interval": [0.8, 0.9], "extra": 1}, "exactly the keys"),
        ({"metric": "", "now": 0.8, "after_fix": 0.9, "interval": [0.8, 0.9]}, "metric name"),
        ({"metric": "f1", "now": True, "after_fix": 0.9, "interval": [0.8, 0.9]}, "finite number"),
        ({"metric": "f1", "now": 0.8, "after_fix": math.inf, "interval": [0.8, 0.9]}, "finite number"),
        ({"metric": "f1", "now": 0.8, "after_fix": 0.9, "interval": "0.8-0.9"}, r"\[low, high\]"),
        ({"metric": "f1", "now": 0.8, "after_fix": 0.9, "interval": [0.8]}, r"\[low, high\]"),
        ({"metric": "f1", "now": 0.8, "after_fix": 0.9, "interval": [0.95, 0.85]}, "low <= high"),
        ([("metric", "f1")], "exactly the keys"),
    ],
)
def test_a_malformed_gain_is_refused_naming_what_is_wrong(gain: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        checked_gain(gain)
