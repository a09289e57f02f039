"""label_noise: the validation control on a small validation split (its floor carries the split's uncertainty)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

import gapdoctor

SEEDS = (0, 1, 2, 3)


def _label_noise_score(seed: int, rate: float, n_val: int = 24) -> float:
    """A logistic model on 600 training rows (``rate`` of binary labels flipped), ``n_val`` clean validation rows."""
    X, y = make_classification(n_samples=600 + n_val, n_features=20, n_informative=6, class_sep=1.5, random_state=seed)
    X_train, y_train, X_val, y_val = X[:600], y[:600].copy(), X[600:], y[600:]
    flip = np.random.default_rng(seed).random(600) < rate
    y_train[flip] = 1 - y_train[flip]
    model = LogisticRegression(max_iter=500)
    with threadpool_limits(limits=1):
        train_probs = cross_val_predict(model, X_train, y_train, cv=5, method="predict_proba")
        val_probs = model.fit(X_train, y_train).predict_proba(X_val)
    d = gapdoctor.diagnose(y_train=y_train, train_probs=train_probs, y_val=y_val, val_probs=val_probs)
    return max((f.score for f in d.findings if f.cause == "label_noise"), default=0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_labels_with_24_validation_rows_raise_no_alarm(seed: int) -> None:
    # Under 30 validation rows the control used to be dropped for a fixed 2% floor: the model's own
    # confident errors on overlapping classes (7-13% here) read as label noise (0.65 and 0.79 on
    # seeds 0 and 2). The control now stands with its small-sample uncertainty.
    assert _label_noise_score(seed, 0.0) < 0.5


def test_flipped_labels_with_24_validation_rows_are_still_reported() -> None:
    # 30% flipped labels clear even the wide floor a 24-row control gives, on most seeds: the price
    # of that honesty is power (seed 0 measured 0.496 against 0.918 with the fixed floor).
    reported = [_label_noise_score(seed, 0.3) >= 0.5 for seed in SEEDS]
    assert sum(reported) >= 3


def _torch_mlp_on_12_validation_rows(seed: int) -> gapdoctor.Finding:
    """A torch MLP (SGD, weight decay) at 67-80% out-of-fold accuracy on 5 overlapping classes, 12 validation rows."""
    from gapdoctor.bench.corpus.torch_mlp import torch_out_of_fold_probs, torch_train_by_epoch

    X, y = make_classification(
        n_samples=526, n_features=20, n_informative=6, n_classes=5, class_sep=1.442, random_state=seed
    )
    X = (X - X[:514].mean(axis=0)) / X[:514].std(axis=0)
    X_train, y_train, X_val, y_val = X[:514], y[:514], X[514:], y[514:]
    options = {"epochs": 76, "hidden": (32,), "lr": 0.005, "alpha": 0.01, "batch_size": 64, "solver": "sgd"}
    train_probs = torch_out_of_fold_probs(X_train, y_train, **options, order="epoch", seed=seed)
    val_probs = torch_train_by_epoch(X_train, y_train, X_val, y_val, **options, order="epoch", seed=seed).val_probs
    d = gapdoctor.diagnose(y_train=y_train, train_probs=train_probs, y_val=y_val, val_probs=val_probs)
    return next(f for f in d.findings if f.check == "label_noise.confident_learning")


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_clean_labels_within_the_models_doubt_need_more_than_12_validation_rows(seed: int) -> None:
    # The corpus's seed-308 recipe: on seed 2 the models flag 22.5% of clean labels (interval from
    # 18.1%), within their own doubt (29.4%), and the 12 validation rows show no flag: the floor
    # taken from the control's sampling noise alone (16.6%) reported label noise (0.52 on main).
    # Within that doubt the estimate must clear everything the control allows (0/12: up to 26.5%).
    pytest.importorskip("torch")
    finding = _torch_mlp_on_12_validation_rows(seed)
    assert finding.score < 0.5, finding.summary
