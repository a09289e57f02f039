"""Every fault scenario of the bench, in cause-vocabulary order, healthy runs last."""

from __future__ import annotations

from gapdoctor.bench.faults_curves import CURVE_SCENARIOS
from gapdoctor.bench.faults_data import DATA_SCENARIOS
from gapdoctor.bench.faults_pipeline import PIPELINE_SCENARIOS
from gapdoctor.bench.faults_population import POPULATION_SCENARIOS
from gapdoctor.bench.scenario import HEALTHY, Scenario
from gapdoctor.bench.search import SEARCH_SCENARIOS
from gapdoctor.causes.vocabulary import CAUSES

__all__ = ["SCENARIOS", "select_scenarios"]

_ALL = CURVE_SCENARIOS + DATA_SCENARIOS + POPULATION_SCENARIOS + PIPELINE_SCENARIOS + SEARCH_SCENARIOS
_ORDER = (*CAUSES, HEALTHY)

SCENARIOS: tuple[Scenario, ...] = tuple(sorted(_ALL, key=lambda s: (_ORDER.index(s.cause), s.name)))
"""Every scenario: at least three per cause in :data:`gapdoctor.CAUSES` and five healthy runs."""


def select_scenarios(*, cause: str | None = None, fast: bool = False) -> list[Scenario]:
    """The scenarios of one cause (or all), optionally only the fast subset.

    Parameters
    ----------
    cause : str, optional
        A cause of :data:`gapdoctor.CAUSES`, or ``"none"`` for the healthy runs.
    fast : bool, default=False
        Only the fast subset: one scenario per cause and one healthy run.

    Returns
    -------
    list of Scenario

    Raises
    ------
    ValueError
        For an unknown cause.

    Examples
    --------
    >>> [s.name for s in select_scenarios(cause="overfitting", fast=True)]
    ['overfitting/digits-150rows-wide']
    """
    if cause is not None and cause not in _ORDER:
        raise ValueError(f"unknown cause {cause!r}; use one of {', '.join(_ORDER)}")
    return [s for s in SCENARIOS if (cause is None or s.cause == cause) and (s.fast or not fast)]
