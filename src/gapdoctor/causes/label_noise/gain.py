"""What cleaning the noisy labels gains: the metric the confirming experiment measured without them.

Without a model there is no honest number: the checks estimate how many labels are wrong,
not what the model would score without them (that depends on how much the model fits the
noise), so the checks state no gain. With ``model=`` the experiment
(:mod:`gapdoctor.causes.label_noise.experiment`) re-trains without the rows estimated to be
mislabelled and measures it on the validation rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gapdoctor.causes.gain import Gain, make_gain
from gapdoctor.stats.metrics import METRICS

__all__ = ["measured_gain"]


def measured_gain(experiment: Mapping[str, Any]) -> Gain | None:
    """The metric re-trained without the rows (``after_fix``) against the model as trained (``now``).

    ``experiment`` is ``Finding.experiment``: both figures are on the same validation rows,
    and the interval is its 95% paired-bootstrap interval of ``after``. None when the
    experiment was refuted or did not improve the metric (the evidence shows no gain), or
    for a metric gapdoctor does not know the direction of.

    Examples
    --------
    >>> measured_gain({"metric": "accuracy", "before": 0.837, "after": 0.922,
    ...                "interval": [0.898, 0.944], "verdict": "confirmed"})
    {'metric': 'accuracy', 'now': 0.837, 'after_fix': 0.922, 'interval': (0.898, 0.944)}
    >>> measured_gain({"metric": "accuracy", "before": 0.837, "after": 0.83,
    ...                "interval": [0.80, 0.86], "verdict": "inconclusive"}) is None
    True
    """
    known = METRICS.get(str(experiment.get("metric")))
    if known is None or experiment.get("verdict") == "refuted":
        return None
    now, after, (low, high) = float(experiment["before"]), float(experiment["after"]), experiment["interval"]
    better = after > now if known.greater_is_better else after < now
    if not better:
        return None
    return make_gain(known.name, now=now, after_fix=after, low=float(low), high=float(high))
