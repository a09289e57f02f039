"""Figures by payload type: each cause folder's ``figures.py`` says what to draw for its findings.

A cause's ``causes/<cause>/figures.py`` registers one maker per payload type::

    @figures_for(OverfittingCurves)
    def _curves(result: OverfittingCurves, diagnosis: Diagnosis) -> list[Figure]:
        return [curves_figure(diagnosis, result.markers)]

A maker returns ``(caption, draw)`` pairs; ``draw()`` returns an SVG string (from the
drawing primitives of :mod:`gapdoctor.report.plots`), a small HTML table built from escaped
cells (:func:`gapdoctor.report.markup.html_table`), or None to draw nothing. The HTML
report asks :func:`figures_of` for each finding; a figure that fails to draw becomes a
note in the report, never a broken report. A finding without a payload (a plug-in's, or a
stored one whose payload cannot be rebuilt) has no figure.

The training curves are one figure every curve-reading cause shares (:func:`curves_figure`):
its drawing is a :class:`CurvesDrawing`, so the report knows, without knowing the causes,
whether a finding's section already shows the curves and which epochs the findings mark.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from gapdoctor.causes.folders import import_each
from gapdoctor.causes.payload import Payload, payload_of

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis, Finding
    from gapdoctor.stats.splits import FeaturePlot

__all__ = ["CurvesDrawing", "Figure", "curves_figure", "features_figure", "figures_for", "figures_of", "load_figures"]

Figure = tuple[str, Callable[[], "str | None"]]
"""A caption and the function that draws the figure (SVG) or returns None."""

P = TypeVar("P", bound=Payload)
_MAKERS: dict[type[Payload], Callable[[Any, Diagnosis], list[Figure]]] = {}
_LOADED: list[bool] = []


Maker = Callable[[P, "Diagnosis"], list[Figure]]


def figures_for(*kinds: type[P]) -> Callable[[Maker[P]], Maker[P]]:
    """Register the figure maker of one or more payload types."""

    def decorator(maker: Maker[P]) -> Maker[P]:
        for kind in kinds:
            if kind in _MAKERS:
                raise ValueError(f"payload {kind.__name__} has two figure makers")
            _MAKERS[kind] = maker
        return maker

    return decorator


def load_figures() -> None:
    """Import every cause folder's ``figures`` module once (each registers its makers)."""
    if not _LOADED:
        import_each("figures")
        _LOADED.append(True)


def figures_of(finding: Finding, diagnosis: Diagnosis) -> list[Figure] | None:
    """The figures of one finding, or None when its payload type has no maker."""
    load_figures()
    result = payload_of(finding)
    maker = None if result is None else _MAKERS.get(type(result))
    return None if maker is None or result is None else maker(result, diagnosis)


@dataclass(frozen=True, eq=False)
class CurvesDrawing:
    """Draws the run's training curves with some epochs marked (nothing when no curves were recorded).

    Parameters
    ----------
    diagnosis : Diagnosis
        The diagnosis whose ``curves`` are drawn.
    markers : mapping of str to int
        Name -> epoch (from 1): the vertical lines.
    """

    diagnosis: Diagnosis
    markers: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self) -> str | None:
        from gapdoctor.report import plots

        if not self.diagnosis.curves:
            return None
        metric = str(self.diagnosis.inputs.get("metric", ""))
        return plots.curves_svg(self.diagnosis.curves, metric, dict(self.markers))


def curves_figure(diagnosis: Diagnosis, markers: Mapping[str, Any] | None = None) -> Figure:
    """The run's training curves, with a finding's epochs marked (drawn only when curves exist)."""
    marks = dict(markers or {})
    caption = "Training curves with this finding's epochs marked" if marks else "Training curves"
    return caption, CurvesDrawing(diagnosis, marks)


def features_figure(features: Sequence[FeaturePlot]) -> Figure:
    """The densities in each split of the features a finding names (the split-comparing causes)."""
    from gapdoctor.report import plots

    return "The features that differ most between the splits", partial(plots.features_svg, features)
