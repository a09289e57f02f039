"""Hypothesis strategies for valid but extreme inputs: gapdoctor must accept them and every check must run cleanly."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.fuzz.strategies import METRIC_NAMES

BOUNDED = ("accuracy", "balanced_accuracy", "f1", "roc_auc", "error")
SCALES = (1.0, 1e-300, 1e-10, 1e10, 1e150, 5e-324)


def _shape(draw: st.DrawFn, n: int) -> np.ndarray[Any, Any]:
    t = np.arange(n, dtype=np.float64)
    kind = draw(st.sampled_from(["fall", "rise", "u", "flat", "zigzag", "noise", "step", "spike"]))
    if kind == "fall":
        return np.exp(-0.3 * t)
    if kind == "rise":
        return 1.0 - np.exp(-0.3 * t)
    if kind == "u":
        return (t - n / 3) ** 2 / max(1.0, n * n) + 0.1
    if kind == "flat":
        return np.full(n, draw(st.sampled_from([0.0, 0.5, 1.0])))
    if kind == "zigzag":
        return 0.5 + 0.4 * (-1.0) ** t
    if kind == "noise":
        return np.random.default_rng(draw(st.integers(0, 99))).uniform(0, 1, n)
    if kind == "step":
        return (t >= n // 2).astype(np.float64)
    out = np.full(n, 0.5)
    out[draw(st.integers(0, n - 1))] = 1.0
    return out


@st.composite
def edge_histories(draw: st.DrawFn, metric: str = "accuracy") -> dict[str, list[float]]:
    """Histories gapdoctor must accept: finite extreme scales, gaps, flat curves, divergence."""
    n = draw(st.integers(min_value=1, max_value=30))
    names = draw(
        st.lists(
            st.sampled_from(["train_loss", "val_loss", f"val_{metric}", "train_accuracy", "lr", "val_accuracy"]),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    diverge = n > 2 and "train_loss" in names and draw(st.integers(0, 4)) == 0
    start = draw(st.integers(1, n - 1)) if diverge else n
    history: dict[str, list[float]] = {}
    for name in names:
        values = _shape(draw, n)
        if name.endswith("loss") or name == "lr" or metric not in BOUNDED:
            sign = -1.0 if name in ("train_loss", "val_loss") and draw(st.integers(0, 5)) == 0 else 1.0
            values = sign * draw(st.sampled_from(SCALES)) * values
        elif draw(st.booleans()):
            values = np.clip(values + draw(st.sampled_from([0.0, 0.999, -1e-12])), 0.0, 1.0)
        if name.endswith("perplexity"):
            values = 1.0 + np.abs(values)
        if n > 1 and draw(st.integers(0, 3)) == 0:  # a gap, never the whole series
            values[draw(st.integers(0, n - 1))] = np.nan
            if not np.isfinite(values).any():
                values[0] = 0.5
        if diverge:
            values[start:] = np.inf if name == "train_loss" and draw(st.booleans()) else np.nan
            if not np.isfinite(values).any() and name != "train_loss":
                continue
        history[name] = values.tolist()
    return history or {"train_loss": [1.0]}


@st.composite
def edge_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    """Valid but extreme inputs for ``diagnose()``: tiny splits, one class, constant or huge features."""
    metric = draw(st.sampled_from(METRIC_NAMES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    k = draw(st.integers(min_value=1, max_value=4))
    n_train = draw(st.integers(min_value=k, max_value=40))
    n_val = draw(st.integers(min_value=1, max_value=30))
    d = draw(st.integers(min_value=1, max_value=3))
    train_codes = rng.integers(0, k, size=n_train)
    train_codes[:k] = np.arange(k)
    val_codes = rng.integers(0, k, size=n_val) if draw(st.booleans()) else np.zeros(n_val, dtype=np.int64)
    kwargs: dict[str, Any] = {"metric": metric}
    present = draw(st.sets(st.sampled_from(["history", "X", "probs", "groups", "sources", "order"]), min_size=1))
    if "history" in present:
        kwargs["history"] = draw(edge_histories(metric))
    if draw(st.booleans()):
        kwargs["y_train"], kwargs["y_val"] = train_codes, val_codes
    else:  # class names, one of them a lone surrogate (a non-UTF-8 folder name read by os.listdir)
        names = np.array(["cat", "\udcff", "<b>é</b>", "x" * 60])
        kwargs["y_train"], kwargs["y_val"] = names[train_codes], names[val_codes]
    if "X" in present:
        scale = draw(st.sampled_from([1.0, 1e100, 1e-300, 0.0]))
        mode = draw(st.sampled_from(["normal", "constant", "duplicates", "nan_column", "leak"]))
        X_train, X_val = rng.normal(size=(n_train, d)) * scale, rng.normal(size=(n_val, d)) * scale
        if mode == "constant":
            X_train[:], X_val[:] = 1.0, 1.0
        elif mode == "duplicates":
            X_val[:] = X_train[0]
        elif mode == "nan_column":
            X_train[:, 0], X_val[:, 0] = np.nan, np.nan
        elif mode == "leak":
            X_train[:, 0], X_val[:, 0] = train_codes * scale, val_codes * scale
        kwargs["X_train"], kwargs["X_val"] = X_train, X_val
    if "probs" in present:
        for name, codes in (("train_probs", train_codes), ("val_probs", val_codes)):
            mode = draw(st.sampled_from(["soft", "hard", "uniform", "float32", "wrong"]))
            logits = rng.normal(size=(len(codes), k)) * 3
            logits[np.arange(len(codes)), codes] += 2
            probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            if mode == "hard":
                probs = np.eye(k)[codes]
            elif mode == "uniform":
                probs = np.full((len(codes), k), 1.0 / k)
            elif mode == "float32":
                probs = probs.astype(np.float32)
            elif mode == "wrong":
                probs = np.eye(k)[(codes + 1) % k]
            kwargs[name] = probs
    if "groups" in present:
        kwargs["groups_val"] = rng.integers(0, draw(st.integers(1, 3)), size=n_val).astype(str)
        kwargs["groups_train"] = rng.integers(0, 2, size=n_train)
    if "sources" in present:
        kwargs["sources_train"] = np.array(["human", "pseudo"])[rng.integers(0, 2, size=n_train)]
    if "order" in present:
        kwargs["train_label_order"] = np.sort(kwargs["y_train"])
    return kwargs
