"""What correcting the validation labels gains: the metric under the corrected mapping, or re-paired with their rows."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.pipeline_bug.offsets import LabelOffset
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.metrics import METRICS, compute_metric
from gapdoctor.stats.resampling import metric_replicates, percentile_interval

__all__ = ["corrected_mapping_gain", "realigned_gain"]


def corrected_mapping_gain(result: LabelEncoding, evidence: Evidence) -> Gain | None:
    """The validation metric under the best relabelling (``after_fix``) against as given (``now``).

    ``evidence`` holds the validation rows the check judged. The metric is the run's own
    when it can be computed from labels and probabilities, else accuracy (the figure the
    payload measures). For accuracy the figures are the payload's, with the exact
    (Clopper-Pearson) 95% interval of the accuracy under the mapping; for another metric,
    its value on the relabelled rows with a bootstrap 95% interval
    (:func:`~gapdoctor.stats.resampling.metric_replicates`). None without validation rows,
    or when relabelling does not improve the metric.
    """
    y, probs = evidence.y_val, evidence.val_probs
    if y is None or probs is None or len(y) == 0:
        return None
    known = METRICS.get(evidence.metric)
    metric = evidence.metric if known is not None and known.scorer is not None else "accuracy"
    if metric == "accuracy":
        after_fix = result.val_accuracy_best_mapping
        low, high = binomial_interval(round(after_fix * len(y)), len(y))
        return make_gain(metric, now=result.val_accuracy_as_given, after_fix=after_fix, low=low, high=high)
    classes = result.mapping["classes"]
    true_of = np.array([classes.index(name) for name in result.mapping["val_label_to_true"]], dtype=np.int64)
    corrected = true_of[y]
    now, after_fix = compute_metric(metric, y, probs), compute_metric(metric, corrected, probs)
    better = after_fix > now if METRICS[metric].greater_is_better else after_fix < now
    if not better:
        return None
    replicates = metric_replicates(metric, corrected, probs)
    low, high = percentile_interval(replicates[np.isfinite(replicates)])
    return make_gain(metric, now=now, after_fix=after_fix, low=low, high=high)


def realigned_gain(offset: LabelOffset) -> Gain | None:
    """Validation accuracy with each label paired back with its own row (``after_fix``) against as given (``now``).

    ``offset`` is read on the model's own validation predictions
    (:func:`~gapdoctor.causes.pipeline_bug.offsets.prediction_offset`), so its accuracies are the model's,
    on the rows both pairings read, with the exact (Clopper-Pearson) 95% interval of the accuracy after
    the fix. Accuracy whatever the run's metric: the figure the offset test measures.

    Examples
    --------
    >>> from gapdoctor.causes.pipeline_bug.offsets import LabelOffset
    >>> gain = realigned_gain(LabelOffset(-5, 0.745, 0.541, 1e-9, 455))
    >>> gain["now"], gain["after_fix"], gain["interval"][0] < 0.745 < gain["interval"][1]
    (0.541, 0.745, True)
    """
    low, high = binomial_interval(round(offset.accuracy * offset.rows), offset.rows)
    return make_gain("accuracy", now=offset.aligned_accuracy, after_fix=offset.accuracy, low=low, high=high)
