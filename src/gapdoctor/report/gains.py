"""What fixing each finding gains, and which fix the report leads with.

The first fix a report names is the top-ranked finding's, unless the top-ranked finding
states what fixing it gains and another reported finding is expected to gain more: then
that finding's fix leads, and the report says why. A finding that states no gain keeps
the lead: its evidence allows no number, which is not evidence that it gains little (a
label-encoding or leakage fix may gain more than any stopping epoch). A gain that moves a
fix ahead must be told from none by its interval, which must leave out ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gapdoctor.causes.gain import Gain, gain_size
from gapdoctor.causes.vocabulary import cause_info, known_causes

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis, Finding

__all__ = ["Lead", "gain_line", "lead_fix"]


def gain_line(gain: Gain) -> str:
    """One line for a finding's gain.

    Examples
    --------
    >>> gain_line({"metric": "accuracy", "now": 0.81, "after_fix": 0.86, "interval": (0.84, 0.88)})
    'accuracy 0.810 -> 0.860 (0.840 to 0.880)'
    """
    low, high = gain["interval"]
    return f"{gain['metric']} {gain['now']:.3f} -> {gain['after_fix']:.3f} ({low:.3f} to {high:.3f})"


def _title(cause: str) -> str:
    return cause_info(cause).title.lower() if cause in known_causes() else cause


def _tells_a_gain(gain: Gain) -> bool:
    """True when the interval leaves out ``now``: the evidence tells this gain from none."""
    low, high = gain["interval"]
    return not (low <= gain["now"] <= high) and gain_size(gain) > 0


@dataclass(frozen=True)
class Lead:
    """The finding whose fix a report names first.

    Parameters
    ----------
    finding : Finding
    why : str
        Why it leads when it is not the top-ranked finding; "" when it is.
    """

    finding: Finding
    why: str = ""


def lead_fix(diagnosis: Diagnosis) -> Lead | None:
    """The reported finding whose fix comes first, and why; None when nothing is reported.

    The top-ranked reported finding, unless it states a gain and another reported
    finding's gain is larger (in its metric's units) and told from none by its interval.
    """
    reported = diagnosis.reported
    if not reported:
        return None
    top = reported[0]
    if top.gain is None:
        return Lead(top)
    top_gain = top.gain
    gains = [(f, f.gain) for f in reported[1:] if f.gain is not None and _tells_a_gain(f.gain)]
    larger = [(f, gain) for f, gain in gains if gain_size(gain) > gain_size(top_gain)]
    if not larger:
        return Lead(top)
    best, best_gain = max(larger, key=lambda pair: gain_size(pair[1]))  # the higher-ranked on a tie
    why = (
        f"fixing the {_title(best.cause)} is expected to gain most ({gain_line(best_gain)}); "
        f"fixing the top-ranked cause, {_title(top.cause)}, is expected to give {gain_line(top_gain)}."
    )
    return Lead(best, why)
