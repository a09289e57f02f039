"""Turn a drawn corpus recipe (:func:`gapdoctor.bench.corpus.draws.draw_params`) into a real run.

Every fault is one of the bench's own injections (``gapdoctor.bench.faults_*``,
``gapdoctor.bench.search``), called with the drawn parameters; every run is the bench's
recorder (:func:`gapdoctor.bench._common.mlp_run`) with the drawn model family. Deterministic
from the recipe and the seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from gapdoctor.bench._common import FloatArray, IntArray, Split, mlp_run, split, synthetic
from gapdoctor.bench.corpus.families import fixed_rows, trainer_for
from gapdoctor.bench.faults_data import class_conditional_flip, with_pseudo_labels
from gapdoctor.bench.faults_pipeline import (
    leak_knn_stacking,
    leak_target_encoding,
    misaligned_validation,
    relabel_by_first_appearance,
    sorted_by_class,
    unscaled_validation,
)
from gapdoctor.bench.faults_population import (
    label_shift,
    noisy_subgroup,
    second_population,
    shift_by,
    small_validation_run,
    split_with_groups,
)
from gapdoctor.bench.scenario import ScenarioData
from gapdoctor.bench.search import run_search
from gapdoctor.bench.training import flip_labels

__all__ = ["RecipeInfeasible", "build_scenario"]

MIN_CLASS_ROWS = 6
"""Fewest rows a class keeps after subsampling: a stratified split needs some in each split."""

MIN_STRATUM_ROWS = 2
"""Fewest rows of each (group, class) stratum: the split is stratified by both, one row in each split."""

MIN_TRAIN_CLASS_ROWS = 5
"""Fewest training rows of each class: the recorder's out-of-fold probabilities use 5 stratified folds."""


class RecipeInfeasible(Exception):
    """A drawn recipe cannot make a run on its data (a class nearly absent from the training split):
    the draw is rejected and redrawn, like one that fails its symptom check."""


NOISE_CLIP = 10.0
"""A noisy subgroup's standardised features are clipped to +-10 sd (a sensor's range)."""

LABEL_SHIFT_SLOPE = 3.0
"""Label shift: class i's share falls as exp(-slope * strength * i / (k - 1)) in training and
rises the same way in validation (strength 0.85 on 3 classes: about 69/24/7% against 7/24/69%)."""

SMALL_VAL_REST = 0.6
"""Share of the rows :func:`~gapdoctor.bench.faults_population.small_validation_run` leaves for
training and validation (it holds out the other 40% to show that progress exists)."""

Array = np.ndarray[Any, Any]


def _labeller(name: str) -> Any:
    """The weak teacher that pseudo-labels the unlabelled rows."""
    if name == "stump":
        return DecisionTreeClassifier(max_depth=1, random_state=0)
    if name == "naive_bayes":
        return GaussianNB()
    return LogisticRegression(C=0.01, max_iter=500)


def _features(p: dict[str, Any], seed: int, n_samples: int | None = None) -> tuple[FloatArray, IntArray]:
    rows = fixed_rows(p["dataset"])
    if rows is not None:
        return rows
    options = dict(p["data_options"])
    if n_samples is not None:
        options["n_samples"] = n_samples
    return synthetic(seed, **options)


def _rare_positive(X: FloatArray, y: IntArray, share: float, rng: np.random.Generator) -> tuple[FloatArray, IntArray]:
    """Binary: the smaller class becomes the positive class (1), subsampled to ``share`` of the rows."""
    positive = int(np.argmin(np.bincount(y)))
    pos, neg = np.flatnonzero(y == positive), np.flatnonzero(y != positive)
    n_pos = max(MIN_CLASS_ROWS * 2, min(len(pos), round(share / (1 - share) * len(neg))))
    keep = np.sort(np.concatenate([rng.choice(pos, size=n_pos, replace=False), neg]))
    return X[keep], (y[keep] == positive).astype(np.int64)


def _minority_classes(X: FloatArray, y: IntArray, keep: float, rng: np.random.Generator) -> tuple[FloatArray, IntArray]:
    """The upper half of the classes keeps a random ``keep`` share of its rows."""
    k = int(y.max()) + 1
    rows = [np.flatnonzero(y == c) for c in range(k)]
    kept = [
        r if c < k // 2 else rng.choice(r, size=max(MIN_CLASS_ROWS * 2, round(keep * len(r))), replace=False)
        for c, r in enumerate(rows)
    ]
    order = np.sort(np.concatenate(kept))
    return X[order], y[order]


def _data(p: dict[str, Any], seed: int, rng: np.random.Generator) -> tuple[FloatArray, IntArray, Array | None]:
    """Features, labels and (for a subgroup) the group of each row, before the split."""
    s = p["split"]
    if s["kind"] == "second_population":
        options = {k: v for k, v in p["data_options"].items() if k != "n_samples"}
        n = int(p["data_options"]["n_samples"])
        n_second = round(s["share"] * n)
        return second_population(seed, n - n_second, n_second, **options)
    if s["kind"] == "rare_classes":
        rare = s["rare_share"]
        weights = [(1 - 2 * rare) / 3] * 3 + [rare, rare]
        X, y = synthetic(seed, **{**p["data_options"], "n_classes": 5, "weights": weights})
        return X, y, None
    X, y = _features(p, seed)
    if "classes" in s:
        keep = np.isin(y, s["classes"])
        X, y = X[keep], (y[keep] == s["classes"][1]).astype(np.int64)
    imbalance = s.get("imbalance")
    if imbalance is not None and imbalance["kind"] == "rare_positive":
        X, y = _rare_positive(X, y, imbalance["positive_share"], rng)
    elif imbalance is not None:
        X, y = _minority_classes(X, y, imbalance["keep"], rng)
    if s["kind"] == "noisy_subgroup":
        standard = StandardScaler().fit_transform(X)
        X, group = noisy_subgroup(standard, s["share"], s["noise_sd"], (-NOISE_CLIP, NOISE_CLIP), rng)
        return X, y, group
    return X, y, None


def _label_shift_counts(y: IntArray, strength: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    k = int(y.max()) + 1
    available = np.bincount(y, minlength=k)
    slope = LABEL_SHIFT_SLOPE * strength / max(k - 1, 1)
    w_train = np.exp(-slope * np.arange(k))
    w_val = w_train[::-1]
    train = np.minimum(np.floor(w_train / w_train.sum() * 0.5 * len(y)), np.floor(0.65 * available)).astype(int)
    val = np.minimum(np.floor(w_val / w_val.sum() * 0.3 * len(y)), available - train).astype(int)
    return tuple(int(v) for v in np.maximum(train, 2)), tuple(int(v) for v in np.maximum(val, 2))


def _split(
    p: dict[str, Any], X: FloatArray, y: IntArray, group: Array | None, seed: int
) -> tuple[Split, dict[str, Array]]:
    s = p["split"]
    cap = int(p.get("max_train_rows", len(y)))
    if s["kind"] == "covariate_shift":
        key = X.sum(axis=1) if s["feature"] == -1 else X[:, s["feature"]]
        if np.quantile(key, s["train_q"]) >= np.quantile(key, s["val_q"]):  # a mostly constant feature (a pixel)
            raise RecipeInfeasible(
                f"feature {s['feature']} takes too few values to shift on (the splits would overlap)"
            )
        data = shift_by(X, y, key, s["train_q"], s["val_q"], seed)
        return Split(data.X_train[:cap], data.y_train[:cap], data.X_val, data.y_val), {}
    if s["kind"] == "label_shift":
        data = label_shift(X, y, *_label_shift_counts(y, s["strength"]), seed)
        keep = np.random.default_rng(seed).permutation(len(data.y_train))[:cap]
        return Split(data.X_train[keep], data.y_train[keep], data.X_val, data.y_val), {}
    n_val = int(p.get("val_rows", round(p["val_share"] * len(y))))
    n_train = min(cap, round(s["train_share"] * len(y)), len(y) - n_val)
    if n_train < MIN_TRAIN_CLASS_ROWS * len(np.unique(y)):  # a fixed validation size on a small data set
        raise RecipeInfeasible(
            f"a validation set of {n_val} rows on a data set of {len(y)} leaves {max(n_train, 0)} training rows "
            f"(needs {MIN_TRAIN_CLASS_ROWS} of each class)"
        )
    if group is not None:
        strata = np.unique(np.char.add(group.astype(str), y.astype(str)), return_counts=True)[1]
        if strata.min() < MIN_STRATUM_ROWS:  # a class nearly absent from the noisy group
            raise RecipeInfeasible(f"a group's class has {strata.min()} rows (a stratified split needs 2)")
        return split_with_groups(X, y, group, train_size=n_train, val_size=n_val, seed=seed)
    unscaled = any(t["kind"] == "unscaled_validation" for t in p["transforms"])
    return split(X, y, train_size=n_train, val_size=n_val, seed=seed, scale=not unscaled), {}


def _relabelled(y_val: IntArray, rng: np.random.Generator) -> IntArray:
    """Validation labels encoded in order of first appearance, after shuffling the rows (never the identity)."""
    for _ in range(20):
        order = rng.permutation(len(y_val))
        relabelled = np.empty_like(y_val)
        relabelled[order] = relabel_by_first_appearance(y_val[order])
        if np.any(relabelled != y_val):
            return relabelled
    return (y_val + 1) % (int(y_val.max()) + 1)


def _transform(
    step: dict[str, Any], data: Split, extra: dict[str, Array], seed: int, rng: np.random.Generator
) -> tuple[Split, dict[str, Any]]:
    """Apply one transform; returns the split and the facts it adds (extra arrays go into ``extra``)."""
    kind = step["kind"]
    k = int(max(data.y_train.max(), data.y_val.max())) + 1
    if kind == "symmetric_flip":
        y_noisy, rows = flip_labels(data.y_train, step["rate"], k, rng)
        return Split(data.X_train, y_noisy, data.X_val, data.y_val), {"flipped": len(rows)}
    if kind == "class_conditional_flip":
        y_noisy, rows = class_conditional_flip(data.y_train, 0, 1, step["rate"], rng)
        return Split(data.X_train, y_noisy, data.X_val, data.y_val), {"flipped": len(rows)}
    if kind == "pseudo_labels":
        human = min(step["human_rows"], len(data.y_train) // 2)
        mixed, sources, facts = with_pseudo_labels(data, human, _labeller(step["labeller"]), seed)
        extra["sources_train"] = sources
        return mixed, facts
    if kind == "target_encoding":
        n_ids = max(20, round(step["ids_per_1000_rows"] * len(data.y_train) / 1000))
        return leak_target_encoding(data, n_ids, seed), {"leak": f"in-sample target encoding, {n_ids} ids"}
    if kind == "knn_stacking":
        return leak_knn_stacking(data, step["k"], step["weight"]), {"leak": f"in-sample {step['k']}-NN label mean"}
    if kind == "unscaled_validation":
        return unscaled_validation(data), {"bug": "validation not standardised"}
    if kind == "relabelled_validation":
        y_val = _relabelled(data.y_val, rng)
        return Split(data.X_train, data.y_train, data.X_val, y_val), {"bug": "validation labels encoded differently"}
    if kind == "unshuffled":
        return sorted_by_class(data), {"bug": "unshuffled"}
    if kind == "misaligned_validation":
        return misaligned_validation(data, step["shift"]), {"bug": f"validation labels shifted by {step['shift']}"}
    raise ValueError(f"unknown transform {kind!r}")


def _train_options(p: dict[str, Any]) -> dict[str, Any]:
    t = p["train"]
    options: dict[str, Any] = {
        "epochs": int(t["epochs"]),
        "hidden": tuple(t["hidden"]),
        "lr": float(t["lr"]),
        "alpha": float(t["alpha"]),
        "batch_size": int(t["batch_size"]),
        "solver": t["solver"],
        "order": "none" if any(s["kind"] == "unshuffled" for s in p["transforms"]) else t["order"],
        "metric": p["metric"],
        "trainer": trainer_for(p["model"]),
    }
    schedule = t.get("schedule")
    if schedule is not None:
        lr, after, divide = float(t["lr"]), int(schedule["after_epoch"]), float(schedule["divide_by"])
        options["lr_schedule"] = lambda epoch: lr if epoch < after else lr / divide
    return options


def _batch_size(drawn: int, n_train: int) -> int:
    """The drawn batch size, at most the rows of one out-of-fold training fold (4/5 of the rows)."""
    return min(drawn, max(1, (4 * n_train) // 5))


def _search(p: dict[str, Any], seed: int) -> ScenarioData:
    X, y = _features(p, seed)
    s = p["search"]
    grid = [{"alpha": a, "hidden": w, "lr": s["lr"]} for w in s["widths"] for a in s["alphas"]]
    n_train = min(600, int(0.65 * len(y)) - s["n_val"])
    return run_search(
        X,
        y,
        grid=grid,
        n_train=n_train,
        n_val=s["n_val"],
        epochs=s["epochs"],
        seed=seed,
        trainer=trainer_for(p["model"]),
    )


def build_scenario(p: dict[str, Any], seed: int) -> ScenarioData:
    """Build the run (or the search) a recipe describes.

    Parameters
    ----------
    p : dict
        A recipe from :func:`~gapdoctor.bench.corpus.draws.draw_params`.
    seed : int
        Seeds the data, the split, the fault and the training.

    Returns
    -------
    ScenarioData

    Raises
    ------
    RecipeInfeasible
        When a class has fewer than :data:`MIN_TRAIN_CLASS_ROWS` training rows.
    """
    if "search" in p:
        return _search(p, seed)
    rng = np.random.default_rng([seed, 7])
    options = _train_options(p)
    if p["split"]["kind"] == "small_validation":
        X, y = _features(p, seed)
        n_val = p["split"]["n_val"]
        n_train = min(p["split"]["n_train"], int(SMALL_VAL_REST * len(y)) - n_val - 1)
        options["batch_size"] = _batch_size(options["batch_size"], n_train)
        return small_validation_run(X, y, n_train=n_train, n_val=n_val, seed=seed, **options)
    X, y, group = _data(p, seed, rng)
    data, extra = _split(p, X, y, group, seed)
    options["batch_size"] = _batch_size(options["batch_size"], len(data.y_train))
    facts: dict[str, Any] = {}
    for step in p["transforms"]:
        data, added = _transform(step, data, extra, seed, rng)
        facts.update(added)
    counts = np.bincount(data.y_train, minlength=int(max(data.y_train.max(), data.y_val.max())) + 1)
    if counts.min() < MIN_TRAIN_CLASS_ROWS:  # after the transforms: a teacher may never predict a class
        raise RecipeInfeasible(f"a class has {counts.min()} training rows (needs {MIN_TRAIN_CLASS_ROWS})")
    return mlp_run(data, seed=seed, extra=extra, facts=facts, **options)
