"""Whether the validation loss moved over the second half, against its sampling noise.

Saturation needs gains the metric cannot show; when the validation loss is logged they are its
fall, and a rising validation loss is memorisation (overfitting's story), not gains hidden by a
ceiling. But a validation loss that ends within its own sampling band of where it stood at
mid-run neither fell nor rose: it is flat, and the gains the run still makes are the training
loss's, as when no validation loss is logged. The band is overfitting's: two evaluations on the
validation rows, 95% (:func:`~gapdoctor.causes.overfitting.score.within_sampling_noise`), with the
standard error of the validation log loss read on the final validation probabilities
(:func:`~gapdoctor.causes.overfitting.sampling.val_loss_sampling_se`).

Validation rows that look like label errors make the validation loss rise as the model grows sure
of their right class, without any memorisation: a rise they explain is no evidence against a
ceiling. They explain it only when the other rows carry none of it (:func:`others_rose`): the
suspects' share of the final validation log loss is taken out of the final logged loss, all of it
(they weighed at mid-run too, so this favours them), and what is left must not stand above the
mid-run loss beyond the same band, its standard error read on the other rows alone.
"""

from __future__ import annotations

import math

from gapdoctor.causes.metric_saturation.suspects import suspect_rows
from gapdoctor.causes.overfitting.sampling import row_log_losses, val_loss_sampling_se
from gapdoctor.causes.overfitting.score import within_sampling_noise
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import smooth
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample

__all__ = ["others_rose", "val_loss_flat"]


def val_loss_flat(val_loss: FloatArray, evidence: Evidence) -> bool:
    """True when the smoothed validation loss's second-half change is inside its 95% sampling band.

    False when the band is unknown (no validation labels and probabilities): the change is then
    read as measured.

    Examples
    --------
    >>> import numpy as np
    >>> from gapdoctor.inputs.evidence import Evidence
    >>> y = np.array([0, 1] * 50); right = np.linspace(0.6, 0.99, 100)
    >>> p = np.where(y[:, None] == np.arange(2), right[:, None], 1 - right[:, None])
    >>> ev = Evidence(y_val=y, val_probs=p, val_size=100)
    >>> loss = np.array([0.20, 0.18, 0.17, 0.17, 0.172, 0.175, 0.177, 0.18])
    >>> val_loss_flat(loss, ev), val_loss_flat(loss + np.linspace(0, 0.3, 8), ev), val_loss_flat(loss, Evidence())
    (True, False, False)
    """
    se = val_loss_sampling_se(evidence)
    if se is None or se <= 0 or len(val_loss) < 4:
        return False
    smoothed = smooth(val_loss)
    return within_sampling_noise(abs(float(smoothed[-1] - smoothed[len(smoothed) // 2])), se)


def others_rose(val_loss: FloatArray | None, evidence: Evidence) -> bool:
    """True when the validation rows that do not look like label errors carry a rise of the validation loss.

    False without the validation loss (4 points or more), labels and probabilities, or without
    two other rows: the suspects are then not contradicted.

    Examples
    --------
    >>> import numpy as np
    >>> from gapdoctor.inputs.evidence import Evidence
    >>> y = np.array([0, 1] * 50); right = np.full(100, 0.99); right[0] = 1e-4  # one suspect, 99% sure of the rest
    >>> p = np.where(y[:, None] == np.arange(2), right[:, None], 1 - right[:, None])
    >>> ev = Evidence(y_val=y, val_probs=p, val_size=100)
    >>> end = float(-np.log(right).mean())  # 0.10: the suspect's 9.2 over 100 rows, the rest's 0.01 each
    >>> others_rose(np.array([0.02] * 6 + [end] * 2), ev)  # the suspect's rise: the rest end at 0.01
    False
    >>> others_rose(np.array([0.002] * 6 + [end] * 2), ev)  # the rest rose from 0.002 to 0.01
    True
    """
    sample = validation_sample(evidence, VALIDATION_PASS_ROWS)
    y, probs, n = sample.y_val, sample.val_probs, evidence.val_size
    if val_loss is None or len(val_loss) < 4 or y is None or probs is None or n is None:
        return False
    others = ~suspect_rows(y, probs)
    losses = row_log_losses(y, probs)
    if others.sum() < 2 or losses.sum() <= 0:
        return False
    smoothed = smooth(val_loss)
    end, mid = float(smoothed[-1]), float(smoothed[len(smoothed) // 2])
    to_logged = end / float(losses.mean())  # the logged loss's units per unit of log loss on the final probabilities
    others_end = end * float(losses[others].sum() / losses.sum())
    se = float(losses[others].std(ddof=1)) * to_logged / math.sqrt(n)
    return others_end > mid and not within_sampling_noise(others_end - mid, se)
