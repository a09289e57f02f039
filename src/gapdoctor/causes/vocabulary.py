"""The cause vocabulary: the names, and each cause's :class:`CauseInfo` gathered from its folder.

Every finding names one known cause, exactly: the twelve of :data:`CAUSES` (DESIGN.md's
vocabulary, in its order), and any cause a plug-in adds with :func:`register_cause`. Each
cause's story, default fixes, bench heading and what it explains live in
``causes/<cause>/spec.py``; checks may give more specific fixes.
"""

from __future__ import annotations

from gapdoctor.causes.distribution_shift.spec import SPEC as _DISTRIBUTION_SHIFT
from gapdoctor.causes.label_noise.spec import SPEC as _LABEL_NOISE
from gapdoctor.causes.metric_mismatch.spec import SPEC as _METRIC_MISMATCH
from gapdoctor.causes.metric_saturation.spec import SPEC as _METRIC_SATURATION
from gapdoctor.causes.optimization.spec import SPEC as _OPTIMIZATION
from gapdoctor.causes.overfitting.spec import SPEC as _OVERFITTING
from gapdoctor.causes.pipeline_bug.spec import SPEC as _PIPELINE_BUG
from gapdoctor.causes.preprocessing_leakage.spec import SPEC as _PREPROCESSING_LEAKAGE
from gapdoctor.causes.pseudo_label_noise.spec import SPEC as _PSEUDO_LABEL_NOISE
from gapdoctor.causes.search_noise.spec import SPEC as _SEARCH_NOISE
from gapdoctor.causes.small_validation_set.spec import SPEC as _SMALL_VALIDATION_SET
from gapdoctor.causes.spec import CauseInfo
from gapdoctor.causes.subgroup_failure.spec import SPEC as _SUBGROUP_FAILURE

__all__ = ["CAUSES", "CauseInfo", "cause_info", "cause_order", "explained_by", "known_causes", "register_cause"]

_BUILT_IN: tuple[CauseInfo, ...] = (
    _OVERFITTING,
    _LABEL_NOISE,
    _METRIC_MISMATCH,
    _DISTRIBUTION_SHIFT,
    _SMALL_VALIDATION_SET,
    _SUBGROUP_FAILURE,
    _OPTIMIZATION,
    _PREPROCESSING_LEAKAGE,
    _PIPELINE_BUG,
    _PSEUDO_LABEL_NOISE,
    _METRIC_SATURATION,
    _SEARCH_NOISE,
)

CAUSES: tuple[str, ...] = tuple(info.name for info in _BUILT_IN)
"""The cause vocabulary, exact strings, in DESIGN.md order."""

_BY_NAME: dict[str, CauseInfo] = {info.name: info for info in _BUILT_IN}


def register_cause(info: CauseInfo) -> CauseInfo:
    """Add a cause beyond the built-in vocabulary (a plug-in's folder calls this from ``spec.py``).

    The cause then takes checks, findings, a row in the bench table and its place in the
    report like the built-in ones; :data:`CAUSES` keeps the built-in twelve.

    Parameters
    ----------
    info : CauseInfo

    Returns
    -------
    CauseInfo
        ``info``, so a ``spec.py`` can write ``SPEC = register_cause(CauseInfo(...))``.

    Raises
    ------
    ValueError
        When another cause already has this name.
    """
    known = _BY_NAME.get(info.name)
    if known is not None and known != info:
        raise ValueError(f"cause {info.name!r} is already registered")
    _BY_NAME[info.name] = info
    return info


def known_causes() -> tuple[str, ...]:
    """Every known cause: the built-in vocabulary, then the registered ones in registration order."""
    return tuple(_BY_NAME)


def cause_order(cause: str) -> int:
    """Position of ``cause`` among :func:`known_causes` (unknown causes last)."""
    names = known_causes()
    return names.index(cause) if cause in names else len(names)


def explained_by(cause: str) -> tuple[str, ...]:
    """The causes whose spec says they explain ``cause`` (its root causes), in vocabulary order."""
    return tuple(info.name for info in _BY_NAME.values() if cause in info.explains)


def cause_info(cause: str) -> CauseInfo:
    """Return the description of one cause.

    Parameters
    ----------
    cause : str
        One of :func:`known_causes`.

    Returns
    -------
    CauseInfo

    Raises
    ------
    KeyError
        If ``cause`` is not known.

    Examples
    --------
    >>> cause_info("overfitting").title
    'Overfitting'
    """
    try:
        return _BY_NAME[cause]
    except KeyError:
        raise KeyError(f"unknown cause {cause!r}; known causes: {', '.join(known_causes())}") from None
