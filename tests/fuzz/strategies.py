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


class _UniformModel:
    """A scikit-learn-style classifier that predicts the training class frequencies."""

    def __init__(self) -> None:
        self.freq = np.ones(1)

    def fit(self, X: Any, y: Any) -> _UniformModel:
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        self.freq = counts / counts.sum()
        self.classes_ = np.arange(len(counts))
        return self

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        return np.tile(self.freq, (len(X), 1))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> _UniformModel:
        return self


class _BrokenModel(_UniformModel):
    """A user's model that fails: its fit raises, or its probabilities have the wrong shape or NaN."""

    def __init__(self, how: str = "raises") -> None:
        super().__init__()
        self.how = how

    def fit(self, X: Any, y: Any) -> _BrokenModel:
        if self.how == "raises":
            raise ValueError("a bug in the user's model")
        return super().fit(X, y)

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        if self.how == "nan":
            return np.full((len(X), len(self.freq)), np.nan)
        return np.ones((len(X), len(self.freq) + 3))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"how": self.how}


def _train_wrong(X: Any) -> None:
    return None


def _train_uniform(X: Any, y: Any, *, config: Any) -> Any:
    return _UniformModel().fit(X, y).predict_proba


MODELS: tuple[Any, ...] = (
    _UniformModel(),
    _BrokenModel("raises"),
    _BrokenModel("nan"),
    _BrokenModel("shape"),
    _train_uniform,
    "logistic",
    3,
    object(),
    _train_wrong,
    len,
)
try:
    from gapdoctor.experiments import ExperimentSettings

    FAST_SETTINGS: Any = ExperimentSettings(
        max_fits=2, max_seconds=5.0, n_bootstrap=50, n_repeats=2, cv_folds=2, cache_dir=None
    )
except ImportError:  # pragma: no cover
    FAST_SETTINGS = None


def _params(record: dict[str, Any]) -> dict[Any, Any]:
    params = record.get("params")
    return params if isinstance(params, dict) else {}


@st.composite
def search_trials_args(draw: st.DrawFn) -> dict[str, Any]:
    """Arguments for ``diagnose_search()``: trial records, some broken."""
    n = draw(st.integers(min_value=0, max_value=8))
    records: list[Any] = []
    for i in range(n):
        mode = draw(st.sampled_from(["good"] * 9 + ["broken"]))
        if mode == "good":
            record: dict[str, Any] = {
                "params": {"C": draw(st.sampled_from([0.1, 1.0, 10.0]))},
                "value": draw(st.floats(min_value=0.0, max_value=1.0)),
                "val_size": draw(st.integers(1, 500)),
            }
            if draw(st.integers(0, 3)) == 0:
                record["history"] = draw(histories())
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
    form = draw(st.sampled_from(["list", "list", "tuple", "frame", "odd"]))
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
        kwargs["metric"] = draw(st.one_of(st.sampled_from(METRIC_NAMES), st.sampled_from(HOSTILE_METRICS)))
    if draw(st.booleans()):
        kwargs["val_size"] = draw(st.sampled_from([None, 100, 0, -1, 2.5, 10**400, "100", np.int64(50), True]))
    if draw(st.booleans()):
        kwargs["direction"] = draw(st.sampled_from(["maximize", "minimize", "MAX", None, 1, ["maximize"]]))
    return kwargs


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
