"""Typed result payloads: what a finding measured, as a frozen dataclass per finding kind.

A check builds its finding from a payload (``Finding(..., result=OverfittingCurves(...))``);
the finding's ``evidence`` (figures shown to the user) and ``data`` (arrays for figures)
are the payload's fields, under the same keys as ever, so ``Finding.to_dict()`` and the
JSON contract do not change. Experiments and figures read the payload's fields by name,
so a renamed field fails mypy instead of silently at run time.

Declare a payload in the cause's folder (``causes/<cause>/result.py``)::

    @dataclass(frozen=True)
    class OverfittingCurves(Payload):
        CHECK: ClassVar[str] = "overfitting.curves"
        pattern: str = figure()
        best_epoch: int = figure()
        val_loss: list[float] = plot()
        worst_class: str | None = figure(omit_none=True)

``figure()`` fields go to ``finding.evidence``, ``plot()`` fields to ``finding.data``, in
declaration order; ``key=`` names a key that is not an identifier, ``omit_none=True`` leaves
the key out when the value is None, ``spread=True`` merges a mapping's items (keys built at
run time, e.g. ``shifted_1``). Name a spread field after its keys' prefix (``shifted``): when a
payload has several in one place, each is rebuilt from the keys that start with its name and ``_``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar, Literal

__all__ = ["Payload", "declared_labels", "figure", "payload_of", "payload_types", "plot"]

_Place = Literal["evidence", "data"]
_BY_CHECK: dict[str, list[type[Payload]]] = {}


def _field(
    place: _Place,
    *,
    key: str | None = None,
    omit_none: bool = False,
    spread: bool = False,
    label: str | None = None,
    shown_as: str | None = None,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A payload field for ``finding.evidence`` or ``finding.data`` (see the module docstring).

    ``default`` and ``default_factory`` are those of :func:`dataclasses.field`; ``omit_none``
    without either defaults the field to None. ``label`` is the plain words the reports show
    for the key, and ``shown_as`` its format (a key of ``gapdoctor.report.labels.FORMATS``:
    "number", "pct", "share", "count"...): a new cause declares them here instead of in
    the report's table of labels.
    """
    metadata = {
        "place": place,
        "key": key,
        "omit_none": omit_none,
        "spread": spread,
        "label": label,
        "shown_as": shown_as,
    }
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    if omit_none and default is dataclasses.MISSING:
        default = None
    return dataclasses.field(default=default, metadata=metadata)


figure = partial(_field, "evidence")
"""A payload field shown in ``finding.evidence``: ``figure(key=, omit_none=, spread=, default=, default_factory=)``."""

plot = partial(_field, "data")
"""A payload field kept in ``finding.data`` for figures; the options of :data:`figure`."""


class Payload:
    """Base of every typed payload; subclasses are frozen dataclasses naming their ``CHECK``."""

    CHECK: ClassVar[str] = ""
    """The registered check that produces this kind of finding."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.CHECK:
            _BY_CHECK.setdefault(cls.CHECK, []).append(cls)

    def _part(self, place: _Place) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get("place", "evidence") != place:
                continue
            value = getattr(self, f.name)
            if value is None and f.metadata.get("omit_none"):
                continue
            if f.metadata.get("spread"):
                out.update(value or {})
            else:
                out[f.metadata.get("key") or f.name] = value
        return out

    def evidence(self) -> dict[str, Any]:
        """The ``figure()`` fields, as ``finding.evidence`` shows them."""
        return self._part("evidence")

    def data(self) -> dict[str, Any]:
        """The ``plot()`` fields, as ``finding.data`` keeps them."""
        return self._part("data")

    def explained_by(self) -> tuple[str, ...]:
        """Causes that explain this particular finding beyond its cause's spec (default none)."""
        return ()

    def unexplained_by(self) -> tuple[str, ...]:
        """Root causes of its cause's spec that this particular finding's evidence rules out (default none)."""
        return ()

    @property
    def onset(self) -> int | float | None:
        """The epoch (point) where the problem this finding reports began, when its evidence places it; None when it
        does not (a noisy loss is noisy throughout). A root cause that began after the symptom it would explain did
        not cause it: :func:`gapdoctor.ranking.rank` reads this."""
        return None

    @classmethod
    def from_parts(cls, evidence: Mapping[str, Any], data: Mapping[str, Any]) -> Payload | None:
        """Rebuild from a stored finding's evidence and data; None when a required key is missing."""
        values: dict[str, Any] = {}
        named: set[str] = set()
        spreads: list[dataclasses.Field[Any]] = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            source = data if f.metadata.get("place", "evidence") == "data" else evidence
            if f.metadata.get("spread"):
                spreads.append(f)
                continue
            key = f.metadata.get("key") or f.name
            named.add(key)
            if key in source:
                values[f.name] = source[key]
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                return None
        for f in spreads:
            place = f.metadata.get("place")
            source = data if place == "data" else evidence
            shared = sum(g.metadata.get("place") == place for g in spreads) > 1
            prefix = f"{f.name}_" if shared else ""  # several spreads in one place: each takes its own prefix
            values[f.name] = {
                k: v for k, v in source.items() if k not in named and k != "sampling" and k.startswith(prefix)
            }
        return cls(**values)


def declared_labels(check: str | None = None) -> dict[str, tuple[str, str]]:
    """Evidence key -> (plain label, format) declared by the fields of every loaded payload type, or of ``check``'s
    alone (payloads of one cause share keys with labels of their own: ``points_logged`` is "evaluations, all 0" in
    one, "training-loss points logged" in another)."""
    out: dict[str, tuple[str, str]] = {}
    for kinds in _BY_CHECK.values() if check is None else [_BY_CHECK.get(check, [])]:
        for kind in kinds:
            for f in dataclasses.fields(kind):  # type: ignore[arg-type]
                label = f.metadata.get("label")
                if label and not f.metadata.get("spread"):
                    out[f.metadata.get("key") or f.name] = (label, f.metadata.get("shown_as") or "number")
    return out


def payload_types(check: str) -> tuple[type[Payload], ...]:
    """The payload classes a check produces (its cause folder must be loaded: see :func:`payload_of`)."""
    return tuple(_BY_CHECK.get(check, ()))


def payload_of(finding: Any) -> Payload | None:
    """A finding's payload: its own, or rebuilt from a stored finding's evidence and data."""
    if finding.result is not None:
        return finding.result  # type: ignore[no-any-return]
    from gapdoctor.causes.folders import load_causes  # the payload types are declared in the folders

    load_causes()
    for kind in payload_types(finding.check):
        rebuilt = kind.from_parts(finding.evidence, finding.data)
        if rebuilt is not None:
            return rebuilt
    return None
