"""Is a flat training loss sitting at the loss of a guess (a model that learned nothing)?

A classifier trained with cross-entropy whose outputs do not depend on its inputs predicts the
same probabilities for every row; on balanced classes its loss is then ``ln k`` for ``k`` classes
(0.693 for two); on classes in other shares, the shares' entropy (read when ``y_train`` is given).
A fresh model starts near ``ln k``, and a learning one leaves it downwards. A loss that reached that
level within its first evaluations and sat there to the end, never below, is not a run that
converged to its floor: it converged to chance. The stall check reads such a curve as a
stall, whatever the geometry of its last falls (:mod:`gapdoctor.causes.optimization.convergence`
would excuse it as converged).

The reading needs every part, so that a loss that merely ends near some ``ln k`` is not taken:

* the training loss over the last two thirds of the run sits within :data:`CHANCE_TOLERANCE` of
  ``ln k`` (its median; nine points in ten within twice that) for a whole ``k`` from 2 to
  :data:`MAX_CLASSES` (small ``k`` only: the logarithms of
  larger counts lie so close together that any level is near one, and a language model's
  token loss of 2.3 is not a uniform guess over ten tokens);
* it does not move across those two thirds (their first and last quarters' medians differ by less
  than the tolerance): a slow learner near its start still falls, a guess does not;
* no logged training loss is below ``ln k`` by more than that tolerance (it never did better), or,
  with the training rows' class shares known, below their entropy (an imbalanced task's guess
  sits there once the network's bias has learned the shares, and the level may then be either);
* the first logged value is at most :data:`START_ABOVE_CHANCE` times ``ln k`` (it started there,
  rather than learning its way down to a level that happens to equal ``ln k``);
* when a validation loss is logged, it does not end below the guess's validation loss by more than
  :data:`VAL_BELOW_CHANCE` (a model that learned something scores its validation rows better than a
  guess). A uniform guess scores them at ``ln k``; the shares' guess at the cross-entropy of the
  validation rows' shares (``y_val``) against the training rows' (7.5% positives against 9.25% is
  11% under the training level); without ``y_val``, at about the training level (class shares that
  differ a little move it about 0.5%: 0.46/0.54 against ``ln 2``).

Real log: ``tests/data/real_logs_heldout2/keras_aes_neural_trainer.csv`` (a binary Keras model,
loss 0.793 then 0.6933-0.6959 for 37 epochs, validation ROC AUC 0.4999-0.5005 throughout).

A model whose decisions never change tells it without the class count: :mod:`~gapdoctor.causes.optimization.frozen`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CHANCE_TOLERANCE",
    "FIX_LEARN_AT_ALL",
    "MAX_CLASSES",
    "START_ABOVE_CHANCE",
    "VAL_BELOW_CHANCE",
    "ChanceLevel",
    "chance_level",
    "quarter_medians",
]

CHANCE_TOLERANCE = 0.003
"""Relative distance from ``ln k`` within which a level counts as at it (0.002 of a binary loss's 0.693)."""
MAX_CLASSES = 10
"""Largest class count read: ``ln 10`` and ``ln 11`` are 0.095 apart, 14 tolerances."""
VAL_BELOW_CHANCE = 0.01
"""A validation loss ending more than 1% under ``ln k`` learned something (class shares alone move it about 0.5%)."""
START_ABOVE_CHANCE = 1.25
"""A first value above ``1.25 ln k`` is a run that came down to the level, not one that started at it."""
_MIN_POINTS = 6
FIX_LEARN_AT_ALL = (
    "Check that the model can learn at all: overfit one small batch; check that the labels reach the loss "
    "and the inputs are scaled; try learning rates 10x smaller and 10x larger."
)


@dataclass(frozen=True)
class ChanceLevel:
    """A training loss sitting at a guess's loss over ``classes`` classes: uniform (``ln k``), or the training
    rows' class shares (``from_shares``: their entropy)."""

    classes: int
    loss: float
    from_shares: bool = False

    def story(self) -> str:
        """The stall's cause, as the finding's summary tells it."""
        guess = (
            f"{self.loss:.3f}, the loss of predicting the training rows' class shares ({self.classes} classes) for "
            "every row"
            if self.from_shares
            else f"ln {self.classes} = {self.loss:.3f}, the loss of a uniform guess over {self.classes} classes"
        )
        return (
            f"the training loss sits at {guess}, from its first evaluations to the end: the model's outputs do not "
            "depend on its inputs"
        )

    fix = FIX_LEARN_AT_ALL


def quarter_medians(values: np.ndarray) -> tuple[float, float]:
    """The medians of the first and of the last quarter of ``values`` (one value each at least)."""
    quarter = max(len(values) // 4, 1)
    return float(np.median(values[:quarter])), float(np.median(values[-quarter:]))


def _val_guess(chance: float, k: int, shares: np.ndarray | None, val_shares: np.ndarray | None) -> float:
    """The validation loss of the guess the training loss sits at: the shares' guess scored on the validation
    rows' own shares when both are known (fewer positives there score it lower), else the training level."""
    if shares is None or val_shares is None or len(val_shares) != len(shares) or abs(chance - math.log(k)) < 1e-12:
        return chance
    q, p = np.asarray(val_shares, dtype=np.float64), np.asarray(shares, dtype=np.float64)
    if np.any((q > 0) & (p <= 0)):
        return chance
    return float(-np.sum(q[q > 0] * np.log(p[q > 0])))


def chance_level(
    train: np.ndarray,
    val: np.ndarray | None = None,
    shares: np.ndarray | None = None,
    val_shares: np.ndarray | None = None,
) -> ChanceLevel | None:
    """The guessing level a flat training loss sits at, or None.

    ``val_shares``: the validation rows' class shares (from ``y_val``), for the guess's validation loss.
    Without ``shares`` the level is a uniform guess's ``ln k``. With the training rows' class shares
    (known from ``y_train``; ``k`` is their count) it is also their entropy, the loss of predicting
    the shares for every row, which an imbalanced task's guess sits at once its bias has learned them
    (0.325 for 10% positives), and no training loss may be under that entropy: it is the lowest loss
    an input-free prediction reaches.

    Examples
    --------
    >>> dead = np.r_[0.79, 0.6997, 0.6959, np.full(30, 0.6934)]
    >>> chance_level(dead)
    ChanceLevel(classes=2, loss=0.6931471805599453, from_shares=False)
    >>> chance_level(np.r_[2.3, 1.2, np.full(30, 0.6934)]) is None  # came down from ln 10: it learned
    True
    >>> chance_level(np.r_[23158.7, 14533.6, np.full(30, 12000.0)]) is None  # a VAE's summed loss: no class count
    True
    >>> chance_level(dead, val=np.full(33, 0.41)) is None  # its validation loss is not a guess
    True
    >>> chance_level(np.r_[0.36, 0.3262, 0.3255, np.full(30, 0.3251)], shares=np.array([0.9, 0.1])).loss
    0.3250829733914482
    """
    x = np.asarray(train, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < _MIN_POINTS or float(np.min(x)) <= 0:
        return None
    tail = x[len(x) // 3 :]
    level = float(np.median(tail))
    if shares is None:
        if level > math.log(MAX_CLASSES + 1):  # no guess among MAX_CLASSES classes loses more (and exp overflows)
            return None
        k = round(math.exp(level))
        if not 2 <= k <= MAX_CLASSES:
            return None
        floor = math.log(k)
    else:
        p = np.asarray(shares, dtype=np.float64)
        k, p = len(p), p[p > 0]
        if len(p) < 2:
            return None
        floor = float(-np.sum(p * np.log(p)))  # the best input-free prediction: the shares themselves
    # the uniform guess, or (shares known) the shares: a dead network's bias may have learned them or not
    chance = min((floor, math.log(k)), key=lambda c: abs(level - c))
    off = np.abs(tail - chance) / chance
    if float(np.median(off)) > CHANCE_TOLERANCE or float(np.percentile(off, 90)) > 2 * CHANCE_TOLERANCE:
        return None
    first, last = quarter_medians(tail)
    if abs(first - last) > CHANCE_TOLERANCE * chance:
        return None  # still moving: a slow learner near its start, not a guess
    if float(np.min(x)) < floor * (1 - CHANCE_TOLERANCE) or float(x[0]) > START_ABOVE_CHANCE * math.log(k):
        return None
    if val is not None:
        v = np.asarray(val, dtype=np.float64)
        v = v[np.isfinite(v)]
        if len(v) and float(np.median(v[len(v) // 3 :])) < _val_guess(chance, k, shares, val_shares) * (
            1 - VAL_BELOW_CHANCE
        ):
            return None
    return ChanceLevel(classes=k, loss=chance, from_shares=abs(chance - math.log(k)) > CHANCE_TOLERANCE * chance)
