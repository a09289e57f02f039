"""A history in the shapes training code collects and saves it, as ``{name: [values per epoch]}``.

One reading for a JSON object read from a file (:mod:`gapdoctor.io.history_files`) and for a dict passed in memory
(:meth:`gapdoctor.inputs.history.RunHistory.from_any`). ``{name: [values]}`` is read as it is. Besides that:

- **pandas' ``DataFrame.to_json``** (``pd.DataFrame(history.history).to_json(f)``, its default
  ``orient="columns"``): ``{"loss": {"0": 0.69, "1": 0.52, ...}}``, each series keyed by row number;
- **one dict per split**, as loops collect it (``{"train": {"loss": [...], "acc": [...]}, "val": {...}}``),
  or **one dict per metric** (``{"loss": {"train": [...], "val": [...]}}``): the two names are joined
  (``train_loss``, ``loss_train``) for :func:`~gapdoctor.inputs.series_names.normalise_series_name`;
- **a wrapper** around the series (``{"history": {"loss": [...]}, "params": {...}}``): its series are read;
- gradient boosting's per-round history (LightGBM's ``record_evaluation``: ``{"training": {"l2": [...]},
  "valid_0": {"l2": [...]}}``, XGBoost's ``evals_result()``): one object per split, numbered or not;
- **a split's name alone** (``{"train": [...], "val": [...]}``): the lists name no quantity; read as the
  loss, or as accuracy when the training values rise within [0, 1] or [0, 100] (a loss falls);
- **a fitted scikit-learn MLP** (``MLPClassifier`` / ``MLPRegressor``, passed itself: :func:`estimator_history`):
  its ``loss_curve_``, and with ``early_stopping=True`` its ``validation_scores_`` (accuracy, or R² for a regressor).

Each reading beyond the plain one is said in a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.series_names import SPLIT_PREFIXES

__all__ = ["estimator_history", "flatten_history_object", "history_mapping"]

_TRAIN_SPLITS = {name for name, split in SPLIT_PREFIXES.items() if split == "train"}
_SPLITS = {*SPLIT_PREFIXES, "test"}
_ROW_NUMBER = re.compile(r"\d+")
# A numbered evaluation set: LightGBM's default "valid_0", XGBoost's "validation_0", "validation_1".
_NUMBERED = re.compile(r"(.+?)_\d+")


def _split(name: str) -> bool:
    return _split_name(name) in _SPLITS


def _split_name(name: str) -> str:
    """A split's name without its set number (``valid_0`` -> ``valid``)."""
    cleaned = name.strip().lower()
    numbered = _NUMBERED.fullmatch(cleaned)
    return numbered.group(1) if numbered and numbered.group(1) in _SPLITS else cleaned


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _by_row_number(entry: Any) -> list[Any] | None:
    """pandas' ``to_json`` column ``{"0": v0, "1": v1, ...}`` as the list ``[v0, v1, ...]``; None when not one.

    Examples
    --------
    >>> _by_row_number({"1": 0.5, "0": 0.7}), _by_row_number({"a": 1}), _by_row_number({})
    ([0.7, 0.5], None, None)
    """
    if not isinstance(entry, dict) or not entry or not all(_ROW_NUMBER.fullmatch(str(k)) for k in entry):
        return None
    if not all(value is None or _is_number(value) for value in entry.values()):
        return None
    return [entry[key] for key in sorted(entry, key=int)]


def _as_list(entry: Any) -> list[Any] | None:
    return entry if isinstance(entry, list) else _by_row_number(entry)


def _numbered_roles(content: dict[str, Any], notes: list[str]) -> dict[str, str]:
    """Numbered evaluation sets -> the split each is read as (``""``: not read).

    One numbered set is validation. Of several, the last is validation; with no training set named, the first is
    the training set (XGBoost's ``eval_set=[(X_train, y_train), (X_val, y_val)]`` gives ``validation_0`` and
    ``validation_1``, the order its documentation shows), and any between are left out. Said in a note.

    Examples
    --------
    >>> _numbered_roles({"validation_0": {}, "validation_1": {}}, [])
    {'validation_0': 'train', 'validation_1': 'val'}
    >>> _numbered_roles({"training": {}, "valid_0": {}, "valid_1": {}}, [])
    {'valid_0': '', 'valid_1': 'val'}
    """
    numbered = [k for k, v in content.items() if isinstance(v, dict) and _split(k) and _NUMBERED.fullmatch(k.lower())]
    if len(numbered) < 2:
        return dict.fromkeys(numbered, "val")
    named_train = any(_split_name(k) in _TRAIN_SPLITS for k in content if k not in numbered)
    roles = dict.fromkeys(numbered[1:-1], "") | {numbered[0]: "" if named_train else "train", numbered[-1]: "val"}
    read = [f"{k} as {'training' if r == 'train' else 'validation'}" for k, r in roles.items() if r]
    skipped = [k for k, r in roles.items() if not r]
    left = f"; not read: {', '.join(skipped)}" if skipped else ""
    notes.append(f"several numbered evaluation sets: {', '.join(read)}{left}")
    return roles


def _bare_split_quantity(series: dict[str, Any]) -> str:
    """``"accuracy"`` when the bare splits' training values rise within [0, 1] or [0, 100], else ``"loss"``."""
    train = next((v for k, v in series.items() if _split_name(k) in _TRAIN_SPLITS), None)
    chosen = train if train is not None else next(iter(series.values()))
    try:  # a list from a file; an array or a tensor from a loop's own dict
        values = np.asarray([v for v in chosen if v is not None], dtype=float)
    except (TypeError, ValueError):
        return "loss"
    values = values[np.isfinite(values)] if values.ndim == 1 else np.array([])
    if len(values) < 3 or values.min() < 0 or values.max() > 100:
        return "loss"
    third = max(len(values) // 3, 1)
    return "accuracy" if float(np.mean(values[-third:])) > float(np.mean(values[:third])) else "loss"


def flatten_history_object(content: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """The object's series as ``{name: [values]}`` (entries that hold none are kept as they are, for the caller).

    Parameters
    ----------
    content : dict
        The JSON object as loaded.
    notes : list of str
        Appended: how a shape other than ``{name: [values]}`` was read.

    Returns
    -------
    dict
        Series name -> list of values; other entries unchanged.

    Examples
    --------
    >>> notes = []
    >>> flatten_history_object({"train": {"loss": [0.9, 0.5]}, "val": {"loss": [1.0, 0.8]}}, notes)
    {'train_loss': [0.9, 0.5], 'val_loss': [1.0, 0.8]}
    >>> flatten_history_object({"loss": {"0": 0.7, "1": 0.4}, "val_loss": {"0": 0.8, "1": 0.6}}, notes)
    {'loss': [0.7, 0.4], 'val_loss': [0.8, 0.6]}
    >>> flatten_history_object({"history": {"loss": [0.7, 0.4]}, "params": {"epochs": 2}}, notes)
    {'loss': [0.7, 0.4], 'params': {'epochs': 2}}
    >>> flatten_history_object({"train": [0.9, 0.6, 0.5], "val": [1.0, 0.9, 0.9]}, notes)
    {'train_loss': [0.9, 0.6, 0.5], 'val_loss': [1.0, 0.9, 0.9]}
    """
    out: dict[str, Any] = {}
    row_numbered: list[str] = []
    nested: list[str] = []
    wrappers: list[str] = []
    repeated: list[str] = []
    roles = _numbered_roles(content, notes)
    for key, entry in content.items():
        if roles.get(key) == "":
            continue
        as_list = _as_list(entry)
        if as_list is not None:
            row_numbered += [] if isinstance(entry, list) else [key]
            out[key] = as_list
            continue
        inner = {k: v for k, v in entry.items() if _as_list(v) is not None} if isinstance(entry, dict) else {}
        if not inner:
            out.setdefault(key, entry)
            continue
        wrapper = not _split(key) and not any(_split(k) for k in inner)
        (wrappers if wrapper else nested).append(key)
        for name, values in inner.items():
            joined = name if wrapper else f"{roles.get(key) or (_split_name(key) if _split(key) else key)}_{name}"
            repeated += [joined] if joined in out else []
            out[joined] = _as_list(values)
            row_numbered += [] if isinstance(values, list) else [joined]
    bare = {k: v for k, v in out.items() if _split(k) and hasattr(v, "__len__") and not isinstance(v, (str, dict))}
    if bare:
        quantity = _bare_split_quantity(bare)
        out = {(f"{_split_name(k)}_{quantity}" if k in bare else k): v for k, v in out.items()}
        verb = "fall" if quantity == "loss" else "rise"
        notes.append(
            f"{', '.join(bare)} name a split but no quantity: read as the {quantity} (the training values {verb}); "
            "name the lists (train_loss, val_accuracy) to say what they hold"
        )
    if row_numbered:
        notes.append(f"series keyed by row number (pandas' to_json / to_dict) read in that order: {len(row_numbered)}")
    if nested:
        notes.append(f"one object per split or per metric read as its series: {', '.join(nested[:10])}")
    if wrappers:
        notes.append(f"series nested under {', '.join(repr(w) for w in wrappers[:5])} read as the run's")
    if repeated:
        notes.append(f"several objects hold {', '.join(repeated[:5])}: the last one written read")
    return out


def history_mapping(history: Mapping[Any, Any]) -> tuple[Mapping[Any, Any], tuple[str, ...]]:
    """A history passed as a dict, in its flat shape, and the notes saying how it was read (unchanged, no notes, when
    it is flat already or keyed by other than names).

    Examples
    --------
    >>> history_mapping({"train": {"loss": [0.9, 0.5]}, "val": {"loss": [1.0, 0.8]}})[0]
    {'train_loss': [0.9, 0.5], 'val_loss': [1.0, 0.8]}
    >>> history_mapping({"loss": [0.9, 0.5]})
    ({'loss': [0.9, 0.5]}, ())
    """
    if not all(isinstance(key, str) for key in history):
        return history, ()
    notes: list[str] = []
    flat = flatten_history_object(dict(history), notes)
    return (flat, tuple(notes)) if notes else (history, ())


def estimator_history(history: Any) -> tuple[Any, tuple[str, ...]]:
    """A fitted scikit-learn MLP's or histogram gradient boosting's own curves as ``{name: [values per epoch]}``, and
    the note saying how they were read; anything else as given, without a note.

    An MLP's ``loss_curve_`` is its training loss at each epoch; ``validation_scores_`` (kept with
    ``early_stopping=True``) its score on the validation fraction it held out at each epoch: accuracy for a
    classifier, R² for a regressor. A ``HistGradientBoosting*``'s curves: :func:`_boosting_history`.

    Examples
    --------
    >>> estimator_history({"loss": [0.9]})
    ({'loss': [0.9]}, ())
    """
    if not isinstance(history, Mapping) and hasattr(history, "validation_score_") and hasattr(history, "get_params"):
        return _boosting_history(history)
    loss = getattr(history, "loss_curve_", None)
    if isinstance(history, Mapping) or loss is None or not hasattr(history, "get_params"):
        return history, ()
    from sklearn.base import is_regressor

    name = type(history).__name__
    curves: dict[str, list[float]] = {"train_loss": [float(v) for v in loss]}
    scores = getattr(history, "validation_scores_", None)
    if scores is None:
        return curves, (
            f"a fitted {name}: its training loss only (loss_curve_); fit it with early_stopping=True to keep its "
            "validation scores",
        )
    score = "r2" if is_regressor(history) else "accuracy"
    curves[f"val_{score}"] = [float(v) for v in scores]
    return curves, (f"a fitted {name}: its loss_curve_ and validation_scores_ (the {score} of its validation split)",)


def _boosting_history(model: Any) -> tuple[dict[str, list[float]], tuple[str, ...]]:
    """A fitted ``HistGradientBoostingClassifier`` / ``Regressor``'s ``train_score_`` and ``validation_score_``.

    Both hold one score per boosting iteration, after the constant model scored first (left out here). With
    ``scoring="loss"`` (the default) they are the negated loss, read back as ``train_loss`` / ``val_loss``; with a
    scorer's name, that metric (``neg_`` scorers negated back: ``neg_mean_squared_error`` -> ``mse``). The scores are
    kept only when the model was fitted with early stopping (and a scorer it can name).
    """
    name = type(model).__name__
    train, val = np.asarray(model.train_score_, float)[1:], np.asarray(model.validation_score_, float)[1:]
    scoring = model.get_params().get("scoring", "loss")
    if not len(val) or not isinstance(scoring, str):
        raise GapdoctorInputError(
            "history",
            f"is a fitted {name} without validation scores (early stopping off, or a scorer given as a callable)",
            "fit it with early_stopping=True and scoring='loss' (or a scorer's name) to keep them",
        )
    metric = "loss" if scoring == "loss" else scoring.removeprefix("neg_")
    sign = -1.0 if scoring == "loss" or scoring.startswith("neg_") else 1.0
    curves = {f"train_{metric}": (sign * train).tolist(), f"val_{metric}": (sign * val).tolist()}
    note = f"a fitted {name}: its train_score_ and validation_score_ ({scoring}), one point per iteration"
    if metric != "loss":
        note += " (no training loss: fit with scoring='loss' for the curves the overfitting check reads)"
    return curves, (note,)
