"""The validation set's size read off a log, for a run diagnosed from its history alone.

:func:`~gapdoctor.causes.small_validation_set.check.small_validation_set_noise` needs the number of validation rows
(``val_size``, or ``y_val``); a log does not say it. A logged accuracy or error does show it: each value is a
whole number of rows over the set's size (:func:`~gapdoctor.stats.granularity.rows_behind_shares`). That count is
the size or a divisor of it, so it is not used as the size: the diagnosis says it, and how to pass it, and the
check stays skipped until the size is given (the Kaggle chest X-ray set's 16 validation images show as shares of
16 in every Keras history trained on it).
"""

from __future__ import annotations

from gapdoctor.causes.small_validation_set.check import CHECK_NAME
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory
from gapdoctor.stats.granularity import rows_behind_shares
from gapdoctor.stats.resampling import SHARE_OF_ROWS_METRICS

__all__ = ["val_size_note"]


def val_size_note(evidence: Evidence, history: RunHistory) -> tuple[str, ...]:
    """The note naming the row count behind the logged validation accuracy (or error), when the validation size
    is not known and that count can be read; ``()`` otherwise.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> shares = [9 / 16, 10 / 16, 11 / 16, 12 / 16, 12 / 16]
    >>> evidence = build_evidence(history={"train_loss": [0.9, 0.7, 0.5, 0.4, 0.3], "val_accuracy": shares})
    >>> print(val_size_note(evidence, evidence.history)[0][:100])
    small_validation_set.sampling_noise: needs val_size; every logged val_accuracy is a share of 16 rows
    >>> val_size_note(build_evidence(history=evidence.history, val_size=16), evidence.history)
    ()
    """
    if evidence.val_size is not None:
        return ()
    for metric in SHARE_OF_ROWS_METRICS:
        values = history.get(f"val_{metric}")
        rows = None if values is None else rows_behind_shares(values)
        if rows is not None:
            return (
                f"{CHECK_NAME}: needs val_size; every logged val_{metric} is a share of "
                f"{rows} rows: the validation set holds {rows} rows, or a multiple of {rows}. Pass val_size={rows} "
                f"(--val-size {rows}) if it holds {rows}, so the check can judge whether the set is large enough "
                "to show the run's progress",
            )
    return ()
