"""Helpers shared by the checks that read training curves."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gapdoctor.checks import SkipCheck
from gapdoctor.evidence import Evidence
from gapdoctor.history import MIN_EPOCHS_FOR_TRENDS, RunHistory
from gapdoctor.metrics import METRICS

FloatArray = NDArray[np.float64]


def history_of(evidence: Evidence, *, min_epochs: int = MIN_EPOCHS_FOR_TRENDS) -> RunHistory:
    """The run history, or SkipCheck when it is absent or too short for trends."""
    history = evidence.history
    if history is None:
        raise SkipCheck("no history given")
    if history.n_epochs < min_epochs:
        raise SkipCheck(
            f"only {history.n_epochs} epoch(s) recorded: at least {min_epochs} are needed "
            "to tell a trend in the curves from epoch-to-epoch noise"
        )
    return history


def val_metric_curve(evidence: Evidence, history: RunHistory) -> tuple[str, FloatArray] | None:
    """The validation metric curve: the user's metric if logged, else the first logged one."""
    names = history.metrics
    if not names:
        return None
    name = evidence.metric if evidence.metric in names else names[0]
    values = history.get(f"val_{name}")
    assert values is not None  # names only lists series with finite values
    return name, values


def oriented(name: str, values: FloatArray) -> FloatArray:
    """Flip lower-is-better metrics so that higher is always better."""
    return values if METRICS[name].greater_is_better else -values


def epoch(index: int) -> int:
    """Epochs are reported to users counted from 1."""
    return int(index) + 1
