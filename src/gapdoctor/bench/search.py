"""search_noise scenarios: real hyper-parameter searches ranked on a small validation set.

Every trial is an MLP trained epoch by epoch; its value is the final validation metric
on a split too small to separate the trials. A large holdout scores the same trials so
the report can show how the search's ranking compares with the truth.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from gapdoctor.bench._common import FloatArray, IntArray, load
from gapdoctor.bench.scenario import Scenario, ScenarioData
from gapdoctor.bench.training import Trainer, train_by_epoch

__all__ = ["SEARCH_SCENARIOS", "run_search"]


def run_search(
    X: FloatArray,
    y: IntArray,
    *,
    grid: list[dict[str, Any]],
    n_train: int,
    n_val: int,
    epochs: int,
    seed: int,
    metric: str = "accuracy",
    trainer: Trainer | None = None,
) -> ScenarioData:
    """Train every trial of ``grid`` (keys hidden, alpha, lr) and rank them on ``n_val`` validation rows.

    35% of the rows are held out and score the same trials (``facts["holdout_values"]``).
    ``trainer`` picks the model family (scikit-learn's MLP by default).
    """
    train = train_by_epoch if trainer is None else trainer.train
    X_rest, X_hold, y_rest, y_hold = train_test_split(X, y, test_size=0.35, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, train_size=n_train, test_size=n_val, stratify=y_rest, random_state=seed
    )
    mean, sd = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
    X_train, X_val, X_hold = (X_train - mean) / sd, (X_val - mean) / sd, (X_hold - mean) / sd
    trials: list[dict[str, Any]] = []
    holdout: list[float] = []
    for number, params in enumerate(grid):
        run = train(
            X_train,
            y_train,
            X_val,
            y_val,
            epochs=epochs,
            seed=seed + number,
            metric=metric,
            order="epoch",
            hidden=tuple(params["hidden"]),
            alpha=float(params["alpha"]),
            lr=float(params["lr"]),
            holdout=(X_hold, y_hold),
        )
        value = float(run.history[f"val_{metric}"][-1])
        trials.append({"params": dict(params), "value": value, "val_size": len(y_val), "history": run.history})
        holdout.append(round((run.holdout_metric or [np.nan])[-1], 4))
    best_by_val = int(np.argmax([t["value"] for t in trials]))
    facts = {
        "holdout_values": holdout,
        "holdout_rows": len(y_hold),
        "chosen_trial": best_by_val,
        "best_trial_on_holdout": int(np.argmax(holdout)),
        "val_values_range": round(max(t["value"] for t in trials) - min(t["value"] for t in trials), 4),
    }
    return ScenarioData(history={}, arrays={}, metric=metric, trials=trials, facts=facts)


def _grid(alphas: list[float], hiddens: list[list[int]], lr: float) -> list[dict[str, Any]]:
    return [{"alpha": a, "hidden": h, "lr": lr} for h in hiddens for a in alphas]


def _search_cancer_alpha(seed: int) -> ScenarioData:
    X, y = load("breast_cancer")
    grid = _grid([1e-5, 1e-3, 1e-1, 1.0], [[16], [128]], 1e-3)
    return run_search(X, y, grid=grid, n_train=300, n_val=30, epochs=40, seed=seed)


def _search_digits_width(seed: int) -> ScenarioData:
    X, y = load("digits")
    grid = _grid([1e-4, 1e-2], [[16], [32], [64], [256]], 2e-3)
    return run_search(X, y, grid=grid, n_train=700, n_val=40, epochs=30, seed=seed)


def _search_wine(seed: int) -> ScenarioData:
    X, y = load("wine")
    grid = _grid([1e-4, 1e-1, 1.0], [[8], [64]], 3e-3)
    return run_search(X, y, grid=grid, n_train=90, n_val=20, epochs=40, seed=seed)


SEARCH_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "search_noise/breast-cancer-alpha-30-rows",
        "search_noise",
        "Breast cancer: 8 MLP trials (L2 x width) ranked on 30 validation rows.",
        _search_cancer_alpha,
        fast=True,
    ),
    Scenario(
        "search_noise/digits-width-40-rows",
        "search_noise",
        "Digits: 8 MLP trials (width x L2) ranked on 40 validation rows.",
        _search_digits_width,
    ),
    Scenario(
        "search_noise/wine-20-rows",
        "search_noise",
        "Wine: 6 MLP trials (L2 x width) ranked on 20 validation rows.",
        _search_wine,
    ),
)
