"""Which labels the run's own logged validation loss scored: the ones given, or a relabelling of them.

A model whose predictions need the same relabelling on both splits is either exported in another
class order than its labels (probability columns reordered after training: a bug) or has not learnt
the labels at all (an untrained model a few epochs in can sit below chance, anti-aligned with them).
The training loop tells the two apart: its logged validation loss was computed on the labels it
trained against. Scored against the labels as given, the exported probabilities reproduce that loss
when they are what the loop saw; in another class order they reproduce it only once relabelled.

The same loss also tells a validation split encoded differently from a model still learning it:
when it was scored on the labels as given and falls to its lowest at the end of the run, the model is
moving towards those very labels (:func:`loss_falls_to_its_end`). Labels encoded differently
from the training ones do the opposite wherever the relabelling moves every class (every binary
case): as the model learns the training encoding, its loss on each validation row's given label
grows (on the corpus, all 63 relabelled-validation runs the check reported end with a validation loss
1.2-14x its first value; the two healthy runs it read as relabelled, a logistic regression 11 epochs
in at 16% accuracy and one at 24%, end at their lowest loss).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.curves import noise_sd, smooth
from gapdoctor.stats.metrics import compute_metric

__all__ = ["FALL_NOISE_SDS", "loss_falls_to_its_end", "loss_reads_labels_as_given"]

FALL_NOISE_SDS = 2.0
"""The logged validation loss must fall by this many of its epoch-to-epoch noise SDs (smoothed, first epoch to
last) and end within one of its lowest: a fall beyond the wobble, still going at the end."""
_MIN_EPOCHS = 3


def loss_reads_labels_as_given(evidence: Evidence, relabel: np.ndarray) -> bool | None:
    """True when the last logged validation loss is nearer the exported probabilities' log loss on the labels as
    given than on the labels relabelled by ``relabel`` (class index -> class index); None without a logged loss.

    Examples
    --------
    >>> from gapdoctor.inputs.history import RunHistory
    >>> y = np.array([0, 1] * 50)
    >>> p = np.where(np.c_[y == 1, y == 0], 0.8, 0.2)  # each row's label gets 0.2: below chance
    >>> history = RunHistory.from_any({"val_loss": [1.7, 1.61]})  # the loop scored these very labels
    >>> loss_reads_labels_as_given(Evidence(y_val=y, val_probs=p, history=history), np.array([1, 0]))
    True
    """
    history, y, probs = evidence.history, evidence.y_val, evidence.val_probs
    logged = None if history is None else history.get("val_loss")
    if logged is None or y is None or probs is None or not np.isfinite(logged).any():
        return None
    last = float(logged[np.isfinite(logged)][-1])
    as_given = compute_metric("log_loss", y, probs)
    relabelled = compute_metric("log_loss", np.asarray(relabel)[y], probs)
    return bool(abs(as_given - last) <= abs(relabelled - last))


def loss_falls_to_its_end(evidence: Evidence) -> bool:
    """True when the logged validation loss, smoothed, falls by :data:`FALL_NOISE_SDS` noise SDs over the run
    to its lowest at the end: scored on the labels as given (:func:`loss_reads_labels_as_given`) and with a
    relabelling that moves every class (a partial permutation leaves the other classes' loss free to fall),
    the model is still learning those labels, so they are not encoded otherwise.

    Examples
    --------
    >>> from gapdoctor.inputs.history import RunHistory
    >>> falling = RunHistory.from_any({"val_loss": [1.9, 1.8, 1.75, 1.7, 1.65, 1.61]})
    >>> loss_falls_to_its_end(Evidence(history=falling))
    True
    >>> rising = RunHistory.from_any({"val_loss": [0.7, 0.9, 1.1, 1.3, 1.5, 1.61]})
    >>> loss_falls_to_its_end(Evidence(history=rising))
    False
    """
    logged = None if evidence.history is None else evidence.history.get("val_loss")
    if logged is None:
        return False
    logged = logged[np.isfinite(logged)]
    if len(logged) < _MIN_EPOCHS:
        return False
    curve, noise = smooth(logged), noise_sd(logged)
    return bool(curve[0] - curve[-1] > FALL_NOISE_SDS * noise and curve[-1] <= curve.min() + noise)
