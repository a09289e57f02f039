"""The two kinds of model gapdoctor fits: an estimator (fit / predict_proba) or a train function."""

from __future__ import annotations

from typing import Any

__all__ = ["is_train_function"]


def is_train_function(model: Any) -> bool:
    """True when ``model`` is a train function rather than an estimator (fit + predict_proba).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> is_train_function(LogisticRegression()), is_train_function(lambda X, y, *, config: None)
    (False, True)
    """
    return callable(model) and not (hasattr(model, "fit") and hasattr(model, "predict_proba"))
