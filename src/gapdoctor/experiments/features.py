"""The features a finding names: the ``features`` field of its typed payload.

The causes that compare the splits feature by feature (``preprocessing_leakage``,
``pipeline_bug``, ``distribution_shift``) keep the features their finding is about in a
``features`` field: a list of :class:`~gapdoctor.stats.splits.FeaturePlot`, most important
first, drawn in the report and read here. An experiment reads that field of the payload
type it narrowed to; it never scans evidence keys by string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from gapdoctor.stats.splits import FeaturePlot

__all__ = ["PlotsFeatures", "named_features"]


class PlotsFeatures(Protocol):
    """A payload that names features: its ``features`` field, most important first."""

    @property
    def features(self) -> Sequence[FeaturePlot]:
        """The features the finding is about, with their densities in each split."""


def named_features(result: PlotsFeatures, feature_names: Sequence[str]) -> list[str]:
    """Features of ``feature_names`` that the payload names, in its order, each once.

    A name that is not a column of the data (a stored finding read back against other
    data) is left out.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Plotted:
    ...     features: list[dict[str, str]]
    >>> named_features(Plotted([{"name": "b"}, {"name": "zz"}, {"name": "b"}, {"name": "a"}]), ("a", "b", "c"))
    ['b', 'a']
    """
    known = set(feature_names)
    found: list[str] = []
    for plotted in result.features:
        name = plotted["name"]
        if name in known and name not in found:
            found.append(name)
    return found
