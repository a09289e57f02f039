"""Hypothesis strategies for hostile inputs to ``diagnose()`` and ``diagnose_search()``.

Each strategy starts from a *valid* bundle of inputs (so that most examples get past the
door and reach the checks) and then applies a few hostile mutations to chosen
arguments: extreme or non-finite numbers, every numpy dtype, torch tensors (bfloat16,
float16, complex, the ``meta`` device), pandas objects, wrong shapes and lengths,
object arrays holding lists, probabilities given as logits or strings.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.fuzz.models import FAST_SETTINGS, MODELS

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_PANDAS = importlib.util.find_spec("pandas") is not None

HOSTILE_FLOATS: tuple[Any, ...] = (
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-320,
    5e-324,
    1e308,
    -1e308,
    1.7976931348623157e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    10**400,
    -(10**400),
    2**63,
    2**64 + 1,
    True,
    None,
    "0.5",
    "nan",
    b"1.0",
    1 + 2j,
    [0.5],
    {"a": 1},
)
HISTORY_NAMES = (
    "train_loss",
    "val_loss",
    "val_accuracy",
    "train_accuracy",
    "val_f1",
    "val_roc_auc",
    "val_log_loss",
    "val_error",
    "val_mse",
    "val_r2",
    "val_perplexity",
    "loss",
    "val_acc",
    "eval/acc",
    "lr",
    "grad_norm",
    "epoch",
    "step",
)
ODD_KEYS: tuple[Any, ...] = ("", "made_up", "val_\udcff", "\x00", 3, 2.5, None, ("val_loss",), b"val_loss")
METRIC_NAMES = (
    "accuracy",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
    "roc_auc",
    "average_precision",
    "log_loss",
    "error",
    "top5_accuracy",
    "mse",
    "r2",
    "perplexity",
)
HOSTILE_METRICS: tuple[Any, ...] = (["accuracy"], ("f1",), "", "Accuracy", "made_up", None, 1, b"accuracy", {"f1"})
LABEL_DTYPES = (
    "int64",
    "int8",
    "uint8",
    "uint64big",
    "float",
    "floatbig",
    "bool",
    "str",
    "bytes",
    "object",
    "datetime",
)


@st.composite
def hostile_scalar(draw: st.DrawFn) -> Any:
    """One per-epoch value: a float of any size, a huge int, or something that is not a number."""
    return draw(
        st.one_of(
            st.sampled_from(HOSTILE_FLOATS),
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=-1e6, max_value=1e6),
            st.integers(min_value=-(2**70), max_value=2**70),
        )
    )


def _container(draw: st.DrawFn, values: np.ndarray[Any, Any]) -> Any:
    """The same values as a list, tuple, numpy array, pandas object or torch tensor."""
    kinds = ["numpy", "list", "tuple"]
    if HAS_PANDAS:
        kinds += ["series", "frame"]
    if HAS_TORCH and values.dtype.kind in "biufc":
        kinds += ["torch"]
    kind = draw(st.sampled_from(kinds))
    if kind == "list":
        return values.tolist()
    if kind == "tuple":
        return tuple(values.tolist()) if values.ndim == 1 else values.tolist()
    if kind in ("series", "frame"):
        import pandas as pd

        try:
            if kind == "series" and values.ndim == 1:
                return pd.Series(values)
            return pd.DataFrame(values if values.ndim == 2 else values.reshape(len(values), -1))
        except (UnicodeError, ValueError, TypeError):  # pandas cannot hold it (a lone surrogate in Arrow strings)
            return values
    if kind == "torch":
        return _tensor(draw, values)
    return values


def _tensor(draw: st.DrawFn, values: np.ndarray[Any, Any]) -> Any:
    import torch

    if values.dtype.kind == "u" and values.dtype != np.uint8:
        values = values.astype(np.int64, copy=False) if values.max(initial=0) < 2**63 else values.astype(np.float64)
    tensor = torch.from_numpy(np.ascontiguousarray(values))
    if values.dtype.kind == "f":
        dtype = draw(st.sampled_from([torch.float64, torch.float32, torch.float16, torch.bfloat16]))
        tensor = tensor.to(dtype)
    if draw(st.integers(0, 9)) == 0:
        tensor = tensor.to("meta")
    elif draw(st.booleans()):
        tensor = tensor.requires_grad_(True) if tensor.dtype.is_floating_point else tensor
    return tensor


@st.composite
def history_values(draw: st.DrawFn, n_epochs: int) -> Any:
    """One series: mostly plausible curves, sometimes hostile values or a wrong shape."""
    mode = draw(st.sampled_from(["curve", "curve", "curve", "hostile", "array", "odd"]))
    if mode == "curve":
        start = draw(st.sampled_from([1.0, 0.5, 2.3, 1e300, 1e-300, -1.0, 100.0]))
        rate = draw(st.floats(min_value=-0.3, max_value=0.3))
        curve = start * np.exp(-rate * np.arange(n_epochs)) + draw(st.floats(0, 0.1)) * np.sin(np.arange(n_epochs))
        if n_epochs and draw(st.booleans()):
            curve[draw(st.integers(0, n_epochs - 1))] = draw(st.sampled_from(HOSTILE_FLOATS[:13]))
        return _container(draw, curve)
    if mode == "hostile":
        return draw(st.lists(hostile_scalar(), min_size=n_epochs, max_size=n_epochs))
    if mode == "array":
        dtype = draw(st.sampled_from(["float16", "float32", "int64", "uint64", "complex128", "bool", "M8[s]", "U3"]))
        raw = np.arange(n_epochs)[::-1] + 1
        values = raw.astype("U3") if dtype == "U3" else raw.astype(dtype)
        return _container(draw, values)
    return draw(
        st.sampled_from(
            [
                "abc",
                b"abc",
                3.0,
                None,
                [[0.1, 0.2]] * max(1, n_epochs),
                np.zeros((n_epochs, 2)),
                {"a": 1},
                [],
                set(range(n_epochs)),
            ]
        )
    )


@st.composite
def histories(draw: st.DrawFn) -> Any:
    """A history: a mapping (or DataFrame) of series, some of them hostile."""
    n_epochs = draw(st.integers(min_value=0, max_value=14))
    names = draw(st.lists(st.sampled_from(HISTORY_NAMES), min_size=0, max_size=5, unique=True))
    history: dict[Any, Any] = {name: draw(history_values(n_epochs)) for name in names}
    if draw(st.integers(0, 5)) == 0:
        history[draw(st.sampled_from(ODD_KEYS))] = draw(history_values(n_epochs))
    if draw(st.integers(0, 7)) == 0:  # a series of another length
        history[draw(st.sampled_from(HISTORY_NAMES))] = [0.5] * draw(st.integers(0, 20))
    form = draw(st.sampled_from(["dict", "dict", "dict", "frame", "odd"]))
    if form == "frame" and HAS_PANDAS:
        import pandas as pd

        try:
            return pd.DataFrame({str(k): np.asarray(v, dtype=object) for k, v in history.items()})
        except Exception:
            return history
    if form == "odd":
        return draw(st.sampled_from([[0.1, 0.2], 1.0, b"history", object(), {"val_loss": {"a": 1}}, history]))
    return history


def _labels(draw: st.DrawFn, codes: np.ndarray[Any, Any], kind: str) -> np.ndarray[Any, Any]:
    """Class codes 0..k-1 turned into labels of one dtype."""
    if kind == "int8":
        return codes.astype(np.int8)
    if kind == "uint8":
        return codes.astype(np.uint8)
    if kind == "uint64big":
        return (codes.astype(np.uint64) + np.uint64(2**63)) + np.uint64(draw(st.integers(0, 3)))
    if kind == "float":
        return codes.astype(np.float64)
    if kind == "floatbig":
        pool = np.array([1e19, 2e19, np.inf, -np.inf, 3.0, 2.0**53 + 1])
        return pool[codes % len(pool)]
    if kind == "bool":
        return (codes % 2).astype(bool)
    if kind == "str":
        names = np.array(["cat", "dog", "\udcff", "é", "", "x" * 40])
        return names[codes % len(names)]
    if kind == "bytes":
        names_b = np.array([b"cat", b"dog", b"\xff", b""])
        return names_b[codes % len(names_b)]
    if kind == "object":
        pool_o: list[Any] = ["a", 1, None, [1, 2], (1,), b"b", 2.5, float("nan")]
        picks = draw(st.lists(st.sampled_from(pool_o), min_size=1, max_size=3))
        out = np.empty(len(codes), dtype=object)
        for i, c in enumerate(codes):
            out[i] = picks[int(c) % len(picks)]
        return out
    if kind == "datetime":
        return codes.astype("datetime64[D]")
    return codes.astype(np.int64)


def _features(draw: st.DrawFn, n: int, d: int) -> np.ndarray[Any, Any]:
    kind = draw(st.sampled_from(["float", "float", "float", "int", "float32", "complex", "str", "object", "hostile"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    base = rng.normal(size=(n, d))
    if kind == "int":
        return rng.integers(0, 3, size=(n, d))
    if kind == "float32":
        return base.astype(np.float32)
    if kind == "complex":
        return base.astype(np.complex128)
    if kind == "str":
        return np.array(["a", "b", "\udcff"])[rng.integers(0, 3, size=(n, d))]
    if kind == "object":
        out = base.astype(object)
        if n and d:
            out[0, 0] = draw(st.sampled_from([[1, 2], None, "x", b"y", {"k": 1}, 10**400]))
        return out
    if kind == "hostile":
        if n and d:
            base[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = draw(
                st.sampled_from([np.inf, np.nan, 1e308, -1e308, 5e-324])
            )
        return base
    return base


def _probs(draw: st.DrawFn, codes: np.ndarray[Any, Any], k: int) -> Any:
    n = len(codes)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    mode = draw(
        st.sampled_from(["softmax", "softmax", "softmax", "onecol", "float32", "logits", "strings", "extra", "hard"])
    )
    logits = rng.normal(size=(n, k)) * draw(st.sampled_from([0.1, 1.0, 30.0, 800.0]))
    logits[np.arange(n), codes] += draw(st.floats(0, 5))
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    if mode == "onecol" and k == 2:
        return _container(draw, probs[:, 1])
    if mode == "float32":
        return _container(draw, probs.astype(np.float32))
    if mode == "logits":
        return _container(draw, logits)
    if mode == "strings":
        return probs[:, -1].astype(str) if draw(st.booleans()) else probs.astype(str)
    if mode == "extra":
        extra = np.column_stack([probs * 0.9, np.full(n, 0.1)])
        return _container(draw, extra)
    if mode == "hard":
        return _container(draw, np.eye(k)[codes])
    return _container(draw, probs)


def _per_row(draw: st.DrawFn, n: int) -> Any:
    mode = draw(st.sampled_from(["ids", "ids", "str", "lists", "floats", "wrong_length", "2d", "bytes"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if mode == "ids":
        return _container(draw, rng.integers(0, 3, size=n))
    if mode == "str":
        return np.array(["human", "pseudo", "\udcff"])[rng.integers(0, 3, size=n)]
    if mode == "lists":
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = [i % 2, 1] if i % 3 else "a"
        return out if draw(st.booleans()) else out.tolist()
    if mode == "floats":
        return rng.choice([0.5, np.nan, np.inf, 1e308], size=n)
    if mode == "wrong_length":
        return list(range(n + 1))
    if mode == "2d":
        return np.zeros((n, 2))
    return np.array([b"a", b"\xff"])[rng.integers(0, 2, size=n)]


@st.composite
def diagnose_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for ``diagnose()``: a mostly valid bundle with hostile parts."""
    kwargs: dict[str, Any] = {}
    k = draw(st.integers(min_value=1, max_value=4))
    n_train = draw(st.integers(min_value=0, max_value=40))
    n_val = draw(st.integers(min_value=0, max_value=30))
    d = draw(st.integers(min_value=0, max_value=4))
    label_kind_train = draw(st.sampled_from(LABEL_DTYPES))
    label_kind_val = label_kind_train if draw(st.integers(0, 3)) else draw(st.sampled_from(LABEL_DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    train_codes = rng.integers(0, k, size=n_train)
    val_codes = rng.integers(0, k, size=n_val)
    if n_train >= k:
        train_codes[:k] = np.arange(k)
    present = draw(
        st.sets(
            st.sampled_from(
                [
                    "history",
                    "X_train",
                    "y_train",
                    "X_val",
                    "y_val",
                    "train_probs",
                    "val_probs",
                    "metric",
                    "groups_train",
                    "groups_val",
                    "sources_train",
                    "sample_losses",
                    "train_label_order",
                    "val_size",
                    "model",
                    "experiments",
                ]
            ),
            max_size=16,
        )
    )
    if "history" in present:
        kwargs["history"] = draw(histories())
    if "y_train" in present:
        kwargs["y_train"] = _container(draw, _labels(draw, train_codes, label_kind_train))
    if "y_val" in present:
        kwargs["y_val"] = _container(draw, _labels(draw, val_codes, label_kind_val))
    if "X_train" in present:
        kwargs["X_train"] = _container(draw, _features(draw, n_train, d))
    if "X_val" in present:
        kwargs["X_val"] = _container(draw, _features(draw, n_val, d))
    if "train_probs" in present:
        kwargs["train_probs"] = _probs(draw, train_codes, k)
    if "val_probs" in present:
        kwargs["val_probs"] = _probs(draw, val_codes, k)
    if "metric" in present:
        kwargs["metric"] = draw(st.one_of(st.sampled_from(METRIC_NAMES), st.sampled_from(HOSTILE_METRICS)))
    if "groups_train" in present:
        kwargs["groups_train"] = _per_row(draw, n_train)
    if "groups_val" in present:
        kwargs["groups_val"] = _per_row(draw, n_val)
    if "sources_train" in present:
        kwargs["sources_train"] = _per_row(draw, n_train)
    if "sample_losses" in present:
        epochs = draw(st.integers(0, 6))
        tracked = draw(st.integers(0, min(n_train, 6)))
        losses = rng.exponential(size=(epochs, tracked))
        if epochs and tracked and draw(st.booleans()):
            losses[0, 0] = draw(st.sampled_from([np.nan, np.inf, -1.0, 1e308]))
        kwargs["sample_losses"] = _container(draw, losses)
        if draw(st.booleans()):
            kwargs["sample_loss_rows"] = _container(draw, rng.integers(-1, n_train + 1, size=tracked))
    if "train_label_order" in present:
        kwargs["train_label_order"] = _labels(draw, train_codes[::-1], label_kind_train)
    if "val_size" in present:
        kwargs["val_size"] = draw(
            st.sampled_from([n_val, n_val + 1, 0, -5, 2.5, True, "100", 10**30, np.int64(max(n_val, 1))])
        )
    if "model" in present:
        kwargs["model"] = draw(st.sampled_from(MODELS))
    if "experiments" in present:
        kwargs["experiments"] = draw(st.sampled_from([False, True, None, "yes", 1, FAST_SETTINGS]))
    if kwargs.get("model") in (MODELS[:5]) and kwargs.get("experiments") in (True, None):
        kwargs["experiments"] = FAST_SETTINGS  # the default budget re-trains for minutes and caches in the cwd
    return kwargs
