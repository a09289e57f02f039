"""Label noise from the curves alone: validation accuracy that peaked and fell back while training went on.

A network trained on labels of which some are wrong first learns what the right ones share (its validation
accuracy rises to an early peak), then memorises the wrong ones, and each memorised wrong label costs it the
validation rows that resemble it: the accuracy falls back while the training loss goes on falling (Arpit et
al. 2017; Liu et al. 2020, "early learning, then memorisation"). A network memorising correct labels keeps
what it learnt: its validation loss rises as it grows overconfident, its accuracy mostly holds. So a fall
of the validation accuracy well beyond its noise, during a training loss that went on falling, points at
wrong labels; this check reads it where nothing else can (a log file, a training loop that passes no
out-of-fold probabilities), and says where to look next.

Only an accuracy is read (``val_accuracy``, ``val_balanced_accuracy``, ``val_f1_micro`` or ``val_error``,
whichever is logged, the run's own metric first): the share of rows labelled right is what wrong training
labels lower. An F1 or a ranking metric also moves with a drifting threshold or calibration.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import epoch_of, history_of, info_of, oriented, rows_counted
from gapdoctor.causes.gain import make_gain
from gapdoctor.causes.label_noise.result import AccuracyPeakFall
from gapdoctor.causes.label_noise.score import PEAK_MEMORISING_FALL, peak_fall_score
from gapdoctor.causes.overfitting.sampling import metric_sampling_sd
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory, smooth
from gapdoctor.stats.curves import fall_beyond_noise, noise_sd_curved, relative_fall
from gapdoctor.stats.resampling import Z95

__all__ = ["ACCURACIES", "accuracy_peak_fall"]

ACCURACIES = ("accuracy", "balanced_accuracy", "f1_micro", "error")
"""The validation series read: shares of rows labelled right (or wrong)."""
_MIN_POINTS = 6
"""Logged points of the accuracy needed for a peak, a fall and their noise."""


def _accuracy_curve(evidence: Evidence, history: RunHistory) -> tuple[str, np.ndarray] | None:
    names = [evidence.metric] if evidence.metric in ACCURACIES else []
    names += [name for name in ACCURACIES if name not in names]
    for name in names:
        values = history.get(f"val_{name}")
        if values is not None and int(np.isfinite(values).sum()) >= _MIN_POINTS:
            return name, values
    return None


def _missing(history: RunHistory, no_train_loss: bool) -> str:
    """Why the check cannot look: no accuracy or too few of its points, or no training loss.

    Examples
    --------
    >>> _missing(RunHistory(series={"val_accuracy": np.array([0.5, 0.6, 0.7, 0.7])}), True)
    'needs 6 logged points of a validation accuracy (val_accuracy has 4) and a training loss'
    """
    counts = {f"val_{n}": int(np.isfinite(v).sum()) for n in ACCURACIES if (v := history.get(f"val_{n}")) is not None}
    if counts and max(counts.values()) >= _MIN_POINTS:
        return "needs a training loss in the history"
    accuracy = "a validation accuracy"
    if counts:
        logged = ", ".join(f"{name} has {count}" for name, count in counts.items())
        accuracy = f"{_MIN_POINTS} logged points of {accuracy} ({logged})"
    return f"needs {accuracy}" + (" and a training loss" if no_train_loss else "")


def _fitting(history: RunHistory, train: np.ndarray, peak_idx: int, n_classes: int) -> float:
    """Evidence in [0, 1] that the run went on fitting its training labels after the peak, as memorisation does:
    its training loss still falling beyond its noise over the second half of the epochs after the peak
    (:func:`~gapdoctor.stats.curves.fall_beyond_noise`), and its training accuracy (when logged) not lower at
    the end than at the peak. A learning rate too high loses accuracy on both splits and leaves the training
    loss wandering at a level once the blow-up settles (the bench's SGD at 0.2: training accuracy
    0.54 -> 0.35, the loss at 1.03-1.11 for its last 45 epochs). At the peak the model must also fit its
    training labels better than a uniform guess over ``n_classes`` (when known): a validation peak before the
    model learnt anything of them is not "what it had learnt" (validation labels encoded in another order
    than training's: corpus seed 16728, validation accuracy falling from its first point while the training
    accuracy climbed from 9%)."""
    accuracy = history.get("train_accuracy")
    if accuracy is not None and int(np.isfinite(accuracy).sum()) >= _MIN_POINTS:
        smoothed = smooth(accuracy)
        if float(smoothed[-1]) < float(smoothed[peak_idx]):
            return 0.0
        if n_classes >= 2 and float(smoothed[peak_idx]) <= 1.0 / n_classes:
            return 0.0
    return fall_beyond_noise(train, (peak_idx + len(train) - 1) // 2)


@register(
    name="label_noise.accuracy_peak_fall",
    cause="label_noise",
    requires=("history",),
    description="Validation accuracy peaked and fell back beyond its noise while the training loss kept "
    "falling: wrong labels being memorised.",
)
def accuracy_peak_fall(evidence: Evidence) -> list[Finding]:
    """The accuracy lost after the smoothed peak, against its noise, while the training loss fell on."""
    history = history_of(evidence)
    curve = _accuracy_curve(evidence, history)
    train = history.get("train_loss")
    if curve is None or train is None:
        raise SkipCheck(_missing(history, train is None))
    name, values = curve
    better = oriented(info_of(evidence, name), values)
    smoothed = smooth(better)  # on the run's axis, the points between evaluations interpolated
    logged = np.flatnonzero(np.isfinite(better))
    last = logged[-max(3, len(logged) // 10) :]
    peak_idx = int(logged[np.argmax(smoothed[logged])])
    if peak_idx >= last[0]:
        return []  # the peak is among the last points: nothing was given back yet
    peak, final = float(smoothed[peak_idx]), float(np.mean(better[last]))
    fall = peak - final
    noise = float(noise_sd_curved(better[logged]))
    rows = rows_counted(values[logged], evidence.val_size)
    if rows:
        noise = max(noise, metric_sampling_sd(min(max(peak, 0.0), 1.0), rows))
    z = fall / noise if noise > 0 else 0.0
    train_s = smooth(train)
    train_fall = relative_fall(float(train_s[peak_idx]), float(train_s[-1]))
    fitting = _fitting(history, train, peak_idx, evidence.n_classes) if train_fall >= PEAK_MEMORISING_FALL else 0.0
    score = peak_fall_score(fall, z, fitting)
    if score < MIN_FINDING_SCORE:
        return []
    sign = 1.0 if better is values else -1.0
    result = AccuracyPeakFall(
        series=f"val_{name}",
        peak=round(sign * peak, 4),
        peak_epoch=epoch_of(history, peak_idx),
        final=round(sign * final, 4),
        fall_points=round(100 * fall, 2),
        fall_z=round(z, 2),
        train_loss_fall_pct=round(100 * train_fall, 1),
    )
    at = f" (epoch {result.peak_epoch})" if result.peak_epoch is not None else ""
    summary = (
        f"Validation {name} peaked at {result.peak:.4g}{at} and gave back {result.fall_points:.1f} points by the end "
        f"({result.final:.4g}; {z:.1f} times its noise) while the training loss fell a further "
        f"{result.train_loss_fall_pct:.0f}%: a model memorising wrong training labels loses what it had learnt "
        "on the right validation labels, one that overfits correct labels mostly keeps it."
    )
    fixes = (
        "Look for wrong training labels: pass y_train with out-of-fold probabilities to diagnose() (or y_train to "
        "the training-loop monitor, which follows every row), and relabel the rows it flags.",
        "Meanwhile stop at the peak (early stopping on the validation accuracy), or train with a noise-robust loss "
        "(label smoothing, generalised cross-entropy).",
    )
    gain = make_gain(
        name, now=result.final, after_fix=result.peak, low=result.peak - Z95 * noise, high=result.peak + Z95 * noise
    )
    return [
        Finding(
            cause="label_noise",
            score=score,
            summary=summary,
            fixes=fixes,
            check=AccuracyPeakFall.CHECK,
            result=result,
            gain=gain if sign > 0 else None,
        )
    ]
