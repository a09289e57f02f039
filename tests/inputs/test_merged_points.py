"""Series merged position by position: the k-th value logged at one position pairs with the others' k-th."""

from __future__ import annotations

import math
import statistics

from gapdoctor.inputs.merged_points import merged_at_positions


def test_appended_runs_stay_apart_and_a_missing_member_leaves_no_point() -> None:
    nan = math.nan
    # two runs appended to one log, both at epochs 1 and 2; the second run's epoch 2 lacks member "b"
    points = [("a", nan, e, 1.0 * e) for e in (1.0, 2.0)] + [("b", nan, e, 10.0 * e) for e in (1.0, 2.0)]
    points += [("a", nan, 1.0, 3.0), ("b", nan, 1.0, 30.0), ("a", nan, 2.0, 4.0)]
    merged = merged_at_positions(points, {"a": "ab", "b": "ab"}, statistics.median)
    assert [(p[0], p[2], p[3]) for p in merged] == [("ab", 1.0, 5.5), ("ab", 2.0, 11.0), ("ab", 1.0, 16.5)]
