"""The words of ``pipeline_bug.split_preprocessing``: what its rescaling verdict says about the splits."""

from __future__ import annotations

import math

from gapdoctor.stats.rescaling import RescalingVerdict

__all__ = ["verdict_text"]

_PATTERN_TEXT = {
    "standardised": "{ok} looks standardised (every feature mean 0, sd 1) but {bad} does not: "
    "{bad} was not passed through the fitted scaler",
    "min-max": "{ok} lies in [0, 1] but {bad} does not: {bad} was not min-max scaled (e.g. pixels / 255)",
    "common factor": "every rescaled feature of X_val is X_train times about {factor:.3g}{power}: different units",
    "per-feature": "{n} feature(s) of X_val are affine maps of X_train (same shape, other scale): "
    "different units or a different scaler",
}

_PARTIAL_TEXT = (
    "{ok} is standardised to floating-point precision (every feature mean 0, sd 1, within {error:.0e}) "
    "and the {n} feature(s) of {bad} that differ are affine maps of it with the same shape, while the "
    "others match it already: {bad} was not passed through the fitted scaler (standardising {bad} by its "
    "own statistics takes the log-loss of {model} fitted on {ok} from {given:.3f} to {scaled:.3f}, "
    "paired z {z:+.1f})"
)

_FIX_MODEL_TEXT = {"linear": "a linear model", "trees": "boosted trees"}


def verdict_text(verdict: RescalingVerdict, ok: str, bad: str) -> str:
    """What a firing verdict says: ``bad`` is the split preprocessed differently from ``ok``.

    A split standardised while only some features of the other differ (the verdict carries its
    fix check) says so, with the standardised split's precision and the fix's log-loss change.
    """
    fix = verdict.fix
    if fix is not None:
        return _PARTIAL_TEXT.format(
            ok=ok,
            bad=bad,
            error=verdict.standardisation_error,
            n=len(verdict.features),
            model=_FIX_MODEL_TEXT.get(fix.model, fix.model),
            given=fix.log_loss_as_given,
            scaled=fix.log_loss_own_scaled,
            z=fix.z,
        )
    power = round(math.log10(verdict.factor))
    near_power = power != 0 and abs(math.log10(verdict.factor) - power) < 0.1
    return _PATTERN_TEXT[verdict.pattern].format(
        ok=ok,
        bad=bad,
        factor=verdict.factor,
        n=len(verdict.features),
        power=f" (close to 1e{power:+03d})" if near_power else "",
    )
