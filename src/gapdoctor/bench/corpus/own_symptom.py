"""Each injected cause's own symptom, verified on the built run before the draw is accepted.

The run-level check (:func:`gapdoctor.bench.scenario.check_symptom`) verifies the symptom every
faulty corpus run shares: the training loss falls while the validation metric is stuck. It does
not verify that the injected cause is *why*: a metric-mismatch draw (a rare positive class scored
by F1, minority classes scored by balanced accuracy) can train a model so well separated that the
default decision rule is already the best one, and then nothing about the run is a mismatch. Such
a draw is labelled with a cause its data do not have, and it judges the doctor on a wrong answer.

So a cause with a rule below must also show its own symptom, read by the generator on the run's
arrays with an optimistic bound (what a fix could gain at most), never with a check's statistic:

=================  ==================================================================================
cause              its own symptom
=================  ==================================================================================
metric_mismatch    the best decision rule chosen on the validation rows themselves beats the default
                   rule by at least :data:`MISMATCH_GAIN` on the run's metric (binary: the threshold
                   on the positive class's probability; more classes: prior correction,
                   ``argmax(p / prior**alpha)``, ``alpha`` in [0, 1], the training prior). Chosen on
                   the rows it is scored on, the gain is an upper bound: below the bound no rule
                   could help, so the metric and the loss do not disagree.
=================  ==================================================================================

The rule was written before any score of a redrawn scenario was read. The other causes are
verified by construction (flipped rows, a shifted split, a leaked feature...) or by the run-level
check alone.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from gapdoctor.bench.scenario import ScenarioData, Symptom
from gapdoctor.stats.metrics import compute_metric

__all__ = ["MISMATCH_GAIN", "OWN_SYMPTOM_RULES", "check_own_symptoms", "mismatch_bound"]

MISMATCH_GAIN = 0.02
"""A mismatch must be worth at least 2 points of the metric at its optimistic bound: twice the 0.01
a run may gain over its last half and still count as stuck (the run-level check), since a bound
chosen on the rows it scores is optimistic by about that much on sets of a few hundred rows."""

OWN_SYMPTOM_RULES = {
    "metric_mismatch": f"the best decision rule chosen on the validation rows gains >= {MISMATCH_GAIN} "
    "over the default (bench.corpus.own_symptom.mismatch_bound)",
}
"""The causes whose own symptom a draw must show, with the rule (see the module docstring)."""

_ALPHAS = np.linspace(0.0, 1.0, 21)


def _metric_of(metric: str, y: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any], k: int) -> float:
    """``metric`` of hard decisions, read by the project's scorer on their one-hot probabilities."""
    return compute_metric(metric, y, np.eye(k)[predicted])


def mismatch_bound(data: ScenarioData) -> dict[str, float]:
    """The metric under the default decision rule and under the best rule chosen on the validation rows.

    Parameters
    ----------
    data : ScenarioData
        A built run with ``y_train``, ``y_val`` and ``val_probs`` arrays, scored by ``f1`` (binary)
        or ``balanced_accuracy``.

    Returns
    -------
    dict
        ``default``, ``best`` and ``gain`` (best - default), rounded to 4 places.

    Examples
    --------
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> p1 = np.array([0.1] * 7 + [0.3, 0.35, 0.4])
    >>> arrays = {"y_train": y, "y_val": y, "val_probs": np.column_stack([1 - p1, p1])}
    >>> mismatch_bound(ScenarioData(history={}, arrays=arrays, metric="f1"))
    {'default': 0.0, 'best': 1.0, 'gain': 1.0}
    """
    y_val = np.asarray(data.arrays["y_val"]).astype(int)
    probs = np.asarray(data.arrays["val_probs"], dtype=float)
    k = probs.shape[1]
    if data.metric == "f1" and k == 2:
        positive = probs[:, 1]
        default = _metric_of("f1", y_val, (positive >= 0.5).astype(int), k)
        best = max(_metric_of("f1", y_val, (positive >= t).astype(int), k) for t in np.unique(np.append(positive, 0.5)))
    else:
        prior = np.bincount(np.asarray(data.arrays["y_train"]).astype(int), minlength=k) / len(data.arrays["y_train"])
        prior = np.maximum(prior, 1e-12)
        scores = [
            _metric_of("balanced_accuracy", y_val, np.argmax(probs / prior**alpha, axis=1), k) for alpha in _ALPHAS
        ]
        default, best = scores[0], max(scores)
    return {"default": round(default, 4), "best": round(best, 4), "gain": round(best - default, 4)}


def check_own_symptoms(causes: Collection[str], data: ScenarioData) -> Symptom:
    """Whether a built run shows the own symptom of each injected cause that has a rule.

    Parameters
    ----------
    causes : collection of str
        The injected causes.
    data : ScenarioData
        The built run.

    Returns
    -------
    Symptom
        Valid when every rule of :data:`OWN_SYMPTOM_RULES` for an injected cause holds (or none
        applies); ``figures`` carries what each rule read.
    """
    if "metric_mismatch" not in causes or data.trials:
        return Symptom(True, "ok", {})
    bound = mismatch_bound(data)
    figures = {f"mismatch_{key}": value for key, value in bound.items()}
    if bound["gain"] < MISMATCH_GAIN:
        reason = (
            f"no metric mismatch: the best decision rule chosen on the validation rows gains {bound['gain']:+.4f} "
            f"over the default ({bound['default']:.4f}), under {MISMATCH_GAIN}"
        )
        return Symptom(False, reason, figures)
    return Symptom(True, "ok", figures)
