"""Optimisation problems (learning rate, schedule, batch size), read from the curves.

Three pictures, each its own finding:

* **divergence** — the training loss turns NaN/infinite, or climbs far above its best;
* **instability** — the training loss oscillates or spikes by amounts comparable to the
  progress it makes (a learning rate too high for the batch size);
* **stall** — the training loss stops improving early, far from where it started;
  with an ``lr`` series, a stall that begins right after a large learning-rate cut is
  attributed to the schedule, and a tiny learning rate from the start to the rate
  itself.
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes import cause_info
from gapdoctor.checks import SkipCheck, register
from gapdoctor.checks._curves import epoch, history_of
from gapdoctor.evidence import Evidence
from gapdoctor.findings import Finding
from gapdoctor.history import RunHistory, fill_missing, hinge_point, noise_sd, smooth
from gapdoctor.stats import squash

_NAME = "optimization.curves"
_NOISE_AT_REPORT = 0.15  # epoch-to-epoch noise as a fraction of the total progress
_SPIKE_SIGMAS = 6.0
_LR_CUT = 5.0  # a cut by this factor or more between two epochs counts as a step


def _finding(score: float, summary: str, figures: dict[str, float | int | str], first_fix: str) -> Finding:
    same_advice = first_fix.split("(")[0].split(";")[0].strip()
    fixes = (first_fix, *(f for f in cause_info("optimization").fixes if not f.startswith(same_advice)))
    return Finding(
        cause="optimization",
        score=score,
        summary=summary,
        evidence=figures,
        fixes=fixes,
        check=_NAME,
    )


def _divergence(history: RunHistory, train: np.ndarray) -> Finding | None:
    if history.diverged_at is not None:
        at = epoch(history.diverged_at)
        return _finding(
            0.95,
            f"Training diverged: the training loss is NaN/infinite from epoch {at} on.",
            {"diverged_at_epoch": at},
            "Lower the learning rate (10x) and clip gradients; check for log(0) or division by zero in the loss.",
        )
    finite = train[np.isfinite(train)]
    ts = smooth(train)
    best = int(np.argmin(ts))
    start = float(ts[0])
    blowup = float(ts[-1] - ts[best]) / max(abs(start - float(ts[best])), 1e-12)
    if best < len(ts) - 2 and float(ts[-1]) > start and len(finite) == len(train):
        return _finding(
            squash(blowup, 1.0),
            f"Training loss climbed back above its starting value ({ts[-1]:.3g} > {start:.3g}) "
            f"after its best at epoch {epoch(best)}.",
            {"train_loss_best_epoch": epoch(best), "train_loss_final": round(float(ts[-1]), 4)},
            "Lower the learning rate (10x) and clip gradients.",
        )
    return None


def _instability(train: np.ndarray) -> Finding | None:
    x = fill_missing(train)
    ts = smooth(train)
    progress = float(ts.max() - ts.min())
    noise = noise_sd(x)
    if progress <= 0:
        return None
    relative_noise = noise / progress
    # A spike stands above both neighbours (the last epoch: above the one before).
    neighbours = np.r_[np.maximum(x[:-2], x[2:]), x[-2]] if len(x) >= 3 else np.array([np.inf])
    jump = x[1:] - neighbours
    spikes = 1 + np.flatnonzero((jump > _SPIKE_SIGMAS * max(noise, 1e-12)) & (jump > 0.2 * np.abs(neighbours)))
    ups = float(np.mean(np.diff(x[2:]) > 0)) if len(x) > 4 else 0.0  # after the first epochs
    # Epoch-averaged training loss of a healthy run rarely rises; rising in half the epochs is the
    # reporting point, as is noise worth 15% of the total progress.
    strength = max(relative_noise / _NOISE_AT_REPORT, (ups - 0.1) / 0.25) + 0.5 * len(spikes)
    score = squash(strength, 1.0)
    if score < 0.05:
        return None
    summary = (
        f"Training loss is unstable: epoch-to-epoch noise is {100 * relative_noise:.0f}% of the total progress "
        f"and it rose in {100 * ups:.0f}% of epochs"
        + (f", with {len(spikes)} spike(s) (first at epoch {epoch(spikes[0])})." if len(spikes) else ".")
    )
    figures: dict[str, float | int | str] = {
        "train_loss_noise_vs_progress": round(relative_noise, 4),
        "epochs_with_rising_train_loss_pct": round(100 * ups, 1),
        "spikes": len(spikes),
    }
    if len(spikes):
        figures["first_spike_epoch"] = epoch(spikes[0])
    return _finding(score, summary, figures, "Lower the learning rate (try 3x and 10x smaller).")


def _stall(history: RunHistory, train: np.ndarray) -> Finding | None:
    n = history.n_epochs
    ts = smooth(train)
    start, end = float(ts[0]), float(ts[-1])
    third = max(2, n // 3)
    late_drop = float(ts[-third] - end) / max(abs(float(ts[-third])), 1e-12)
    achieved = (start - end) / max(abs(start), 1e-12)
    if late_drop > 0.02 or achieved > 0.7:
        return None
    knee, _, _ = hinge_point(train) if n >= 6 else (0, 0.0, 0.0)
    strength = (1.0 - achieved) * (0.02 / max(late_drop, 0.002)) * 0.5
    figures: dict[str, float | int | str] = {
        "train_loss_start": round(start, 4),
        "train_loss_final": round(end, 4),
        "train_loss_drop_pct": round(100 * achieved, 1),
        "late_drop_pct": round(100 * late_drop, 2),
        "stall_epoch": epoch(knee),
    }
    lr = history.get("lr")
    tail = fill_missing(train)[n // 2 :]
    bouncing = len(tail) > 3 and float(np.mean(np.diff(tail) > 0)) >= 0.35
    if bouncing:
        cause = (
            "the training loss bounces on a plateau (it rose in most late epochs), a sign of a learning rate too high"
        )
        first_fix = "Lower the learning rate (try 3x and 10x smaller); clip gradients."
    else:
        cause = "the training loss stopped improving early"
        first_fix = "Raise the learning rate or use a warm-up + decay schedule; check the loss is wired to the outputs."
    if lr is not None:
        lr_f = fill_missing(lr)
        with np.errstate(divide="ignore", invalid="ignore"):
            cuts = np.flatnonzero(lr_f[:-1] / np.maximum(lr_f[1:], 1e-300) >= _LR_CUT)
        near = [c for c in cuts if abs(c + 1 - knee) <= max(2, n // 10)]
        figures["lr_max"] = float(lr_f.max())
        figures["lr_final"] = float(lr_f[-1])
        if near:
            c = int(near[0])
            figures["lr_cut_epoch"] = epoch(c + 1)
            cause = (
                f"the stall begins at epoch {epoch(knee)}, right after the learning rate was cut "
                f"from {lr_f[c]:.3g} to {lr_f[c + 1]:.3g}"
            )
            first_fix = "Delay the learning-rate decay (or cut by less); decay on plateau of the validation metric."
            strength *= 2.0
        elif lr_f.max() <= 1e-5 and not bouncing:
            cause = f"the learning rate never exceeds {lr_f.max():.3g}"
            first_fix = "Raise the learning rate (run a learning-rate range test)."
            strength *= 1.5
    score = squash(strength, 1.0)
    if score < 0.05:
        return None
    summary = (
        f"Optimisation stalled: {cause}; the training loss fell only {100 * achieved:.0f}% overall "
        f"and {100 * late_drop:.1f}% over the last third."
    )
    return _finding(score, summary, figures, first_fix)


@register(
    name=_NAME,
    cause="optimization",
    requires=("history",),
    description="Divergence, oscillation/spikes and stalls of the training loss, related to the lr schedule.",
)
def optimization_from_curves(evidence: Evidence) -> list[Finding]:
    """Divergence, instability and stalls of the training loss."""
    history = history_of(evidence)
    train = history.get("train_loss")
    if train is None:
        raise SkipCheck("history has no train_loss")
    diverged = _divergence(history, train)
    if diverged is not None and diverged.score >= 0.9:
        return [diverged]
    findings = [f for f in (diverged, _instability(train), _stall(history, train)) if f is not None]
    return findings
