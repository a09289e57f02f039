"""Draw the parameters of one corpus scenario: its families, then each cause's fault, at random.

A draw is a JSON-safe dictionary (``params``) that :mod:`gapdoctor.bench.corpus.build`
turns into a training run with the bench's own fault injections. Drawing and building are
separate so a scenario's recipe is readable (and cached) before anything trains.

Stages of a run: the *split* (how rows reach the training and validation sets: random,
shifted, grouped, imbalanced...), *transforms* of the split (flipped labels, pseudo labels,
a leaking feature, a pipeline bug), and the *training* settings (model, optimiser, epochs).
A cause sets one stage; a pair of causes (:data:`PAIRS`) sets two different stages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gapdoctor.bench.corpus.families import (
    DATASETS,
    FIXED_FEATURES,
    KNOWN_DATASETS,
    MLP_MODELS,
    OPT_IN_DATASETS,
    SYNTHETIC,
    TORCH_MODELS,
    draw_synthetic_options,
)
from gapdoctor.errors import GapdoctorInputError

__all__ = ["HEALTHY_KINDS", "PAIRS", "SEVERITIES", "allowed_datasets", "allowed_models", "draw_params"]

SEVERITIES = ("mild", "moderate", "severe")
"""Severity of the injected fault (each cause maps it to its own parameter range)."""

HEALTHY_KINDS = ("well_tuned", "early", "slow_learner", "small_adequate_val")
"""Healthy runs: well-tuned and still improving; stopped early in training; a slow learner;
a small but adequate validation set (100-200 rows)."""

PAIRS: tuple[tuple[str, str], ...] = (
    ("label_noise", "overfitting"),
    ("label_noise", "distribution_shift"),
    ("label_noise", "metric_mismatch"),
    ("label_noise", "subgroup_failure"),
    ("pseudo_label_noise", "overfitting"),
    ("preprocessing_leakage", "distribution_shift"),
    ("preprocessing_leakage", "overfitting"),
    ("pipeline_bug", "label_noise"),
    ("optimization", "metric_mismatch"),
    ("overfitting", "distribution_shift"),
)
"""Pairs of causes drawn together: each pair sets two different stages of one run."""

TORCH_BATCHES = [32, 64, 128]
"""Batch sizes of the torch family: a step costs the same at 16 rows as at 128 (Python overhead)."""

SEARCH_ALPHAS = (1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1)
"""L2 penalties a drawn hyper-parameter search tries (every search has at least 6 trials)."""

_NOT_IRIS = tuple(d for d in DATASETS if d != "iris")
_ENOUGH_ROWS = ("digits", "breast_cancer", *SYNTHETIC)  # >= 500 rows: room for a holdout or many human labels
_TEN_DIGITS = ("digits", "mnist1d")  # ten classes of digits: a pair of them, minority classes, a label shift
_MULTICLASS = (*_TEN_DIGITS, "synthetic_multiclass")

_DEFAULT_DATASETS_FOR: dict[str, tuple[str, ...]] = {
    "overfitting": _NOT_IRIS,
    "label_noise": _NOT_IRIS,
    "metric_mismatch": ("digits", "breast_cancer", *SYNTHETIC),
    "distribution_shift": _NOT_IRIS,
    "small_validation_set": _ENOUGH_ROWS,
    "subgroup_failure": ("digits", "breast_cancer", "wine", *SYNTHETIC),
    "optimization": DATASETS,
    "preprocessing_leakage": _NOT_IRIS,
    "pipeline_bug": DATASETS,
    "pseudo_label_noise": _ENOUGH_ROWS,
    "metric_saturation": ("iris", "wine", "digits", "synthetic_binary"),
    "search_noise": DATASETS,
    "none": ("digits", "breast_cancer", "wine", *SYNTHETIC),
}
_DATASETS_FOR = {cause: (*default, *OPT_IN_DATASETS) for cause, default in _DEFAULT_DATASETS_FOR.items()}
"""Every cause can be drawn on mnist1d (4,000 rows, ten classes: wherever digits can)."""
_MEMORISING = ("overfitting", "label_noise", "pseudo_label_noise")  # need a hidden layer to memorise


def allowed_datasets(causes: tuple[str, ...], datasets: tuple[str, ...] = DATASETS) -> tuple[str, ...]:
    """Data-set families (of ``datasets``, in their order) every one of ``causes`` can be injected into
    (``()``: a healthy run).

    Examples
    --------
    >>> allowed_datasets(("metric_saturation",))
    ('digits', 'iris', 'wine', 'synthetic_binary')
    >>> allowed_datasets(("metric_saturation",), ("mnist1d",))
    ('mnist1d',)
    """
    allowed = set(datasets)
    for cause in causes or ("none",):
        allowed &= set(_DATASETS_FOR[cause])
    return tuple(d for d in datasets if d in allowed)


def allowed_models(causes: tuple[str, ...], models: tuple[str, ...]) -> tuple[str, ...]:
    """Model families (of those available) that can show every one of ``causes``."""
    if any(c in _MEMORISING for c in causes):
        return tuple(m for m in models if m in MLP_MODELS)
    return models


def _pick(rng: np.random.Generator, options: tuple[Any, ...] | list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def _level(p: dict[str, Any], mild: float, moderate: float, severe: float) -> float:
    return {"mild": mild, "moderate": moderate, "severe": severe}[p["severity"]]


def _hidden(p: dict[str, Any], wide: bool, rng: np.random.Generator) -> list[int]:
    if p["model"] == "logistic":
        return []
    if wide:
        return list(_pick(rng, [(256,), (512,), (256, 256), (256, 128)]))
    return list(_pick(rng, [(32,), (64,), (128,)]))


def _base(rng: np.random.Generator, dataset: str, model: str, severity: str, seed: int) -> dict[str, Any]:
    """Families and ordinary training settings (a run that learns), before any cause."""
    p: dict[str, Any] = {"dataset": dataset, "model": model, "severity": severity, "seed": seed}
    if dataset in SYNTHETIC:
        p["data_options"] = draw_synthetic_options(dataset, rng)
    p["split"] = {"kind": "random", "train_share": round(float(rng.uniform(0.45, 0.6)), 3)}
    p["val_share"] = round(float(rng.uniform(0.25, 0.35)), 3)
    p["transforms"] = []
    p["metric"] = "accuracy"
    p["train"] = {
        "epochs": int(rng.integers(40, 81)),
        "hidden": _hidden(p, False, rng),
        "lr": float(_pick(rng, [1e-3, 2e-3, 3e-3])),
        "alpha": float(_pick(rng, [0.0, 1e-4, 1e-3])),
        "batch_size": int(_pick(rng, TORCH_BATCHES if model in TORCH_MODELS else [16, 32, 64])),
        "solver": "adam",
        "order": "epoch",
    }
    return p


# --- one drawer per cause: each sets its stage of ``p`` -------------------------------------------


def _overfitting(p: dict[str, Any], rng: np.random.Generator) -> None:
    p["max_train_rows"] = int(
        rng.integers(*{"mild": (200, 301), "moderate": (120, 201), "severe": (50, 121)}[p["severity"]])
    )
    p["train"].update(hidden=_hidden(p, True, rng), alpha=0.0, epochs=int(rng.integers(80, 151)))
    p["train"]["lr"] = float(_pick(rng, [1e-3, 3e-3]))


def _label_noise(p: dict[str, Any], rng: np.random.Generator) -> None:
    rate = _level(p, 0.15, 0.25, 0.35) + float(rng.uniform(-0.04, 0.04))
    if p["dataset"] in _MULTICLASS and rng.random() < 0.3:
        p["transforms"].append({"kind": "class_conditional_flip", "rate": round(rate + 0.15, 3)})
    else:
        p["transforms"].append({"kind": "symmetric_flip", "rate": round(rate, 3)})
    p["train"].update(alpha=0.0, epochs=max(p["train"]["epochs"], int(rng.integers(60, 101))))
    if p["model"] != "logistic" and len(p["train"]["hidden"]) == 1:
        p["train"]["hidden"] = [int(_pick(rng, [128, 256]))]


def _pseudo_label_noise(p: dict[str, Any], rng: np.random.Generator) -> None:
    human = int(rng.integers(*{"mild": (100, 161), "moderate": (60, 101), "severe": (30, 61)}[p["severity"]]))
    labeller = _pick(rng, ["logistic_c0.01", "stump", "naive_bayes"])
    p["transforms"].append({"kind": "pseudo_labels", "human_rows": human, "labeller": labeller})
    p["train"].update(alpha=0.0, epochs=max(p["train"]["epochs"], 60))


def _distribution_shift(p: dict[str, Any], rng: np.random.Generator) -> None:
    gap = _level(p, 0.0, 0.1, 0.2)
    if p["dataset"] in _MULTICLASS and rng.random() < 0.35:
        p["split"] = {"kind": "label_shift", "strength": _level(p, 0.5, 0.7, 0.85)}
        return
    n_features = FIXED_FEATURES.get(p["dataset"]) or int(p["data_options"]["n_features"])
    feature = -1 if rng.random() < 0.3 else int(rng.integers(n_features))  # -1: the sum of all features
    train_q = round(0.6 - gap / 2, 3)
    p["split"] = {"kind": "covariate_shift", "feature": feature, "train_q": train_q, "val_q": round(0.7 + gap / 2, 3)}


def _small_validation_set(p: dict[str, Any], rng: np.random.Generator) -> None:
    # Few enough validation rows that one row is a step of 3-8 points, and a run long enough to be in
    # its slow phase: a large holdout still gains over the last half, the small split cannot show it.
    n_val = int(rng.integers(*{"mild": (28, 37), "moderate": (20, 28), "severe": (12, 20)}[p["severity"]]))
    p["split"] = {"kind": "small_validation", "n_val": n_val, "n_train": int(rng.integers(300, 801))}
    p["train"].update(
        alpha=1e-2, epochs=int(rng.integers(60, 101)), hidden=p["train"]["hidden"] and [16 * int(rng.integers(1, 3))]
    )
    if rng.random() < 0.3:
        p["train"].update(solver="sgd", lr=float(_pick(rng, [5e-3, 1e-2])))
    else:
        p["train"].update(lr=float(_pick(rng, [1e-3, 2e-3, 3e-3])))


def _subgroup_failure(p: dict[str, Any], rng: np.random.Generator) -> None:
    share = round(_level(p, 0.25, 0.18, 0.12) + float(rng.uniform(-0.03, 0.03)), 3)
    if p["dataset"] in SYNTHETIC and rng.random() < 0.5:
        p["split"].update(kind="second_population", share=share)
    elif p["dataset"] == "synthetic_multiclass" and rng.random() < 0.5:
        p["data_options"]["n_classes"] = 5
        p["split"].update(kind="rare_classes", rare_share=round(share / 3, 3))
    else:
        p["split"].update(kind="noisy_subgroup", share=share, noise_sd=_level(p, 1.5, 2.0, 3.0))
    p["train"].update(alpha=0.0, hidden=_hidden(p, True, rng)[:1])


def _optimization(p: dict[str, Any], rng: np.random.Generator) -> None:
    kind = _pick(rng, ["adam_lr_too_high", "sgd_lr_too_high", "early_decay"])
    if kind == "adam_lr_too_high":
        p["train"].update(lr=round(_level(p, 0.05, 0.1, 0.2) * float(rng.uniform(0.8, 1.25)), 4), batch_size=16)
    elif kind == "sgd_lr_too_high":
        p["train"].update(solver="sgd", lr=_level(p, 0.2, 0.3, 0.5), batch_size=8)
    else:
        cut = _level(p, 100.0, 1000.0, 10000.0)
        p["train"].update(solver="sgd", lr=0.01, schedule={"after_epoch": int(rng.integers(2, 6)), "divide_by": cut})
    p["train"]["epochs"] = int(rng.integers(40, 81))
    p["optimization_kind"] = kind


def _preprocessing_leakage(p: dict[str, Any], rng: np.random.Generator) -> None:
    binary = p["dataset"] in ("breast_cancer", "synthetic_binary")
    if binary and rng.random() < 0.4:
        p["transforms"].append({"kind": "knn_stacking", "k": int(rng.integers(3, 8)), "weight": 3.0})
    else:
        n_ids = int(rng.integers(*{"mild": (400, 601), "moderate": (250, 401), "severe": (100, 251)}[p["severity"]]))
        p["transforms"].append({"kind": "target_encoding", "ids_per_1000_rows": n_ids})
    p["train"].update(lr=float(_pick(rng, [3e-3, 5e-3])), epochs=max(p["train"]["epochs"], int(rng.integers(60, 101))))


def _pipeline_bug(p: dict[str, Any], rng: np.random.Generator) -> None:
    kind = _pick(rng, ["unscaled_validation", "relabelled_validation", "unshuffled", "misaligned_validation"])
    bug: dict[str, Any] = {"kind": kind}
    if kind == "misaligned_validation":
        bug["shift"] = int(rng.integers(1, 6))
    p["transforms"].append(bug)


def _metric_mismatch(p: dict[str, Any], rng: np.random.Generator) -> None:
    share = round(_level(p, 0.12, 0.08, 0.05) * float(rng.uniform(0.8, 1.2)), 4)
    if p["dataset"] in _MULTICLASS:
        p["split"] = {**p["split"], "imbalance": {"kind": "minority_classes", "keep": share * 1.5}}
        p["metric"] = "balanced_accuracy"
    else:
        if "data_options" in p:
            p["data_options"].update(n_classes=2)
        p["split"] = {**p["split"], "imbalance": {"kind": "rare_positive", "positive_share": share}}
        p["metric"] = "f1"
    p["train"].update(epochs=int(rng.integers(60, 101)), lr=float(_pick(rng, [3e-3, 5e-3])))


def _metric_saturation(p: dict[str, Any], rng: np.random.Generator) -> None:
    p["train"].update(lr=float(_pick(rng, [3e-3, 5e-3])), epochs=int(rng.integers(60, 101)))
    if p["dataset"] in _TEN_DIGITS:
        pair = sorted(int(c) for c in rng.choice(10, size=2, replace=False))
        p["split"] = {**p["split"], "classes": pair}
    if p["dataset"] == "synthetic_binary":
        p["data_options"].update(class_sep=round(float(rng.uniform(2.5, 3.5)), 3), n_informative=5)
        p["metric"] = _pick(rng, ["accuracy", "roc_auc"])


def _search_noise(p: dict[str, Any], rng: np.random.Generator) -> None:
    # Mild L2 only: a strongly regularised trial underfits, and the search is then ranked by its
    # training loss rather than by noise (the draw would fail its symptom check).
    if p["model"] == "logistic":
        widths: list[list[int]] = [[]]
        alphas = list(SEARCH_ALPHAS)
    else:
        widths = sorted([int(w)] for w in rng.choice([16, 32, 64, 128], size=2, replace=False))
        alphas = sorted(float(a) for a in rng.choice(SEARCH_ALPHAS, size=int(rng.integers(3, 5)), replace=False))
    p["search"] = {
        "alphas": alphas,
        "widths": widths,
        "lr": float(_pick(rng, [1e-3, 2e-3, 3e-3])),
        "n_val": int(rng.integers(*{"mild": (40, 61), "moderate": (25, 41), "severe": (15, 26)}[p["severity"]])),
        "epochs": int(rng.integers(25, 41)),
    }


def _healthy(p: dict[str, Any], rng: np.random.Generator) -> None:
    kind = _pick(rng, HEALTHY_KINDS)
    p["healthy_kind"] = kind
    p["train"].update(alpha=1e-3, hidden=[] if p["model"] == "logistic" else [64])
    if kind == "well_tuned":
        p["train"].update(lr=float(_pick(rng, [1e-4, 2e-4])), epochs=int(rng.integers(25, 36)))
    elif kind == "early":
        p["train"].update(lr=float(_pick(rng, [3e-4, 5e-4])), epochs=int(rng.integers(10, 16)))
    elif kind == "slow_learner":
        if rng.random() < 0.5:
            p["train"].update(solver="sgd", lr=float(_pick(rng, [2e-3, 5e-3])), epochs=int(rng.integers(30, 46)))
        else:
            p["train"].update(lr=float(_pick(rng, [3e-5, 5e-5])), epochs=int(rng.integers(30, 46)))
    else:
        p["val_rows"] = int(rng.integers(100, 201))
        p["train"].update(lr=1e-4, epochs=int(rng.integers(25, 36)))


DRAWERS: dict[str, Callable[[dict[str, Any], np.random.Generator], None]] = {
    "overfitting": _overfitting,
    "label_noise": _label_noise,
    "metric_mismatch": _metric_mismatch,
    "distribution_shift": _distribution_shift,
    "small_validation_set": _small_validation_set,
    "subgroup_failure": _subgroup_failure,
    "optimization": _optimization,
    "preprocessing_leakage": _preprocessing_leakage,
    "pipeline_bug": _pipeline_bug,
    "pseudo_label_noise": _pseudo_label_noise,
    "metric_saturation": _metric_saturation,
    "search_noise": _search_noise,
}
"""One drawer per cause of :data:`gapdoctor.CAUSES` (a test checks that none is missing)."""

_ORDER = ("metric_mismatch", "distribution_shift", "subgroup_failure", "small_validation_set", "metric_saturation")
"""Split-setting causes are drawn first, so a pair's transforms apply to the final split."""


def draw_params(
    causes: tuple[str, ...], seed: int, models: tuple[str, ...], datasets: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Every parameter of one scenario with ``causes`` (``()``: healthy), drawn from ``seed``.

    Parameters
    ----------
    causes : tuple of str
        One or two causes of :data:`gapdoctor.CAUSES`, or none for a healthy run.
    seed : int
    models : tuple of str
        The model families to draw from.
    datasets : tuple of str, optional
        The data-set families to draw from (of :data:`~gapdoctor.bench.corpus.families.KNOWN_DATASETS`);
        by default :data:`~gapdoctor.bench.corpus.families.DATASETS`.

    Returns
    -------
    dict
        JSON-safe: families (``dataset``, ``model``, ``severity``...) and the fault's settings.

    Examples
    --------
    >>> p = draw_params(("label_noise",), 3, ("sklearn_mlp",))
    >>> p["transforms"][0]["kind"] in ("symmetric_flip", "class_conditional_flip"), p["model"]
    (True, 'sklearn_mlp')
    """
    rng = np.random.default_rng([seed, 20261201])
    models_ok = allowed_models(causes, models)
    drawn_from = DATASETS if datasets is None else tuple(datasets)
    unknown = sorted(set(drawn_from) - set(KNOWN_DATASETS))
    if unknown or not drawn_from:
        raise GapdoctorInputError(
            "datasets", f"names no or unknown families {unknown}", f"use some of {KNOWN_DATASETS}"
        )
    datasets_ok = allowed_datasets(causes, drawn_from)
    if not datasets_ok:
        raise GapdoctorInputError(
            "datasets", f"has none of the families {causes or 'a healthy run'} can be drawn on", "name more of them"
        )
    p = _base(rng, _pick(rng, datasets_ok), _pick(rng, models_ok), _pick(rng, SEVERITIES), seed)
    p["causes"] = list(causes)
    for cause in sorted(causes, key=lambda c: (c not in _ORDER, causes.index(c))):
        DRAWERS[cause](p, rng)
    if not causes:
        _healthy(p, rng)
    return p
