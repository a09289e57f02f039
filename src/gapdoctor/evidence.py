"""Input validation at the door, and the Evidence bundle every check reads.

Everything the user passes to :func:`gapdoctor.diagnose` is validated here, once:
arrays are converted from numpy / pandas / torch, labels are encoded with one shared
encoder, probabilities are checked. Checks then trust :class:`Evidence` and never
validate again. Quantities several checks need (predictions, confusion matrices) are
computed once, lazily, chunk by chunk, and cached.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.history import RunHistory
from gapdoctor.metrics import METRICS
from gapdoctor.stats import ConfusionCounts

if TYPE_CHECKING:
    from gapdoctor.checks._training_dynamics import DynamicsSummary

__all__ = ["Evidence", "build_evidence"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CHUNK_ROWS = 65_536
"""Rows per chunk for the statistics computed chunk by chunk."""

_PROB_SUM_TOLERANCE = 1e-3


def _to_numpy(value: Any) -> np.ndarray[Any, Any]:
    """numpy, pandas, torch, lists -> numpy, without importing any of them."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy"):  # pandas Series / DataFrame, polars
        value = value.to_numpy()
    return np.asarray(value)


def _feature_names(X: Any, n_features: int) -> tuple[str, ...]:
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == n_features:
        return tuple(str(c) for c in columns)
    return tuple(f"x{i}" for i in range(n_features))


def _encode_features(
    name: str, X: Any, categories: dict[int, list[Any]] | None
) -> tuple[FloatArray, dict[int, list[Any]]]:
    """2-D float matrix; string columns ordinal-encoded with shared categories."""
    arr = _to_numpy(X)
    if arr.ndim == 1:
        raise GapdoctorInputError(
            name, f"expected a 2-D array (rows x features), got 1-D shape {arr.shape}", "use X.reshape(-1, 1)"
        )
    if arr.ndim == 0:
        raise GapdoctorInputError(name, "expected a 2-D array, got a scalar", "pass rows x features")
    if arr.shape[0] == 0:
        raise GapdoctorInputError(name, "is empty (0 rows)", "pass a split with at least one row")
    if arr.ndim > 2:  # images, sequences: one feature per value
        arr = arr.reshape(arr.shape[0], -1)
    categories = dict(categories or {})
    if arr.dtype.kind in "biuf":
        out = arr.astype(np.float64)
    else:
        out = np.empty(arr.shape, dtype=np.float64)
        for j in range(arr.shape[1]):
            col = arr[:, j]
            try:
                out[:, j] = col.astype(np.float64)
                continue
            except (TypeError, ValueError):
                pass
            missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in col])
            known = categories.setdefault(j, [])
            lookup = {v: i for i, v in enumerate(known)}
            codes = np.full(len(col), np.nan)
            for i, v in enumerate(col):
                if missing[i]:
                    continue
                if v not in lookup:
                    lookup[v] = len(known)
                    known.append(v)
                codes[i] = lookup[v]
            out[:, j] = codes
    if np.isinf(out).any():
        row, colno = np.argwhere(np.isinf(out))[0]
        raise GapdoctorInputError(
            name,
            f"contains infinite values (first at row {row}, column {colno})",
            "replace them with NaN (treated as missing) or clip them",
        )
    return out, categories


def _label_array(name: str, y: Any) -> np.ndarray[Any, Any]:
    arr = _to_numpy(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise GapdoctorInputError(
            name,
            f"expected a 1-D array of class labels, got shape {arr.shape}",
            "pass class ids or names; for one-hot labels use y.argmax(axis=1)",
        )
    if len(arr) == 0:
        raise GapdoctorInputError(name, "is empty (0 labels)", "pass a split with at least one row")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise GapdoctorInputError(
                name, f"contains NaN at row {int(np.flatnonzero(np.isnan(arr))[0])}", "drop or label those rows"
            )
        if not np.all(arr == np.round(arr)):
            raise GapdoctorInputError(
                name,
                "holds non-integer numbers, which look like regression targets",
                "gapdoctor diagnoses classifiers: pass class ids or class names",
            )
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "O":
        bad = [i for i, v in enumerate(arr) if v is None or (isinstance(v, float) and np.isnan(v))]
        if bad:
            raise GapdoctorInputError(
                name, f"contains missing labels (first at row {bad[0]})", "drop or label those rows"
            )
        kinds = {type(v) for v in arr}
        if len(kinds) > 1:
            raise GapdoctorInputError(
                name,
                f"mixes label types ({', '.join(sorted(k.__name__ for k in kinds))})",
                "use one type for every label, e.g. all strings",
            )
    elif arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    return arr


def _probabilities(name: str, probs: Any, n_rows: int, rows_from: str) -> FloatArray:
    arr = _to_numpy(probs)
    if arr.ndim == 1:  # binary: probability of the positive class
        arr = np.column_stack([1.0 - arr.astype(np.float64), arr.astype(np.float64)])
    if arr.ndim != 2:
        raise GapdoctorInputError(
            name, f"expected shape (n_rows, n_classes), got {arr.shape}", "pass one row of class probabilities per row"
        )
    if arr.dtype.kind not in "biuf":
        raise GapdoctorInputError(name, f"holds non-numeric values ({arr.dtype})", "pass float probabilities")
    arr = arr.astype(np.float64)
    if arr.shape[0] != n_rows:
        raise GapdoctorInputError(
            name,
            f"has {arr.shape[0]} rows but {rows_from} has {n_rows}",
            f"give one probability row per row of {rows_from}, in the same order",
        )
    if not np.isfinite(arr).all():
        row = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise GapdoctorInputError(
            name, f"contains NaN or infinite values (first at row {row})", "check the model's outputs"
        )
    if (arr < -1e-9).any() or (arr > 1 + 1e-9).any():
        raise GapdoctorInputError(
            name,
            f"holds values outside [0, 1] (min {arr.min():.3g}, max {arr.max():.3g}); these look like logits",
            "apply softmax (or sigmoid for one binary column) before passing them",
        )
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > _PROB_SUM_TOLERANCE
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise GapdoctorInputError(
            name,
            f"rows must sum to 1; row {row} sums to {sums[row]:.4g} ({int(off.sum())} rows off)",
            "pass normalised probabilities (softmax over classes), not scores or per-class sigmoids",
        )
    return np.asarray(np.clip(arr, 0.0, 1.0), dtype=np.float64)


def _group_array(name: str, values: Any, n_rows: int, rows_from: str) -> NDArray[np.str_]:
    arr = _to_numpy(values)
    if arr.ndim != 1:
        raise GapdoctorInputError(name, f"expected a 1-D array, got shape {arr.shape}", "pass one id per row")
    if len(arr) != n_rows:
        raise GapdoctorInputError(
            name, f"has {len(arr)} entries but {rows_from} has {n_rows}", f"give one entry per row of {rows_from}"
        )
    return arr.astype(str)


@dataclass(frozen=True)
class Evidence:
    """Validated, normalised inputs of one diagnosis.

    Labels are encoded as ``0..n_classes-1`` with one encoder shared by every split;
    ``classes[i]`` is the original label of id ``i``. Every array field is None when
    not given.

    Parameters
    ----------
    history : RunHistory or None
    X_train, X_val : ndarray of shape (n, n_features) or None
        Float features; string columns ordinal-encoded with shared categories;
        NaN means missing.
    y_train, y_val : ndarray of int or None
        Encoded class ids.
    classes : tuple
        Original label of each class id.
    feature_names : tuple of str
    train_probs, val_probs : ndarray of shape (n, n_classes) or None
    metric : str
        The validation metric the user cares about.
    groups_train, groups_val, sources_train : ndarray of str or None
    model : object or None
    sample_losses : ndarray of shape (n_epochs, n_tracked) or None
        Per-epoch loss of each tracked training row (NaN: not seen that epoch),
        recorded by a training-loop integration; memorisation evidence.
    sample_loss_rows : ndarray of int of shape (n_tracked,) or None
        Index into the training split of each column of ``sample_losses``.
    train_label_order : ndarray of int or None
        Encoded labels of the training rows in the order the loop saw them during
        one epoch (for the unshuffled-data check).
    val_size : int or None
        Number of validation rows behind the history's ``val_<metric>`` series:
        ``len(y_val)`` when labels are given, else the ``val_size`` argument.
    training_dynamics : DynamicsSummary or None
        Per-row AUM, forgetting events, confidence/variability of every training row,
        recorded by a training-loop integration from its logits.
    """

    history: RunHistory | None = None
    X_train: FloatArray | None = None
    y_train: IntArray | None = None
    X_val: FloatArray | None = None
    y_val: IntArray | None = None
    classes: tuple[Any, ...] = ()
    feature_names: tuple[str, ...] = ()
    categorical_features: tuple[str, ...] = ()
    train_probs: FloatArray | None = None
    val_probs: FloatArray | None = None
    metric: str = "accuracy"
    groups_train: NDArray[np.str_] | None = None
    groups_val: NDArray[np.str_] | None = None
    sources_train: NDArray[np.str_] | None = None
    model: Any = None
    sample_losses: FloatArray | None = None
    sample_loss_rows: IntArray | None = None
    train_label_order: IntArray | None = None
    val_size: int | None = None
    training_dynamics: DynamicsSummary | None = None
    chunk_rows: int = field(default=CHUNK_ROWS)

    @property
    def n_classes(self) -> int:
        """Number of classes (0 when no labels were given)."""
        return len(self.classes)

    def has(self, name: str) -> bool:
        """True when the input called ``name`` was given (e.g. ``"val_probs"``)."""
        return getattr(self, name) is not None

    def row_chunks(self, n_rows: int) -> Iterator[slice]:
        """Slices of at most :data:`CHUNK_ROWS` rows covering ``range(n_rows)``."""
        for start in range(0, n_rows, self.chunk_rows):
            yield slice(start, min(n_rows, start + self.chunk_rows))

    def _confusion(self, y: IntArray | None, probs: FloatArray | None) -> IntArray | None:
        if y is None or probs is None:
            return None
        counts = ConfusionCounts(self.n_classes)
        for rows in self.row_chunks(len(y)):
            counts.update(y[rows], np.argmax(probs[rows], axis=1))
        return counts.matrix

    @cached_property
    def val_confusion(self) -> IntArray | None:
        """Validation confusion matrix (true x predicted), or None."""
        return self._confusion(self.y_val, self.val_probs)

    @cached_property
    def train_confusion(self) -> IntArray | None:
        """Confusion matrix of the out-of-sample training predictions, or None."""
        return self._confusion(self.y_train, self.train_probs)

    def summary(self) -> dict[str, Any]:
        """JSON-safe description of what was given (sizes, not data)."""
        out: dict[str, Any] = {"metric": self.metric, "n_classes": self.n_classes}
        if self.classes:
            out["classes"] = [str(c) for c in self.classes]
        for name in ("X_train", "X_val", "train_probs", "val_probs"):
            arr = getattr(self, name)
            out[name] = None if arr is None else list(arr.shape)
        for name in ("groups_train", "groups_val", "sources_train"):
            out[name] = getattr(self, name) is not None
        out["history"] = (
            None
            if self.history is None
            else {
                "epochs": self.history.n_epochs,
                "series": sorted(self.history.series),
                "ignored": list(self.history.ignored),
                "source": self.history.source,
            }
        )
        out["model"] = None if self.model is None else type(self.model).__name__
        out["val_size"] = self.val_size
        return out


def _encode_labels(
    y_train: np.ndarray[Any, Any] | None,
    y_val: np.ndarray[Any, Any] | None,
    n_prob_columns: int | None,
) -> tuple[tuple[Any, ...], IntArray | None, IntArray | None]:
    present = [y for y in (y_train, y_val) if y is not None]
    if not present:
        return (), None, None
    kinds = {("str" if y.dtype.kind in "OUS" else "num") for y in present}
    if len(kinds) > 1:
        raise GapdoctorInputError(
            "y_val",
            "labels are strings in one split and numbers in the other",
            "encode both splits with the same label encoder",
        )
    seen = np.unique(np.concatenate([np.asarray(y, dtype=object if "str" in kinds else None) for y in present]))
    if y_train is not None and y_val is not None:
        unknown = sorted(set(np.unique(y_val).tolist()) - set(np.unique(y_train).tolist()))
        if unknown:
            raise GapdoctorInputError(
                "y_val",
                f"contains labels never seen in y_train: {unknown[:10]}",
                "check that both splits use the same label set and encoder, or drop those rows",
            )
    classes: list[Any] = seen.tolist()
    absent_class = n_prob_columns is not None and n_prob_columns > len(classes)
    if absent_class and kinds == {"num"} and min(classes) >= 0 and max(classes) < (n_prob_columns or 0):
        classes = list(range(n_prob_columns or 0))  # a class absent from the labels
    lookup = {c: i for i, c in enumerate(classes)}

    def encode(y: np.ndarray[Any, Any] | None) -> IntArray | None:
        if y is None:
            return None
        return np.fromiter((lookup[v] for v in y.tolist()), dtype=np.int64, count=len(y))

    return tuple(classes), encode(y_train), encode(y_val)


def build_evidence(
    *,
    history: Any = None,
    X_train: Any = None,
    y_train: Any = None,
    X_val: Any = None,
    y_val: Any = None,
    train_probs: Any = None,
    val_probs: Any = None,
    metric: str = "accuracy",
    groups_train: Any = None,
    groups_val: Any = None,
    sources_train: Any = None,
    model: Any = None,
    sample_losses: Any = None,
    sample_loss_rows: Any = None,
    train_label_order: Any = None,
    val_size: Any = None,
    training_dynamics: Any = None,
) -> Evidence:
    """Validate every input of :func:`gapdoctor.diagnose` and bundle them.

    Parameters are those of :func:`gapdoctor.diagnose`.

    Returns
    -------
    Evidence

    Raises
    ------
    GapdoctorInputError
        For any bad input; the message names the argument, the problem and the fix.

    Examples
    --------
    >>> ev = build_evidence(y_train=["cat", "dog", "cat"], y_val=["dog", "cat"])
    >>> ev.classes, ev.y_val.tolist()
    (('cat', 'dog'), [1, 0])
    """
    if metric not in METRICS:
        raise GapdoctorInputError("metric", f"unknown metric {metric!r}", f"use one of {', '.join(sorted(METRICS))}")
    run_history = None if history is None else RunHistory.from_any(history)

    yt = None if y_train is None else _label_array("y_train", y_train)
    yv = None if y_val is None else _label_array("y_val", y_val)
    for probs_name, probs, y, y_name in (
        ("train_probs", train_probs, yt, "y_train"),
        ("val_probs", val_probs, yv, "y_val"),
    ):
        if probs is not None and y is None:
            raise GapdoctorInputError(
                probs_name, f"was given without {y_name}", f"pass {y_name} so the predictions can be judged"
            )
    n_cols = None
    p_train = (
        None if train_probs is None or yt is None else _probabilities("train_probs", train_probs, len(yt), "y_train")
    )
    p_val = None if val_probs is None or yv is None else _probabilities("val_probs", val_probs, len(yv), "y_val")
    if p_train is not None and p_val is not None and p_train.shape[1] != p_val.shape[1]:
        raise GapdoctorInputError(
            "val_probs",
            f"has {p_val.shape[1]} class columns but train_probs has {p_train.shape[1]}",
            "use the same class order and count in both",
        )
    for p in (p_train, p_val):
        if p is not None:
            n_cols = p.shape[1]
    classes, y_train_enc, y_val_enc = _encode_labels(yt, yv, n_cols)
    if n_cols is not None and n_cols != len(classes):
        raise GapdoctorInputError(
            "val_probs" if p_val is not None else "train_probs",
            f"has {n_cols} class columns but the labels hold {len(classes)} classes ({list(classes)[:10]})",
            "give one column per class, in sorted label order (as scikit-learn's classes_)",
        )

    categories: dict[int, list[Any]] = {}
    Xt = Xv = None
    names: tuple[str, ...] = ()
    if X_train is not None:
        Xt, categories = _encode_features("X_train", X_train, categories)
        names = _feature_names(X_train, Xt.shape[1])
    if X_val is not None:
        Xv, categories = _encode_features("X_val", X_val, categories)
        if Xt is not None and Xv.shape[1] != Xt.shape[1]:
            raise GapdoctorInputError(
                "X_val",
                f"has {Xv.shape[1]} features but X_train has {Xt.shape[1]}",
                "pass the same feature columns, in the same order, for both splits",
            )
        names = names or _feature_names(X_val, Xv.shape[1])
    for x_name, X, y_name, y in (("X_train", Xt, "y_train", yt), ("X_val", Xv, "y_val", yv)):
        if X is not None and y is not None and X.shape[0] != len(y):
            raise GapdoctorInputError(
                y_name,
                f"has {len(y)} labels but {x_name} has {X.shape[0]} rows",
                "give exactly one label per row, in the same order",
            )

    def rows_of(split: str) -> tuple[int, str] | None:
        X = Xt if split == "train" else Xv
        y = yt if split == "train" else yv
        if y is not None:
            return len(y), f"y_{split}"
        if X is not None:
            return X.shape[0], f"X_{split}"
        return None

    per_row: dict[str, NDArray[np.str_] | None] = {}
    for arg_name, value, split in (
        ("groups_train", groups_train, "train"),
        ("groups_val", groups_val, "val"),
        ("sources_train", sources_train, "train"),
    ):
        if value is None:
            per_row[arg_name] = None
            continue
        rows = rows_of(split)
        if rows is None:
            raise GapdoctorInputError(
                arg_name, f"was given without y_{split}", f"pass y_{split} (and X_{split}) with it"
            )
        per_row[arg_name] = _group_array(arg_name, value, rows[0], rows[1])

    if model is not None:
        _check_model(model)
    losses, loss_rows = _sample_losses(sample_losses, sample_loss_rows, None if yt is None else len(yt))
    order = None
    if train_label_order is not None:
        raw_order = _label_array("train_label_order", train_label_order)
        lookup = {c: i for i, c in enumerate(classes)}
        unknown = sorted({v for v in raw_order.tolist() if v not in lookup})
        if unknown:
            raise GapdoctorInputError(
                "train_label_order", f"holds labels not in the label set: {unknown[:10]}", "record the raw labels"
            )
        order = np.fromiter((lookup[v] for v in raw_order.tolist()), dtype=np.int64, count=len(raw_order))
    return Evidence(
        history=run_history,
        X_train=Xt,
        y_train=y_train_enc,
        X_val=Xv,
        y_val=y_val_enc,
        classes=classes,
        feature_names=names,
        categorical_features=tuple(names[j] for j in sorted(categories)) if names else (),
        train_probs=p_train,
        val_probs=p_val,
        metric=metric,
        groups_train=per_row["groups_train"],
        groups_val=per_row["groups_val"],
        sources_train=per_row["sources_train"],
        model=model,
        sample_losses=losses,
        sample_loss_rows=loss_rows,
        train_label_order=order,
        val_size=_val_size(val_size, yv),
        training_dynamics=None if training_dynamics is None else _dynamics(training_dynamics, yt),
    )


def _dynamics(value: Any, y_train: Any) -> DynamicsSummary:
    from gapdoctor.checks._training_dynamics import checked_summary

    return checked_summary(value, None if y_train is None else len(y_train))


def _check_model(model: Any) -> None:
    """An estimator with fit/predict_proba, or a train function ``train(X, y, *, config)``."""
    if callable(model) and not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
        import inspect

        try:
            inspect.signature(model).bind(np.zeros((1, 1)), np.zeros(1, dtype=np.int64), config={})
        except TypeError:
            raise GapdoctorInputError(
                "model",
                f"the train function {getattr(model, '__name__', repr(model))} cannot be called as "
                "train(X, y, *, config)",
                "define it as `def train(X, y, *, config): ... return predict_proba` "
                "(see gapdoctor.experiments.trainer)",
            ) from None
        except ValueError:  # no signature to inspect (a builtin): trust it
            pass
        return
    if not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
        raise GapdoctorInputError(
            "model",
            f"{type(model).__name__} has no fit/predict_proba",
            "pass an unfitted scikit-learn-style classifier (e.g. a Pipeline ending in LogisticRegression), "
            "or a train function train(X, y, *, config) -> predict_proba",
        )


def _val_size(val_size: Any, y_val: np.ndarray[Any, Any] | None) -> int | None:
    """The validation size: ``len(y_val)``, or the ``val_size`` argument checked."""
    if val_size is None:
        return None if y_val is None else len(y_val)
    if isinstance(val_size, bool) or not isinstance(val_size, (int, np.integer)) or val_size <= 0:
        raise GapdoctorInputError(
            "val_size", f"must be a positive whole number of rows, got {val_size!r}", "pass len(validation set)"
        )
    if y_val is not None and int(val_size) != len(y_val):
        raise GapdoctorInputError(
            "val_size", f"is {val_size} but y_val has {len(y_val)} labels", "leave val_size out when passing y_val"
        )
    return int(val_size)


def _sample_losses(losses: Any, rows: Any, n_train: int | None) -> tuple[FloatArray | None, IntArray | None]:
    if losses is None:
        if rows is not None:
            raise GapdoctorInputError("sample_loss_rows", "was given without sample_losses", "pass both or neither")
        return None, None
    if n_train is None:
        raise GapdoctorInputError("sample_losses", "was given without y_train", "pass y_train with it")
    arr = _to_numpy(losses)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise GapdoctorInputError(
            "sample_losses",
            f"expected a numeric (n_epochs, n_tracked) array, got shape {arr.shape}",
            "one row per epoch",
        )
    arr = arr.astype(np.float64)
    if np.isinf(arr).any() or (arr < 0).any():
        raise GapdoctorInputError("sample_losses", "holds negative or infinite losses", "record per-row loss values")
    index = np.arange(arr.shape[1]) if rows is None else _to_numpy(rows)
    if index.ndim != 1 or len(index) != arr.shape[1] or index.dtype.kind not in "iu":
        raise GapdoctorInputError(
            "sample_loss_rows",
            f"needs one integer row index per column of sample_losses ({arr.shape[1]})",
            "pass the training-row index of each tracked column",
        )
    if len(index) and (index.min() < 0 or index.max() >= n_train):
        raise GapdoctorInputError(
            "sample_loss_rows",
            f"indexes rows outside the training split (0..{n_train - 1})",
            "use training-row indices",
        )
    return arr, index.astype(np.int64)


def require(evidence: Evidence, names: Sequence[str]) -> list[str]:
    """The names in ``names`` that ``evidence`` lacks."""
    return [n for n in names if not evidence.has(n)]
