"""A regression whose validation R² never rose above 0: no better than predicting the targets' mean.

R² compares a model's squared error with that of the constant that predicts the targets' mean: 0 is that
constant, below 0 worse. A model that learns anything of the inputs passes 0 within its first evaluations;
one still at or below 0 at every one of :data:`BELOW_MEAN_MIN_POINTS` or more evaluations has learnt nothing
its targets' mean does not give, however its loss moved while its bias found that mean (the regression twin of
a classifier's loss at a guess's, :mod:`~gapdoctor.causes.optimization.chance`). Read from a logged validation
R² only: a loss alone does not say where the mean's error lies.

Real log: a Lightning stock-return regression (``tests/data/real_logs_heldout41/pl_stock_predict_v24.csv``:
validation R² from -0.028 to -0.018 over 30 evaluations, its validation loss falling 3%), read as healthy before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.optimization.score import BELOW_MEAN_MIN_POINTS
from gapdoctor.inputs.history import RunHistory

__all__ = ["BelowMean", "below_mean"]


@dataclass(frozen=True)
class BelowMean:
    """A validation R² at or below 0 at every evaluation."""

    best: float
    evaluations: int

    def story(self) -> str:
        """The stall's cause, as the finding's summary tells it."""
        return (
            f"the validation R² never rose above 0 in {self.evaluations} evaluations (best {self.best:.3g}): the "
            "model predicts the validation targets no better than their mean"
        )

    fix = (
        "Check that the targets can be predicted from these inputs at all (fit a linear model or gradient-boosted "
        "trees on the same split), that inputs and targets are scaled and the rows aligned; then raise the "
        "learning rate or train longer."
    )


def below_mean(history: RunHistory) -> BelowMean | None:
    """The validation R² at every evaluation at or below 0, when logged at enough of them (None otherwise).

    Examples
    --------
    >>> from gapdoctor.inputs.history import RunHistory
    >>> r2 = [-0.03, -0.027, -0.025, -0.022, -0.02, -0.018]
    >>> below_mean(RunHistory.from_any({"train_loss": [1.2] * 6, "val_r2": r2}))
    BelowMean(best=-0.018, evaluations=6)
    >>> below_mean(RunHistory.from_any({"train_loss": [1.2] * 6, "val_r2": r2[:-1] + [0.02]})) is None
    True
    """
    values = history.get("val_r2")
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    if len(finite) < BELOW_MEAN_MIN_POINTS or float(finite.max()) > 0:
        return None
    return BelowMean(best=round(float(finite.max()), 4), evaluations=len(finite))
