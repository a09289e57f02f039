"""Hypothesis strategy for the arguments of ``diagnose_search()``: trial records, some broken."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.fuzz.edge import edge_histories
from tests.fuzz.strategies import HAS_PANDAS, HOSTILE_METRICS, METRIC_NAMES, histories


def _params(record: dict[str, Any]) -> dict[Any, Any]:
    params = record.get("params")
    return params if isinstance(params, dict) else {}


@st.composite
def search_trials_args(draw: st.DrawFn) -> dict[str, Any]:
    """Arguments for ``diagnose_search()``: trial records, some broken (half the examples are clean)."""
    hostile = draw(st.booleans())
    n = draw(st.integers(min_value=0 if hostile else 2, max_value=8))
    records: list[Any] = []
    for i in range(n):
        mode = draw(st.sampled_from(["good"] * 9 + ["broken"])) if hostile else "good"
        if mode == "good":
            record: dict[str, Any] = {
                "params": {"C": draw(st.sampled_from([0.1, 1.0, 10.0]))},
                "value": draw(st.one_of(st.floats(0.0, 1.0), st.sampled_from([1e150, -1e150, 5e-324, 1e-300]))),
                "val_size": draw(st.integers(1, 10**12)),
            }
            if draw(st.integers(0, 3)) == 0:
                record["history"] = draw(histories() if hostile else edge_histories())
            records.append(record)
            continue
        records.append(
            draw(
                st.sampled_from(
                    [
                        {"params": {"C": 1}},
                        {"value": float("nan")},
                        {"value": 10**400},
                        {"value": "0.9"},
                        {"value": 1 + 1j},
                        {"value": 0.9, "val_size": 10**400},
                        {"value": 0.9, "val_size": "x"},
                        {"value": 0.9, "val_size": float("inf")},
                        {"value": 0.9, "val_size": [100]},
                        {"value": 0.9, "params": [1, 2]},
                        {"value": 0.9, "params": {"C": [1, 2]}},
                        {"value": 0.9, "params": {("a",): {1}}},
                        {"value": 0.9, "number": "x"},
                        {"value": 0.9, "number": 10**400},
                        {"value": 0.9, "history": "not/a/file"},
                        {"value": np.float32(0.9), "val_size": np.int64(10)},
                        {"value": np.float64(1e308)},
                        {"value": -1e308, "val_size": 1},
                        [0.9],
                        None,
                        "trial",
                        i,
                    ]
                )
            )
        )
    form = draw(st.sampled_from(["list", "list", "tuple", "frame"] + (["odd"] if hostile else [])))
    trials: Any = records
    if form == "tuple":
        trials = tuple(records)
    elif form == "frame" and HAS_PANDAS:
        import pandas as pd

        flat = [r for r in records if isinstance(r, dict)]
        trials = pd.DataFrame([{**{f"params_{k}": v for k, v in _params(r).items()}, **r} for r in flat]).drop(
            columns=["params", "history"], errors="ignore"
        )
    elif form == "odd":
        trials = draw(st.sampled_from([None, 3, "trials", {"value": 0.9}, np.zeros(3), iter(records)]))
    kwargs: dict[str, Any] = {"trials": trials}
    if draw(st.booleans()):
        metrics = st.one_of(st.sampled_from(METRIC_NAMES), st.sampled_from(HOSTILE_METRICS))
        kwargs["metric"] = draw(metrics if hostile else st.sampled_from(METRIC_NAMES))
    if draw(st.booleans()):
        sizes = [None, 100, np.int64(50)] + ([0, -1, 2.5, 10**400, "100", True] if hostile else [])
        kwargs["val_size"] = draw(st.sampled_from(sizes))
    if draw(st.booleans()):
        directions = ["maximize", "minimize", None] + (["MAX", 1, ["maximize"]] if hostile else [])
        kwargs["direction"] = draw(st.sampled_from(directions))
    return kwargs
