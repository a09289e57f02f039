"""What re-encoding the validation labels gains: the accuracy under the corrected mapping."""

from __future__ import annotations

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.stats.accumulators import binomial_interval

__all__ = ["corrected_mapping_gain"]


def corrected_mapping_gain(result: LabelEncoding, *, n_val: int) -> Gain | None:
    """Validation accuracy under the best relabelling (``after_fix``) against as given (``now``).

    The interval is the exact (Clopper-Pearson) 95% interval of that accuracy over the
    ``n_val`` validation rows judged. It is in accuracy, the figure the payload measures,
    whatever metric the run reports: the other findings' gains name their own metric.
    None without rows.
    """
    if n_val <= 0:
        return None
    after_fix = result.val_accuracy_best_mapping
    low, high = binomial_interval(round(after_fix * n_val), n_val)
    return make_gain("accuracy", now=result.val_accuracy_as_given, after_fix=after_fix, low=low, high=high)
