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
