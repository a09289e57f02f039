"""Whether the validation loss moved over the second half, against its sampling noise.

Saturation needs gains the metric cannot show; when the validation loss is logged they are its
fall, and a rising validation loss is memorisation (overfitting's story), not gains hidden by a
ceiling. But a validation loss that ends within its own sampling band of where it stood at
mid-run neither fell nor rose: it is flat, and the gains the run still makes are the training
loss's, as when no validation loss is logged. The band is overfitting's: two evaluations on the
validation rows, 95% (:func:`~gapdoctor.causes.overfitting.score.within_sampling_noise`), with the
standard error of the validation log loss read on the final validation probabilities
(:func:`~gapdoctor.causes.overfitting.sampling.val_loss_sampling_se`).
"""

from __future__ import annotations

from gapdoctor.causes.overfitting.sampling import val_loss_sampling_se
from gapdoctor.causes.overfitting.score import within_sampling_noise
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import smooth
from gapdoctor.stats.array_types import FloatArray

__all__ = ["val_loss_flat"]


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
