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
    "mcc",
    "f1_weighted",
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


def _container(draw: st.DrawFn, values: np.ndarray[Any, Any], meta: bool = True) -> Any:
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
        return _tensor(draw, values, meta)
    return values


def _tensor(draw: st.DrawFn, values: np.ndarray[Any, Any], meta: bool) -> Any:
    import torch

    if values.dtype.kind == "u" and values.dtype != np.uint8:
        if values.max(initial=0) >= 2**63:
            return values  # torch has no uint64 past 2**63
        values = values.astype(np.int64)
    tensor = torch.from_numpy(np.ascontiguousarray(values))
    if values.dtype.kind == "f":
        dtype = draw(st.sampled_from([torch.float64, torch.float32, torch.float16, torch.bfloat16]))
        tensor = tensor.to(dtype)
    if meta and draw(st.integers(0, 9)) == 0:
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
        return codes.astype(np.uint64) + np.uint64(2**63 + 1)  # past 2**53: float64 cannot tell them apart
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


def _features(draw: st.DrawFn, n: int, d: int, clean: bool = False) -> np.ndarray[Any, Any]:
    kinds = ["float", "float", "float", "int", "float32", "str"] + ([] if clean else ["complex", "object", "hostile"])
    kind = draw(st.sampled_from(kinds))
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


def _probs(draw: st.DrawFn, codes: np.ndarray[Any, Any], k: int, clean: bool = False) -> Any:
    n = len(codes)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    modes = ["softmax", "softmax", "softmax", "onecol", "float32", "hard"] + (
        [] if clean else ["logits", "strings", "extra"]
    )
    mode = draw(st.sampled_from(modes))
    logits = rng.normal(size=(n, k)) * draw(st.sampled_from([0.1, 1.0, 30.0, 800.0]))
    logits[np.arange(n), codes] += draw(st.floats(0, 5))
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    if mode == "onecol" and k == 2:
        return _container(draw, probs[:, 1])
    if mode == "float32":
        return _container(draw, probs.astype(np.float32), meta=not clean)
    if mode == "logits":
        return _container(draw, logits)
    if mode == "strings":
        return probs[:, -1].astype(str) if draw(st.booleans()) else probs.astype(str)
    if mode == "extra":
        extra = np.column_stack([probs * 0.9, np.full(n, 0.1)])
        return _container(draw, extra)
    if mode == "hard":
        return _container(draw, np.eye(k)[codes], meta=not clean)
    return _container(draw, probs, meta=not clean)


def _per_row(draw: st.DrawFn, n: int, clean: bool = False) -> Any:
    modes = ["ids", "ids", "str", "bytes"] + ([] if clean else ["lists", "floats", "wrong_length", "2d"])
    mode = draw(st.sampled_from(modes))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if mode == "ids":
        return _container(draw, rng.integers(0, 3, size=n), meta=not clean)
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


ARGUMENTS = (
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
)
CLEAN_LABEL_DTYPES = ("int64", "int8", "uint8", "uint64big", "float", "str")


@st.composite
def diagnose_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for ``diagnose()``.

    Half the examples are hostile in every argument given; the other half are a
    consistent, valid bundle (so that the checks run) with at most two hostile arguments.
    """
    from tests.fuzz.edge import edge_histories

    kwargs: dict[str, Any] = {}
    mostly_clean = draw(st.booleans())
    hostile = draw(st.sets(st.sampled_from(ARGUMENTS), max_size=2)) if mostly_clean else set(ARGUMENTS)
    k = draw(st.integers(min_value=1, max_value=4))
    n_train = draw(st.integers(min_value=k if mostly_clean else 0, max_value=40))
    n_val = draw(st.integers(min_value=1 if mostly_clean else 0, max_value=30))
    d = draw(st.integers(min_value=1 if mostly_clean else 0, max_value=4))
    kinds = LABEL_DTYPES if not mostly_clean or {"y_train", "y_val"} & hostile else CLEAN_LABEL_DTYPES
    label_kind_train = draw(st.sampled_from(kinds))
    label_kind_val = label_kind_train if draw(st.integers(0, 3)) or mostly_clean else draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    train_codes = rng.integers(0, k, size=n_train)
    val_codes = rng.integers(0, k, size=n_val)
    if n_train >= k:
        train_codes[:k] = np.arange(k)
    present = draw(st.sets(st.sampled_from(ARGUMENTS), max_size=16))
    if mostly_clean:  # labels and a history make most checks run
        present |= hostile | {"y_train", "y_val", "history"}
    clean = {name: name not in hostile for name in ARGUMENTS}
    metric = draw(st.sampled_from(METRIC_NAMES))
    if "metric" in present:
        kwargs["metric"] = metric if clean["metric"] else draw(st.sampled_from(HOSTILE_METRICS))
    if "history" in present:
        kwargs["history"] = draw(edge_histories(metric) if clean["history"] else histories())
    if "y_train" in present:
        kwargs["y_train"] = _container(draw, _labels(draw, train_codes, label_kind_train), meta=not clean["y_train"])
    if "y_val" in present:
        kwargs["y_val"] = _container(draw, _labels(draw, val_codes, label_kind_val), meta=not clean["y_val"])
    if "X_train" in present:
        kwargs["X_train"] = _container(draw, _features(draw, n_train, d, clean["X_train"]), meta=not clean["X_train"])
    if "X_val" in present:
        kwargs["X_val"] = _container(draw, _features(draw, n_val, d, clean["X_val"]), meta=not clean["X_val"])
    if "train_probs" in present:
        kwargs["train_probs"] = _probs(draw, train_codes, k, clean["train_probs"])
    if "val_probs" in present:
        kwargs["val_probs"] = _probs(draw, val_codes, k, clean["val_probs"])
    for name, n in (("groups_train", n_train), ("groups_val", n_val), ("sources_train", n_train)):
        if name in present:
            kwargs[name] = _per_row(draw, n, clean[name])
    if "sample_losses" in present:
        epochs = draw(st.integers(1 if clean["sample_losses"] else 0, 6))
        tracked = draw(st.integers(0, min(n_train, 6)))
        losses = rng.exponential(size=(epochs, tracked))
        if epochs and tracked and not clean["sample_losses"] and draw(st.booleans()):
            losses[0, 0] = draw(st.sampled_from([np.nan, np.inf, -1.0, 1e308]))
        kwargs["sample_losses"] = _container(draw, losses, meta=not clean["sample_losses"])
        if draw(st.booleans()):
            low, high = (0, n_train) if clean["sample_losses"] else (-1, n_train + 1)
            kwargs["sample_loss_rows"] = rng.integers(low, high, size=tracked)
    if "train_label_order" in present:
        kwargs["train_label_order"] = _labels(draw, train_codes[::-1], label_kind_train)
    if "val_size" in present:
        sizes = [n_val, np.int64(max(n_val, 1))] + ([] if clean["val_size"] else [n_val + 1, 0, -5, 2.5, True, "100"])
        kwargs["val_size"] = draw(st.sampled_from(sizes + ([] if clean["val_size"] else [10**30])))
    if "model" in present:
        kwargs["model"] = draw(st.sampled_from(MODELS[:5] if clean["model"] else MODELS))
    if "experiments" in present:
        choices = [False, FAST_SETTINGS] + ([] if clean["experiments"] else [True, None, "yes", 1])
        kwargs["experiments"] = draw(st.sampled_from(choices))
    if kwargs.get("model") in (MODELS[:5]) and kwargs.get("experiments") in (True, None):
        kwargs["experiments"] = FAST_SETTINGS  # the default budget re-trains for minutes and caches in the cwd
    return kwargs
