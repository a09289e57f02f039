"""Input validation at the door, and the Evidence bundle every check reads.

Everything the user passes to :func:`gapdoctor.diagnose` is validated here, once:
arrays are converted from numpy / pandas / torch, labels are encoded with one shared
encoder, probabilities are checked (the arguments themselves are declared in
:mod:`gapdoctor.inputs.arguments`, with the checks of the scalar ones). When a model is
given, the probabilities missing are completed from it
(:mod:`gapdoctor.inputs.completion`). Checks then trust :class:`Evidence` and never
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
from gapdoctor.inputs.arguments import DiagnoseInputs, check_model, check_val_size, own_metric_names
from gapdoctor.inputs.arrays import encode_features, group_array, to_numpy
from gapdoctor.inputs.completion import Completion, CompletionSettings, complete_probabilities
from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.labels import encode_labels, label_array, sort_labels
from gapdoctor.inputs.probabilities import given_probabilities, probabilities, validated_probability_tensor
from gapdoctor.stats.accumulators import ConfusionCounts
from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray, ProbabilityArray

if TYPE_CHECKING:
    from gapdoctor.inputs.training_dynamics import DynamicsSummary

__all__ = ["Evidence", "build_evidence"]


CHUNK_ROWS = 65_536
"""Rows per chunk for the statistics computed chunk by chunk."""


def _feature_names(X: Any, n_features: int) -> tuple[str, ...]:
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == n_features:
        return tuple(str(c) for c in columns)
    return tuple(f"x{i}" for i in range(n_features))


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
        ``val_probs`` in float64, rows summing to 1. ``train_probs`` as given (float32 or
        float64, no copy): read it through :func:`gapdoctor.inputs.probabilities.probability_rows`.
    train_probs_device : torch.Tensor or None
        ``train_probs`` as given when it is a tensor on an accelerator (validated there): the
        label pass runs on that device
        (:func:`gapdoctor.causes.label_noise.confident_learning_torch.find_label_issues_torch`).
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
    higher_is_better : bool or None
        The direction the user declared for ``metric`` (None: gapdoctor's own).
    training_dynamics : DynamicsSummary or None
        Per-row AUM, forgetting events, confidence/variability of every training row,
        recorded by a training-loop integration from its logits.
    completion : Completion or None
        What was computed from ``model`` (None without a model): see
        :mod:`gapdoctor.inputs.completion`.
    """

    history: RunHistory | None = None
    X_train: FeatureArray | None = None
    y_train: IntArray | None = None
    X_val: FeatureArray | None = None
    y_val: IntArray | None = None
    classes: tuple[Any, ...] = ()
    feature_names: tuple[str, ...] = ()
    categorical_features: tuple[str, ...] = ()
    train_probs: ProbabilityArray | None = None
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
    higher_is_better: bool | None = None
    completion: Completion | None = None
    train_probs_device: Any = None

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

    def _confusion(self, y: IntArray | None, probs: ProbabilityArray | None) -> IntArray | None:
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
                "unit": self.history.unit,
                "notes": list(self.history.notes),
                "test": dict(self.history.test),
            }
        )
        out["model"] = None if self.model is None else type(self.model).__name__
        out["val_size"] = self.val_size
        return out


def build_evidence(*, completion: CompletionSettings | None = None, **arguments: Any) -> Evidence:
    """Validate every input of :func:`gapdoctor.diagnose` and bundle them.

    Parameters
    ----------
    **arguments
        The input arguments of :func:`gapdoctor.diagnose`, by name (declared once, in
        :class:`~gapdoctor.inputs.arguments.DiagnoseInputs`); an unknown name is a TypeError.
    completion : CompletionSettings, optional
        How probabilities missing from the arguments are computed when ``model`` is
        given (default: 5 folds, seed 0, no disk cache).

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
    given = DiagnoseInputs(**arguments)
    own_metrics = own_metric_names(given.metric, given.higher_is_better)
    history, metric, model = given.history, given.metric, given.model
    X_train, y_train, X_val, y_val = given.X_train, given.y_train, given.X_val, given.y_val
    train_probs, val_probs = given.train_probs, given.val_probs
    run_history = None if history is None else RunHistory.from_any(history, metrics=own_metrics)

    yt = None if y_train is None else label_array("y_train", y_train)
    yv = None if y_val is None else label_array("y_val", y_val)
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
        None
        if train_probs is None or yt is None
        else given_probabilities("train_probs", train_probs, len(yt), "y_train")
    )
    p_device = None if yt is None else _accelerator_probabilities(train_probs, len(yt))
    p_val = None if val_probs is None or yv is None else probabilities("val_probs", val_probs, len(yv), "y_val")
    if p_train is not None and p_val is not None and p_train.shape[1] != p_val.shape[1]:
        raise GapdoctorInputError(
            "val_probs",
            f"has {p_val.shape[1]} class columns but train_probs has {p_train.shape[1]}",
            "use the same class order and count in both",
        )
    for p in (p_train, p_val):
        if p is not None:
            n_cols = p.shape[1]
    classes, y_train_enc, y_val_enc = encode_labels(yt, yv, n_cols)
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
        Xt, categories = encode_features("X_train", X_train, categories)
        names = _feature_names(X_train, Xt.shape[1])
    if X_val is not None:
        Xv, categories = encode_features("X_val", X_val, categories)
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
        ("groups_train", given.groups_train, "train"),
        ("groups_val", given.groups_val, "val"),
        ("sources_train", given.sources_train, "train"),
    ):
        if value is None:
            per_row[arg_name] = None
            continue
        rows = rows_of(split)
        if rows is None:
            raise GapdoctorInputError(
                arg_name, f"was given without y_{split}", f"pass y_{split} (and X_{split}) with it"
            )
        per_row[arg_name] = group_array(arg_name, value, rows[0], rows[1])

    if model is not None:
        check_model(model)
    losses, loss_rows = _sample_losses(given.sample_losses, given.sample_loss_rows, None if yt is None else len(yt))
    order = None
    if given.train_label_order is not None:
        raw_order = label_array("train_label_order", given.train_label_order)
        lookup = {c: i for i, c in enumerate(classes)}
        unknown = sort_labels({v for v in raw_order.tolist() if v not in lookup})
        if unknown:
            raise GapdoctorInputError(
                "train_label_order", f"holds labels not in the label set: {unknown[:10]}", "record the raw labels"
            )
        order = np.fromiter((lookup[v] for v in raw_order.tolist()), dtype=np.int64, count=len(raw_order))
    evidence = Evidence(
        history=run_history,
        X_train=Xt,
        y_train=y_train_enc,
        X_val=Xv,
        y_val=y_val_enc,
        classes=classes,
        feature_names=names,
        categorical_features=tuple(names[j] for j in sorted(categories)) if names else (),
        train_probs=p_train,
        train_probs_device=p_device,
        val_probs=p_val,
        metric=metric,
        higher_is_better=given.higher_is_better,
        groups_train=per_row["groups_train"],
        groups_val=per_row["groups_val"],
        sources_train=per_row["sources_train"],
        model=model,
        sample_losses=losses,
        sample_loss_rows=loss_rows,
        train_label_order=order,
        val_size=check_val_size(given.val_size, yv),
        training_dynamics=None if given.training_dynamics is None else _dynamics(given.training_dynamics, yt),
    )
    return complete_probabilities(evidence, completion or CompletionSettings())


def _accelerator_probabilities(train_probs: Any, n_rows: int) -> Any:
    """``train_probs`` itself, validated on its device, when it is a torch tensor off the CPU (else None)."""
    if type(train_probs).__module__.split(".")[0] != "torch" or train_probs.device.type in ("cpu", "meta"):
        return None
    return validated_probability_tensor("train_probs", train_probs, n_rows, "y_train")


def _dynamics(value: Any, y_train: Any) -> DynamicsSummary:
    from gapdoctor.inputs.training_dynamics import checked_summary

    return checked_summary(value, None if y_train is None else len(y_train))


def _sample_losses(losses: Any, rows: Any, n_train: int | None) -> tuple[FloatArray | None, IntArray | None]:
    if losses is None:
        if rows is not None:
            raise GapdoctorInputError("sample_loss_rows", "was given without sample_losses", "pass both or neither")
        return None, None
    if n_train is None:
        raise GapdoctorInputError("sample_losses", "was given without y_train", "pass y_train with it")
    arr = to_numpy("sample_losses", losses)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise GapdoctorInputError(
            "sample_losses",
            f"expected a numeric (n_epochs, n_tracked) array, got shape {arr.shape}",
            "one row per epoch",
        )
    arr = arr.astype(np.float64)
    if np.isinf(arr).any() or (arr < 0).any():
        raise GapdoctorInputError("sample_losses", "holds negative or infinite losses", "record per-row loss values")
    index = np.arange(arr.shape[1]) if rows is None else to_numpy("sample_loss_rows", rows)
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
