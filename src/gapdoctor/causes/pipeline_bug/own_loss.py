"""Which labels the run's own logged validation loss scored: the ones given, or a relabelling of them.

A model whose predictions need the same relabelling on both splits is either exported in another
class order than its labels (probability columns reordered after training: a bug) or has not learnt
the labels at all (an untrained model a few epochs in can sit below chance, anti-aligned with them).
The training loop tells the two apart: its logged validation loss was computed on the labels it
trained against. Scored against the labels as given, the exported probabilities reproduce that loss
when they are what the loop saw; in another class order they reproduce it only once relabelled.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.metrics import compute_metric

__all__ = ["loss_reads_labels_as_given"]


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
