"""The bounded top-k buffer and its tie rule (rows at the bar by ascending row id)."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.label_noise.top_margins import _TopMargins, top_by_margin


def test_ties_at_the_bar_go_to_the_lowest_row_ids() -> None:
    margins = np.array([0.5, 0.2, 0.5, 0.9, 0.5, 0.1])
    rows = np.array([40, 10, 30, 50, 20, 60])
    kept_margins, kept_rows, bar = top_by_margin(margins, rows, 3)
    assert bar == 0.5
    assert sorted(kept_rows.tolist()) == [20, 30, 50]  # 0.9, then two of the three 0.5s: rows 20 and 30
    assert sorted(kept_margins.tolist()) == [0.5, 0.5, 0.9]


def test_the_buffer_keeps_the_exact_top_whatever_the_chunking() -> None:
    rng = np.random.default_rng(0)
    margins = np.round(rng.random(5_000), 2)  # many ties
    rows = np.arange(5_000)
    expected = set(np.lexsort((rows, -margins))[:300].tolist())
    for chunk in (1, 77, 1_000, 5_000):
        top = _TopMargins(300)
        for start in range(0, 5_000, chunk):
            top.add(margins[start : start + chunk], rows[start : start + chunk])
        assert set(top.result().tolist()) == expected
