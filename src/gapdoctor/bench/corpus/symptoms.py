"""What a corpus scenario really shows: its observed symptoms, by rules fixed before any score was read.

A finding of a *symptom-level* cause (one some root cause's spec ``explains``) can be right in a
scenario that did not inject it: a label-noise run that memorises its flipped labels really
overfits, and a pseudo-labelled training set really has wrong labels. Counted wrong, such
findings teach the scoring-policy fit that the check's strength does not separate right from
wrong. So the corpus credits a finding whose symptom the scenario's **own data** show, by the
rules below: each reads the scenario's curves, arrays and build facts, never what a check
measured, and was written down before the corpus's scores were looked at.

=====================  ===================================================================
symptom                observed when
=====================  ===================================================================
overfitting            the validation loss, smoothed over :func:`window` epochs, ends at
                       least :data:`OVERFIT_VAL_RISE` above its minimum, and the smoothed
                       training loss fell at least :data:`OVERFIT_TRAIN_FALL` from that
                       minimum's epoch to the end (validation loss rises while training
                       loss falls).
metric_saturation      the validation metric at the end (smoothed) is within
                       :data:`SATURATION_MARGIN` of its ceiling (1 for every bounded
                       metric the corpus uses).
small_validation_set   one validation row moves the metric by at least
                       :data:`SMALL_VAL_ROW_STEP` (:func:`row_step`: accuracy 1/n_val;
                       balanced accuracy 1/(k x smallest class); binary F1 1/positives;
                       ROC AUC 1/smaller class; a search 1/its trials' validation rows).
label_noise            training labels known to be wrong (the build's facts: flipped rows,
                       pseudo-label error rate x pseudo-labelled rows) are at least
                       :data:`LABEL_NOISE_SHARE` of the training rows.
optimization           the smoothed (3 epochs) training loss climbs at least
                       :data:`OPTIMIZATION_RISE` above its running minimum at some later
                       epoch (a divergence or a spike, not a slow fall).
=====================  ===================================================================

``subgroup_failure`` has no rule: a sub-population the model fails cannot be told from the
data without the injected group (the minority class of an imbalanced task is not one), so its
findings are right only where it was injected; so are the root causes' (``metric_mismatch``,
``distribution_shift``, ``preprocessing_leakage``, ``pipeline_bug``, ``pseudo_label_noise``,
``search_noise``).

**Healthy draws.** A healthy run improves by construction; a symptom there counts only when it
is plainly visible: every threshold above is multiplied by :data:`HEALTHY_STRICTNESS` (a rise
of 20%, a row step of 0.04, a climb of 50%) and the saturation margin divided by it (0.015).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from gapdoctor.bench.scenario import ScenarioData

__all__ = [
    "HEALTHY_STRICTNESS",
    "LABEL_NOISE_SHARE",
    "OBSERVABLE",
    "OPTIMIZATION_RISE",
    "OVERFIT_TRAIN_FALL",
    "OVERFIT_VAL_RISE",
    "SATURATION_MARGIN",
    "SMALL_VAL_ROW_STEP",
    "finding_truth",
    "observe_symptoms",
    "pseudo_label_errors",
    "row_step",
    "saturation_symptom",
    "smooth_curve",
    "train_loss_climb",
    "window",
]

OVERFIT_VAL_RISE = 0.10
"""Overfitting: the smoothed validation loss ends >= 10% above its minimum (a rise larger than the
epoch-to-epoch wobble of a smoothed curve)."""
OVERFIT_TRAIN_FALL = 0.10
"""... while the smoothed training loss fell >= 10% over the same epochs (the model kept fitting)."""
SATURATION_MARGIN = 0.03
"""Saturation: the metric ends within 0.03 of its ceiling (3 rows in 100 left to win)."""
SMALL_VAL_ROW_STEP = 0.02
"""Small validation set: one row moves the metric by >= 2 points (at most 50 rows that count), more
than the gains a stuck run waits for."""
LABEL_NOISE_SHARE = 0.10
"""Label noise: >= 10% of training labels known to be wrong (the corpus injects 11-39%)."""
OPTIMIZATION_RISE = 0.25
"""Optimisation trouble: the training loss climbs >= 25% above its running minimum (SGD noise on a
3-epoch average stays well below)."""
HEALTHY_STRICTNESS = 2.0
"""In a healthy draw a symptom must be twice as plain (see the module docstring)."""
SMOOTH_MIN, SMOOTH_SHARE = 3, 0.1
"""Curves are smoothed over max(3 epochs, a tenth of the run) before a rise is read."""

OBSERVABLE = ("overfitting", "metric_saturation", "small_validation_set", "label_noise", "optimization")
"""The causes whose symptom a scenario's data can show (the others: right only where injected)."""


def window(epochs: int) -> int:
    """The smoothing window of a run of ``epochs`` epochs.

    Examples
    --------
    >>> window(20), window(120)
    (3, 12)
    """
    return max(SMOOTH_MIN, int(epochs * SMOOTH_SHARE))


def smooth_curve(values: list[float], width: int) -> np.ndarray[Any, Any]:
    """A moving average of ``width`` points (only where the window fits: ``len(values) - width + 1`` values)."""
    array = np.asarray(values, dtype=float)
    width = min(width, len(array))
    return np.convolve(array, np.ones(width) / width, mode="valid")


def row_step(metric: str, y_val: np.ndarray[Any, Any]) -> float:
    """How far one validation row moves ``metric`` on labels ``y_val`` (see the module docstring).

    Examples
    --------
    >>> row_step("accuracy", np.zeros(40)), row_step("f1", np.array([0] * 90 + [1] * 10))
    (0.025, 0.1)
    """
    classes, counts = np.unique(np.asarray(y_val), return_counts=True)
    smallest = int(counts.min()) if len(counts) else 1
    if metric == "balanced_accuracy":
        return 1.0 / (len(classes) * smallest)
    if metric in ("f1", "precision", "recall") and len(classes) <= 2:
        return 1.0 / max(int(np.sum(np.asarray(y_val) == 1)), 1)
    if metric in ("roc_auc", "average_precision"):
        return 1.0 / smallest
    if metric.startswith("f1"):
        return 1.0 / (len(classes) * smallest)
    return 1.0 / max(len(y_val), 1)


def _overfitting(history: Mapping[str, list[float]], strict: float) -> dict[str, Any]:
    train, val = history.get("train_loss") or [], history.get("val_loss") or []
    if len(val) < 2 * SMOOTH_MIN or len(train) != len(val):
        return {"observed": False, "why": "no training and validation loss curves"}
    width = window(len(val))
    val_s, train_s = smooth_curve(val, width), smooth_curve(train, width)
    turn = int(np.argmin(val_s))
    rise = float(val_s[-1] / max(val_s[turn], 1e-12) - 1.0)
    fall = float(1.0 - train_s[-1] / max(train_s[turn], 1e-12))
    observed = rise >= OVERFIT_VAL_RISE * strict and fall >= OVERFIT_TRAIN_FALL * strict
    return {"observed": observed, "val_loss_rise": round(rise, 4), "train_loss_fall": round(fall, 4)}


def saturation_symptom(history: Mapping[str, list[float]], metric: str, strict: float = 1.0) -> dict[str, Any]:
    """The saturation rule: the smoothed validation metric ends within :data:`SATURATION_MARGIN` (/ ``strict``) of 1."""
    values = history.get(f"val_{metric}") or []
    if not values:
        return {"observed": False, "why": f"no val_{metric} curve"}
    final = float(smooth_curve(values, window(len(values)))[-1])
    gap = 1.0 - final
    return {"observed": gap <= SATURATION_MARGIN / strict, "gap_to_ceiling": round(gap, 4)}


def _small_validation(data: ScenarioData, strict: float) -> dict[str, Any]:
    if data.trials:
        step = 1.0 / max(min(int(t["val_size"]) for t in data.trials), 1)
    elif "y_val" in data.arrays:
        step = row_step(data.metric, data.arrays["y_val"])
    else:
        return {"observed": False, "why": "no validation labels"}
    return {"observed": step >= SMALL_VAL_ROW_STEP * strict, "row_step": round(step, 4)}


def pseudo_label_errors(facts: Mapping[str, Any]) -> float:
    """Training labels a pseudo-labeller got wrong, from a build's facts (its error rate x the rows it labelled).

    Examples
    --------
    >>> pseudo_label_errors({"pseudo_rows": 200, "pseudo_label_error_rate": 0.1}), pseudo_label_errors({})
    (20.0, 0.0)
    """
    return float(facts.get("pseudo_label_error_rate", 0.0)) * float(facts.get("pseudo_rows", 0))


def _label_noise(facts: Mapping[str, Any]) -> dict[str, Any]:
    wrong = float(facts.get("flipped", 0)) + pseudo_label_errors(facts)
    n_train = int(facts.get("n_train", 0))
    if n_train <= 0:
        return {"observed": False, "why": "no training-row count"}
    share = wrong / n_train
    return {"observed": share >= LABEL_NOISE_SHARE, "wrong_label_share": round(share, 4)}


def train_loss_climb(train: list[float]) -> float | None:
    """How far the training loss, averaged over 3 epochs, climbs above its running minimum (a share of it).

    0 when the averaged loss only ever falls; None when the curve is too short to average.

    Examples
    --------
    >>> train_loss_climb([1.0, 0.8, 0.6, 0.5, 0.4, 0.3])
    0.0
    >>> round(train_loss_climb([1.0, 0.8, 0.6, 0.5, 1.2, 1.3]), 3)  # 1.0 over a running minimum of 0.633
    0.579
    """
    if len(train) < 2 * SMOOTH_MIN:
        return None
    smooth = smooth_curve(train, SMOOTH_MIN)
    running_min = np.minimum.accumulate(smooth)
    return float(np.max(smooth / np.maximum(running_min, 1e-12)) - 1.0)


def _optimization(history: Mapping[str, list[float]], strict: float) -> dict[str, Any]:
    climb = train_loss_climb(history.get("train_loss") or [])
    if climb is None:
        return {"observed": False, "why": "no training loss curve"}
    return {"observed": climb >= OPTIMIZATION_RISE * strict, "train_loss_climb": round(climb, 4)}


def observe_symptoms(data: ScenarioData, *, healthy: bool) -> dict[str, dict[str, Any]]:
    """Every observable symptom of one built scenario, by the module's rules.

    Parameters
    ----------
    data : ScenarioData
    healthy : bool
        A healthy draw: the thresholds are :data:`HEALTHY_STRICTNESS` times stricter.

    Returns
    -------
    dict
        Cause -> ``{"observed": bool, <the figure the rule read>...}``, JSON-safe, for
        every cause of :data:`OBSERVABLE`.
    """
    strict = HEALTHY_STRICTNESS if healthy else 1.0
    history = data.history or {}
    label_noise = {"observed": False, "why": "none drawn in a healthy run"} if healthy else _label_noise(data.facts)
    return {
        "overfitting": _overfitting(history, strict),
        "metric_saturation": saturation_symptom(history, data.metric, strict),
        "small_validation_set": _small_validation(data, strict),
        "label_noise": label_noise,
        "optimization": _optimization(history, strict),
    }


def finding_truth(cause: str, injected: Collection[str], observed: Mapping[str, Mapping[str, Any]]) -> str:
    """Whether a finding of ``cause`` is right: ``"injected"``, ``"observed"`` or ``"wrong"``.

    Examples
    --------
    >>> seen = {"overfitting": {"observed": True}}
    >>> [finding_truth(c, ["label_noise"], seen) for c in ("label_noise", "overfitting", "optimization")]
    ['injected', 'observed', 'wrong']
    """
    if cause in injected:
        return "injected"
    return "observed" if observed.get(cause, {}).get("observed") else "wrong"
