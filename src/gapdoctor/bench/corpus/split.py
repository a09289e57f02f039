"""Split the corpus by family: calibrate on some families, report on the others.

The rule (deterministic, no randomness): ``held_out`` names, for one or more family axes
(dataset, model, ...), the labels kept for reporting. A scenario goes to

- **report** when its label on *every* held-out axis is held out;
- **calibrate** when its label on *no* held-out axis is held out;
- **unused** otherwise (it mixes a held-out family with a calibration family on two axes,
  or lacks a label: a seed whose build errored).

So a held-out label never appears among the calibration scenarios, and, on every held-out
axis, no label appears on both sides. Axes that are not held out (severity, optimiser...)
are shared by both sides by design.

The default (:data:`DEFAULT_HELD_OUT`) reports on three data-set families: wine and breast
cancer (two bundled sets) and ``synthetic_wide`` (a ``make_classification`` variant), about
a third of the corpus; every cause can be drawn on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gapdoctor.bench.corpus.draws import HEALTHY_KINDS, SEVERITIES
from gapdoctor.bench.corpus.families import KNOWN_DATASETS, KNOWN_MODELS
from gapdoctor.errors import GapdoctorInputError

__all__ = ["DEFAULT_HELD_OUT", "FAMILY_AXES", "FamilySplit", "split_by_family"]

T = TypeVar("T")

DEFAULT_HELD_OUT: dict[str, tuple[str, ...]] = {"dataset": ("breast_cancer", "wine", "synthetic_wide")}
"""The families the scoring policy is reported on (never calibrated on)."""

FAMILY_AXES: dict[str, tuple[str, ...] | None] = {
    "dataset": KNOWN_DATASETS,
    "model": KNOWN_MODELS,
    "severity": SEVERITIES + HEALTHY_KINDS,
    "optimiser": ("adam", "sgd"),
    "epochs": ("short", "medium", "long"),
    "class_balance": ("balanced", "imbalanced"),
    "val_size": ("small", "medium", "large"),
    "kind": ("cause", "pair", "healthy"),
    "causes": None,  # any cause or pair label
}
"""Every family axis a scenario records, with its labels (None: open-ended)."""


@dataclass(frozen=True)
class FamilySplit(Generic[T]):
    """The corpus split by family: what to calibrate on, what to report on, what neither."""

    calibrate: list[T]
    report: list[T]
    unused: list[T] = field(default_factory=list)
    held_out: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _families(item: Any) -> Mapping[str, str]:
    if isinstance(item, Mapping):
        return item["families"]  # type: ignore[no-any-return]
    return item.families  # type: ignore[no-any-return]


def _validate(held_out: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    if not held_out:
        raise GapdoctorInputError("held_out", "is empty", "name at least one family axis, e.g. {'dataset': ('wine',)}")
    clean: dict[str, tuple[str, ...]] = {}
    for axis, labels in held_out.items():
        if axis not in FAMILY_AXES:
            raise GapdoctorInputError(
                "held_out", f"unknown family axis {axis!r}", f"use one of {', '.join(FAMILY_AXES)}"
            )
        labels = tuple(labels)
        known = FAMILY_AXES[axis]
        unknown = [label for label in labels if known is not None and label not in known]
        if unknown or not labels:
            allowed = ", ".join(known or ())
            raise GapdoctorInputError(
                f"held_out[{axis!r}]", f"unknown or no labels {unknown}", f"use some of {allowed}"
            )
        clean[axis] = labels
    return clean


def split_by_family(
    items: Iterable[T],
    held_out: Mapping[str, Iterable[str]] | None = None,
    *,
    families: Callable[[T], Mapping[str, str]] | None = None,
) -> FamilySplit[T]:
    """Split corpus scenarios into calibration and report sets by family (see the module docstring).

    Parameters
    ----------
    items : iterable
        Scenarios: :class:`~gapdoctor.bench.corpus.generate.CorpusScenario`, or records
        (dicts) with a ``"families"`` entry, such as the lines ``diagnose`` writes.
    held_out : mapping of str to labels, optional
        Family axis -> labels reported on; default :data:`DEFAULT_HELD_OUT`.
    families : callable, optional
        ``families(item) -> {axis: label}``, for other item types.

    Returns
    -------
    FamilySplit
        Items keep their order on each side.

    Raises
    ------
    GapdoctorInputError
        For an unknown axis or label.

    Examples
    --------
    >>> pairs = [("wine", "logistic"), ("wine", "sklearn_mlp"), ("digits", "logistic"), ("digits", "sklearn_mlp")]
    >>> rows = [{"families": {"dataset": d, "model": m}} for d, m in pairs]
    >>> parts = split_by_family(rows, {"dataset": ["wine"], "model": ["logistic"]})
    >>> [r["families"] for r in parts.report], len(parts.calibrate), len(parts.unused)
    ([{'dataset': 'wine', 'model': 'logistic'}], 1, 2)
    """
    axes = _validate(DEFAULT_HELD_OUT if held_out is None else held_out)
    get = families or _families
    out: FamilySplit[T] = FamilySplit([], [], [], axes)
    for item in items:
        labels = get(item)
        held = [labels.get(axis) in chosen for axis, chosen in axes.items()]
        if any(axis not in labels for axis in axes):  # an errored build has no families
            out.unused.append(item)
        elif all(held):
            out.report.append(item)
        elif not any(held):
            out.calibrate.append(item)
        else:
            out.unused.append(item)
    return out
